"""``plexus.no_grad()``: a context manager and decorator turning autograd recording off on the
calling thread (``plx_no_grad_begin``/``plx_no_grad_end``), as ``torch.no_grad`` does."""
import functools
import threading

from ._lib import check, lib

__all__ = ["no_grad", "is_grad_enabled"]

_state = threading.local()


def is_grad_enabled():
    """False inside a ``no_grad`` scope on this thread."""
    return getattr(_state, "depth", 0) == 0


class no_grad:  # noqa: N801 - PyTorch's spelling
    """Disables gradient recording on this thread: ``with plexus.no_grad(): ...`` or
    ``@plexus.no_grad()`` (``@plexus.no_grad`` without parentheses works too). Scopes nest."""

    def __new__(cls, function=None):
        self = super().__new__(cls)
        if callable(function):
            return self(function)
        return self

    def __init__(self, function=None):
        pass

    def __enter__(self):
        lib.plx_no_grad_begin()
        _state.depth = getattr(_state, "depth", 0) + 1
        return self

    def __exit__(self, *exc):
        _state.depth = getattr(_state, "depth", 1) - 1
        check(lib.plx_no_grad_end())
        return False

    def __call__(self, function):
        """Wraps ``function`` so that it runs without recording gradients."""

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with no_grad():
                return function(*args, **kwargs)

        return wrapper
