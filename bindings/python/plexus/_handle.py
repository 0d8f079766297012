"""A C handle that can be closed while other threads still use it.

Calls borrow the handle with ``with guard.use() as handle:``; ``close()`` marks it closed at
once (new uses raise :class:`~plexus.ClosedError`) and releases it when the last use ends, so a
session closed by one thread while another runs it never frees memory under the running call.
"""
import contextlib
import threading

from ._errors import ClosedError

__all__ = ["HandleGuard"]


class HandleGuard:
    """Owns one reference to a C object, released with ``release(handle)`` exactly once."""

    __slots__ = ("_handle", "_release", "_what", "_lock", "_users", "_closed")

    def __init__(self, handle, release, what):
        self._handle = handle
        self._release = release
        self._what = what
        self._lock = threading.Lock()
        self._users = 0
        self._closed = not handle

    @property
    def closed(self):
        """True once close() was called (or the handle was NULL)."""
        return self._closed

    @contextlib.contextmanager
    def use(self):
        """Borrows the handle for the duration of a call; ClosedError when closed."""
        with self._lock:
            if self._closed:
                raise ClosedError(f"this {self._what} is closed")
            self._users += 1
            handle = self._handle
        try:
            yield handle
        finally:
            with self._lock:
                self._users -= 1
                release_now = self._closed and self._users == 0 and self._handle is not None
                if release_now:
                    handle, self._handle = self._handle, None
            if release_now:
                self._release(handle)

    def peek(self):
        """The raw handle without borrowing it (for identity checks); ClosedError when closed."""
        if self._closed:
            raise ClosedError(f"this {self._what} is closed")
        return self._handle

    def close(self):
        """Closes the handle; it is released now, or when the last running call finishes."""
        with self._lock:
            if self._closed and self._handle is None:
                return
            self._closed = True
            release_now = self._users == 0 and self._handle is not None
            if release_now:
                handle, self._handle = self._handle, None
        if release_now:
            self._release(handle)
