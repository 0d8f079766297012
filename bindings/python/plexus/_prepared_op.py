"""Prepared operators: ``plx_op_prepare`` once per call shape, ``plx_prepared_op_call`` after.

An eager call through ``plx_op_call`` looks the op up, checks its arity and validates its
attributes every time; building the ``plx_attrs`` set from Python costs more again. A
:class:`PreparedOp` does that once for one (domain, op, number of inputs, attributes, number of
outputs); :func:`prepared` keeps them in a bounded module-level cache keyed by those five, with
the attributes frozen into a hashable key by :func:`attrs_key` (None when a value, such as a
tensor, cannot be a key: such calls use ``plx_op_call``). ``plexus.op`` prepares a call shape
when it sees it the second time (:func:`seen_before`); the Tensor operators prepare theirs at
once.

A prepared op has the semantics of ``plx_op_call`` (autograd, the C tracer, errors), and sees
plugins loaded after it was prepared. Preparing fails for the errors that do not depend on the
inputs (unknown op, wrong arity, bad attribute); the caller then runs ``plx_op_call`` so the
error, and its message, are exactly those of an unprepared call, and nothing is cached.
"""
import ctypes
import threading

import numpy as np

from . import _validate
from ._attrs import attributes
from ._dtypes import DType
from ._lib import lib

__all__ = ["PreparedOp", "prepared", "seen_before", "attrs_key", "cache_size", "clear_cache", "MAX_CACHED"]

#: How many prepared ops the cache keeps; past that, the oldest entry is dropped (its handle is
#: released once no caller holds the PreparedOp any more).
MAX_CACHED = 512


class PreparedOp:
    """One reference to a ``plx_prepared_op``, released when this object goes."""

    __slots__ = ("handle", "arg", "op_type", "domain", "n_inputs", "n_outputs", "attrs")

    def __init__(self, handle, op_type, domain, n_inputs, n_outputs, attrs):
        self.handle = handle
        #: The handle as a ctypes object, ready to pass without argtypes conversion.
        self.arg = ctypes.c_void_p(handle)
        self.op_type = op_type
        self.domain = domain
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        #: The attributes as the caller gave them (a dict), for the Python export tracer.
        self.attrs = attrs

    def __del__(self, _release=lib.plx_prepared_op_release):
        # The default argument keeps the function reachable during interpreter shutdown.
        handle, self.handle = self.handle, None
        if handle:
            _release(handle)

    def __repr__(self):
        return f"<PreparedOp {self.domain + '::' if self.domain else ''}{self.op_type} " \
               f"{self.n_inputs} in, {self.n_outputs} out, attrs={self.attrs!r}>"


def _scalar_key(value):
    """A hashable stand-in for one attribute value that also tells apart what ``plx_attrs``
    tells apart: the Python type (1, 1.0 and True are equal keys otherwise) and the float's
    bits (0.0 == -0.0). None for a value that cannot be a key."""
    kind = type(value)
    if kind is int or kind is str or kind is bool or kind is bytes:
        return kind, value
    if kind is float:
        return kind, value.hex()
    if isinstance(value, DType):
        return DType, value.code
    if isinstance(value, (np.integer, np.bool_)):
        return kind, int(value)
    if isinstance(value, np.floating):
        return kind, float(value).hex()
    return None


def attrs_key(attrs):
    """A hashable key for an attribute dict (``()`` for none), or None when a value cannot be
    one (tensors, arrays, unknown types: those calls are not cached)."""
    if not attrs:
        return ()
    parts = []
    for name, value in attrs.items():
        if isinstance(value, (list, tuple)):
            items = []
            for item in value:
                frozen = _scalar_key(item)
                if frozen is None:
                    return None
                items.append(frozen)
            parts.append((name, list, tuple(items)))
        else:
            frozen = _scalar_key(value)
            if frozen is None:
                return None
            parts.append((name, frozen))
    return tuple(parts)


_cache = {}
_cache_lock = threading.Lock()
# Call shapes seen once. plexus.op prepares a shape on its second use, so a one-off shape (a
# dropout's fresh seed on every call) costs what plx_op_call costs and evicts nothing cached.
_seen_once = set()
MAX_SEEN = 4096


def seen_before(full_key):
    """True when ``full_key`` (domain, op, inputs, attrs key, outputs) was seen once before;
    otherwise remembers it (in a bounded set) and returns False."""
    if full_key in _seen_once:
        _seen_once.discard(full_key)
        return True
    if len(_seen_once) >= MAX_SEEN:
        _seen_once.clear()
    _seen_once.add(full_key)
    return False


def _prepare(op_type, domain, n_inputs, attrs, n_outputs):
    """A new PreparedOp, or None when ``plx_op_prepare`` refuses (the caller reproduces the
    error with ``plx_op_call``). Attribute values are checked as ``plx_op_call``'s are."""
    op_name = _validate.name(op_type, "the op type")
    domain_name = _validate.name(domain, "the op domain") if domain else None
    handle = ctypes.c_void_p()
    with attributes(attrs) as attrs_handle:
        status = lib.plx_op_prepare(domain_name, op_name, n_inputs, attrs_handle, n_outputs, ctypes.byref(handle))
    if status != 0 or not handle.value:
        return None
    return PreparedOp(handle.value, op_type, domain or "", n_inputs, n_outputs, dict(attrs) if attrs else {})


def prepared(op_type, domain, n_inputs, attrs, n_outputs, key):
    """The cached PreparedOp for a call shape (``key`` from :func:`attrs_key`, not None), made
    on first use; None when the op cannot be prepared (see the module doc)."""
    full_key = (domain, op_type, n_inputs, key, n_outputs)
    found = _cache.get(full_key)
    if found is not None:
        return found
    made = _prepare(op_type, domain, n_inputs, attrs, n_outputs)
    if made is None:
        return None
    with _cache_lock:
        found = _cache.get(full_key)
        if found is not None:  # another thread prepared it meanwhile: keep one
            return found
        while len(_cache) >= MAX_CACHED:
            del _cache[next(iter(_cache))]
        _cache[full_key] = made
    return made


def cache_size():
    """How many prepared ops the cache holds now (at most :data:`MAX_CACHED`)."""
    return len(_cache)


def clear_cache():
    """Drops every cached prepared op (callers holding one keep it working)."""
    with _cache_lock:
        _cache.clear()
