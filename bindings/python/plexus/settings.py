"""Process-wide settings: intra-op threads and the preferred backend order."""
from ._lib import check, lib

__all__ = ["set_num_threads", "get_num_threads", "set_backend_order", "version", "abi_version"]


def set_num_threads(count):
    """Sets how many threads one operator may use (0: one per core)."""
    check(lib.plx_set_num_threads(int(count)))


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
    check(lib.plx_set_backend_order(text.encode() if text else None))


def version():
    """Version of the loaded libplexus, "major.minor.patch"."""
    return lib.plx_version().decode()


def abi_version():
    """ABI version of the loaded libplexus (``plx_abi_version``)."""
    return int(lib.plx_abi_version())
