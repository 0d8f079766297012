"""Helpers shared by the Pythonic layer classes."""
from ..._errors import UnsupportedError

__all__ = ["require_default"]


def require_default(layer, name, value, default):
    """UnsupportedError when a PyTorch argument Plexus does not implement is not its default."""
    if value != default:
        raise UnsupportedError(f"{layer}: {name}={value!r} is not supported by the plugin layer (only {default!r})")
