"""The exception hierarchy: one class per ``plx_status`` code of ``plexus.h``.

Every class derives from :class:`PlexusError` (a ``RuntimeError``) and also from the built-in
exception a Python user would expect (``ValueError`` for a bad argument, ``LookupError`` for an
unknown name, ``NotImplementedError`` for an unsupported request, ``OSError`` for I/O), so
``except ValueError`` keeps working when the caller does not know Plexus.
"""

__all__ = [
    "PlexusError", "InvalidArgumentError", "ShapeMismatchError", "DTypeMismatchError", "ClosedError",
    "NotFoundError", "UnsupportedError", "PlexusIOError", "OutOfMemoryError", "ABIMismatchError",
    "AlreadyExistsError", "PluginFailedError", "NoBackendError", "InternalError", "error_for_status",
]


class PlexusError(RuntimeError):
    """Base of every Plexus error. ``status`` is the ``plx_status`` code (0 when raised by the
    Python layer itself) and the message is ``plx_last_error()`` of the failing call."""

    status = 0

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self):
        return self.message

    def __reduce__(self):
        return (type(self), (self.message, self.status))


class InvalidArgumentError(PlexusError, ValueError):
    """``PLX_ERR_INVALID_ARGUMENT``: a NULL/None, a bad value, a wrong rank or a bad attribute."""

    status = 1


class ShapeMismatchError(InvalidArgumentError):
    """``PLX_ERR_SHAPE_MISMATCH``: shapes that do not broadcast, multiply or concatenate."""

    status = 6


class DTypeMismatchError(InvalidArgumentError, TypeError):
    """``PLX_ERR_DTYPE_MISMATCH``: element types that are not allowed or do not agree."""

    status = 7


class ClosedError(InvalidArgumentError):
    """An object whose handle was released with ``close()`` was used again."""

    status = 1


class NotFoundError(PlexusError, LookupError):
    """``PLX_ERR_NOT_FOUND``: an unknown op, layer type, plugin file, input or output name."""

    status = 2


class UnsupportedError(PlexusError, NotImplementedError):
    """``PLX_ERR_UNSUPPORTED``: a valid request that no loaded backend implements."""

    status = 3


class PlexusIOError(PlexusError, OSError):
    """``PLX_ERR_IO``: a file could not be read or written."""

    status = 4

    def __init__(self, message, status=None):
        OSError.__init__(self, message)
        self.message = message
        if status is not None:
            self.status = status


class OutOfMemoryError(PlexusError, MemoryError):
    """``PLX_ERR_OUT_OF_MEMORY``: an allocation failed."""

    status = 5


class ABIMismatchError(PlexusError):
    """``PLX_ERR_ABI_MISMATCH``: a plugin built for an incompatible ABI version."""

    status = 8


class AlreadyExistsError(PlexusError):
    """``PLX_ERR_ALREADY_EXISTS``: a plugin registers an op or kernel that is already registered."""

    status = 9


class PluginFailedError(PlexusError):
    """``PLX_ERR_PLUGIN_FAILED``: a plugin's init or kernel reported a failure."""

    status = 10


class NoBackendError(PlexusError):
    """``PLX_ERR_NO_BACKEND``: no plugin providing kernels is loaded."""

    status = 11


class InternalError(PlexusError):
    """``PLX_ERR_INTERNAL``: a bug in Plexus."""

    status = 12


_BY_STATUS = {cls.status: cls for cls in (
    InvalidArgumentError, NotFoundError, UnsupportedError, PlexusIOError, OutOfMemoryError, ShapeMismatchError,
    DTypeMismatchError, ABIMismatchError, AlreadyExistsError, PluginFailedError, NoBackendError, InternalError)}


def error_for_status(status, message):
    """The exception for a non-OK ``plx_status`` (unknown codes give a plain PlexusError)."""
    cls = _BY_STATUS.get(status, PlexusError)
    return cls(message or f"plexus call failed with status {status}", status)
