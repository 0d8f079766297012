"""Process-wide settings: intra-op threads, the preferred backend order and the cap on one
allocation."""
from ._lib import check, lib
from ._validate import integer, name

__all__ = ["set_num_threads", "get_num_threads", "set_backend_order", "set_max_allocation_bytes",
           "get_max_allocation_bytes", "version", "abi_version"]


def set_num_threads(count):
    """Sets how many threads one operator may use (0: one per core)."""
    check(lib.plx_set_num_threads(integer(count, "the thread count", minimum=0, bits=32)))


def get_num_threads():
    """Threads one operator may use (the resolved value)."""
    return int(lib.plx_num_threads())


def set_backend_order(backends):
    """Prefers kernels from these backends, most preferred first (a list or "openblas,cpu");
    None or "" restores the default (``PLEXUS_BACKENDS`` or the plugins' priorities)."""
    if backends is None:
        text = None
    else:
        text = backends if isinstance(backends, str) else ",".join(backends)
    check(lib.plx_set_backend_order(name(text, "the backend order") if text else None))


def set_max_allocation_bytes(size):
    """Caps one allocation (a tensor, a file read) at ``size`` bytes for the whole process;
    larger requests raise :class:`plexus.OutOfMemoryError` instead of exhausting memory. 0
    restores the default (``PLEXUS_MAX_ALLOCATION_BYTES`` or the machine's physical memory).
    A session may lower it further with ``SessionOptions.max_allocation_bytes``."""
    check(lib.plx_set_max_allocation_bytes(integer(size, "the allocation cap", minimum=0)))


def get_max_allocation_bytes():
    """The cap on one allocation now in force for the process, in bytes."""
    return int(lib.plx_max_allocation_bytes())


def version():
    """Version of the loaded libplexus, "major.minor.patch"."""
    return lib.plx_version().decode()


def abi_version():
    """ABI version of the loaded libplexus (``plx_abi_version``)."""
    return int(lib.plx_abi_version())
