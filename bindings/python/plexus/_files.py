"""Reading files named by untrusted input (checkpoints, models) the way the C side does
(``FileIO`` in the core): never block on a FIFO, refuse anything that is not a regular file
(``/dev/zero``, directories, sockets), read only the size the file had when opened, and check
that size against the allocation cap before reading."""
import os
import stat

from ._errors import InvalidArgumentError, OutOfMemoryError, PlexusIOError

__all__ = ["read_regular_file"]

_KINDS = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]


def _refuse_irregular(path, mode):
    if not stat.S_ISREG(mode):
        kind = next((text for test, text in _KINDS if test(mode)), "not a regular file")
        raise InvalidArgumentError(f"'{path}' is {kind}, not a regular file")


def read_regular_file(path):
    """The bytes of the regular file at ``path``. Raises PlexusIOError when it cannot be opened,
    InvalidArgumentError when it is not a regular file, OutOfMemoryError when it is larger than
    ``plexus.get_max_allocation_bytes()``."""
    from ._lib import lib

    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as error:
        try:  # a socket cannot be opened at all (ENXIO): say what it is rather than why open failed
            _refuse_irregular(path, os.stat(path).st_mode)
        except OSError:
            pass
        raise PlexusIOError(f"cannot open '{path}': {error.strerror or error}") from error
    try:
        info = os.fstat(descriptor)
        _refuse_irregular(path, info.st_mode)
        os.set_blocking(descriptor, True)
        size = info.st_size
        cap = int(lib.plx_max_allocation_bytes())
        if size > cap:
            raise OutOfMemoryError(f"'{path}' ({size} bytes) is larger than the cap of {cap} bytes on one allocation "
                                   "(plexus.set_max_allocation_bytes)")
        chunks, remaining = [], size
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 30))
            if not chunk:
                raise PlexusIOError(f"'{path}' became shorter while it was read")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError as error:
        if isinstance(error, PlexusIOError):
            raise
        raise PlexusIOError(f"cannot read '{path}': {error.strerror or error}") from error
    finally:
        os.close(descriptor)
