"""Eager operator calls: ``plx_op_call`` on Tensors, with ONNX op names and attributes.

``call("MatMul", [a, b])`` runs one op like a single ONNX node and returns its outputs as new
Tensors; autograd records it when an input requires grad. While ``plexus.onnx.export`` traces a
Python module, each call is also reported to the tracer of the calling thread.
"""
import ctypes
import threading

from . import _validate
from ._attrs import attributes
from ._errors import InvalidArgumentError
from ._lib import check, lib

__all__ = ["call", "call1", "op", "active_tracer", "set_tracer"]

_trace_state = threading.local()


def active_tracer():
    """The Python-side ONNX export tracer recording on this thread, or None."""
    return getattr(_trace_state, "tracer", None)


def set_tracer(tracer):
    """Installs (or, with None, removes) this thread's tracer; returns the previous one."""
    previous = active_tracer()
    _trace_state.tracer = tracer
    return previous


def _as_tensor(value):
    from .tensor import Tensor, tensor

    if value is None or isinstance(value, Tensor):
        return value
    return tensor(value)


#: The most outputs one op call may ask for (a bound on the result array allocated here).
_MAX_OUTPUTS = 1 << 16


def call(op_type, inputs, attrs=None, outputs=1, domain=""):
    """Runs operator ``domain::op_type`` on ``inputs`` (Tensors, array-likes, or None for an
    omitted optional input) and returns a list of ``outputs`` new Tensors.

    ``attrs`` is a dict of ONNX attributes (ints, floats, strings, lists of them, tensors).
    Raises the mapped PlexusError (NotFoundError for an unknown op, ShapeMismatchError, ...).
    """
    from .tensor import Tensor

    if not isinstance(outputs, int) or isinstance(outputs, bool) or not 1 <= outputs <= _MAX_OUTPUTS:
        raise InvalidArgumentError(f"outputs must be an int in [1, {_MAX_OUTPUTS}], got {outputs!r}")
    op_name = _validate.name(op_type, "the op type")
    domain_name = _validate.name(domain, "the op domain") if domain else None
    tensors = [_as_tensor(value) for value in inputs]
    handles = (ctypes.c_void_p * max(len(tensors), 1))(*[None if t is None else t._ptr() for t in tensors])
    results = (ctypes.c_void_p * outputs)()
    with attributes(attrs) as attrs_handle:
        check(lib.plx_op_call(domain_name, op_name, handles, len(tensors), attrs_handle, results, outputs))
    produced = [Tensor._adopt(results[i]) for i in range(outputs)]
    tracer = active_tracer()
    if tracer is not None:
        tracer.record_op(domain or "", op_type, tensors, dict(attrs or {}), produced)
    return produced


def call1(op_type, inputs, attrs=None, domain=""):
    """Like :func:`call` for an op with one output; returns that Tensor."""
    return call(op_type, inputs, attrs, 1, domain)[0]


def op(op_type, *inputs, domain="", outputs=1, **attrs):
    """Public spelling of an operator call: ``plexus.op("Gemm", a, b, c, transB=1)``.

    Returns one Tensor, or a tuple when ``outputs`` > 1.
    """
    produced = call(op_type, list(inputs), attrs, outputs, domain)
    return produced[0] if outputs == 1 else tuple(produced)
