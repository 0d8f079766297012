"""Eager operator calls on Tensors, with ONNX op names and attributes.

``call("MatMul", [a, b])`` runs one op like a single ONNX node and returns its outputs as new
Tensors; autograd records it when an input requires grad. While ``plexus.onnx.export`` traces a
Python module, the C tracer of the calling thread records each call (``plx_onnx_trace_begin``);
:func:`exporting` tells Python-side code (a loss refusing to be exported) that this is happening.

Calls go through prepared ops (``_prepared_op``): looked up once per call shape, then each call
is one ``plx_prepared_op_call`` on per-thread argument buffers. A shape's first call, and calls
whose attributes cannot be a cache key (tensor attributes), use ``plx_op_call``. :class:`OpSlot` is the same for a call
site with a fixed op and attributes (the Tensor operators): it keeps its prepared op, so the
call skips even the cache lookup.
"""
import ctypes
import threading

from ._attrs import attributes
from ._errors import InvalidArgumentError, error_for_status
from ._lib import last_error, lib
from ._prepared_op import _cache, attrs_key, prepared, seen_before
from . import _validate

__all__ = ["call", "call1", "op", "exporting", "is_exporting", "OpSlot", "bind_tensor_type"]

_export_state = threading.local()


def is_exporting():
    """Whether ``plexus.onnx.export`` is tracing a module on this thread."""
    return getattr(_export_state, "depth", 0) > 0


class exporting:  # noqa: N801 - used as a context manager, like torch.no_grad
    """Marks this thread as exporting while the ``with`` block runs (nestable)."""

    def __enter__(self):
        _export_state.depth = getattr(_export_state, "depth", 0) + 1
        return self

    def __exit__(self, *exc):
        _export_state.depth -= 1
        return False


#: plexus.Tensor, bound by tensor.py when the class exists (tensor.py imports this module).
Tensor = None
_new_object = object.__new__


def bind_tensor_type(cls):
    """Called once by tensor.py: the class whose objects calls return."""
    global Tensor
    Tensor = cls


def _as_tensor(value):
    if value is None or isinstance(value, Tensor):
        return value
    from .tensor import tensor

    return tensor(value)


#: The most outputs one op call may ask for (a bound on the result array allocated here).
_MAX_OUTPUTS = 1 << 16
# Argument arrays of this many entries are kept per thread; longer calls allocate their own.
_BUFFERED = 16
_buffers = threading.local()
# plx_prepared_op_call without argtypes: converting each argument through argtypes costs more
# than the rest of a small call. So every argument passed to it must be a ctypes object of the
# C parameter's type (a c_void_p, a c_void_p array, a c_size_t): a plain int would be truncated.
_raw_call = lib["plx_prepared_op_call"]
_raw_call.restype = ctypes.c_int32
_COUNTS = [ctypes.c_size_t(n) for n in range(_BUFFERED + 1)]  # passed by value, never changed


def _thread_buffers():
    """This thread's (inputs array, outputs array). Per thread because ctypes lets other threads
    run during the C call; a call reads its outputs before any other op can run on its thread."""
    buffers = ((ctypes.c_void_p * _BUFFERED)(), (ctypes.c_void_p * _BUFFERED)())
    _buffers.arrays = buffers
    return buffers


def _adopt(handle, dtype_code=0):
    """A Tensor owning ``handle`` (see Tensor._adopt), its dtype code cached when known."""
    if not handle:
        raise InvalidArgumentError("a NULL tensor handle")
    result = _new_object(Tensor)
    result._handle = handle
    result._dtype_code = dtype_code
    return result


def _fail(status):
    raise error_for_status(status, last_error())


def _run(prepared_op, tensors):
    """Runs ``prepared_op`` on ``tensors`` (Tensors or None; its input count) -> list of Tensors."""
    n_in, n_out = len(tensors), prepared_op.n_outputs
    try:
        inputs, outputs = _buffers.arrays
    except AttributeError:
        inputs, outputs = _thread_buffers()
    if n_in > _BUFFERED:
        inputs = (ctypes.c_void_p * n_in)()
    if n_out > _BUFFERED:
        outputs = (ctypes.c_void_p * n_out)()
    index = 0
    for tensor in tensors:
        inputs[index] = None if tensor is None else tensor._handle or tensor._ptr()
        index += 1
    status = _raw_call(prepared_op.arg, inputs, _COUNTS[n_in] if n_in <= _BUFFERED else ctypes.c_size_t(n_in),
                       outputs, _COUNTS[n_out] if n_out <= _BUFFERED else ctypes.c_size_t(n_out))
    if status:
        _fail(status)
    if n_out == 1:  # most ops: no loop
        handle = outputs[0]
        if not handle:
            raise InvalidArgumentError("a NULL tensor handle")
        result = _new_object(Tensor)
        result._handle = handle
        result._dtype_code = 0
        return [result]
    produced = []
    for handle in outputs[:n_out]:
        if not handle:
            raise InvalidArgumentError("a NULL tensor handle")
        result = _new_object(Tensor)  # _adopt, inlined
        result._handle = handle
        result._dtype_code = 0
        produced.append(result)
    return produced


def run1(slot, a):
    """``slot``'s op on one Tensor ``a`` -> one Tensor (the Tensor operators' fast path)."""
    prepared_op = slot.prepared or slot.prepare()
    if prepared_op is None:
        return call(slot.op_type, [a], slot.attrs)[0]
    try:
        inputs, outputs = _buffers.arrays
    except AttributeError:
        inputs, outputs = _thread_buffers()
    inputs[0] = a._handle or a._ptr()
    status = _raw_call(prepared_op.arg, inputs, _COUNTS[1], outputs, _COUNTS[1])
    if status:
        _fail(status)
    handle = outputs[0]
    if not handle:
        raise InvalidArgumentError("a NULL tensor handle")
    result = _new_object(Tensor)  # _adopt, inlined
    result._handle = handle
    result._dtype_code = a._dtype_code if slot.same_dtype else slot.output_code
    return result


def run2(slot, a, b):
    """``slot``'s op on Tensors ``a`` and ``b`` -> one Tensor (the Tensor operators' fast path)."""
    prepared_op = slot.prepared or slot.prepare()
    if prepared_op is None:
        return call(slot.op_type, [a, b], slot.attrs)[0]
    try:
        inputs, outputs = _buffers.arrays
    except AttributeError:
        inputs, outputs = _thread_buffers()
    inputs[0] = a._handle or a._ptr()
    inputs[1] = b._handle or b._ptr()
    status = _raw_call(prepared_op.arg, inputs, _COUNTS[2], outputs, _COUNTS[1])
    if status:
        _fail(status)
    handle = outputs[0]
    if not handle:
        raise InvalidArgumentError("a NULL tensor handle")
    result = _new_object(Tensor)  # _adopt, inlined
    result._handle = handle
    result._dtype_code = a._dtype_code if slot.same_dtype else slot.output_code
    return result


class OpSlot:
    """A call site's fixed op, input count and attributes, prepared on first use and kept.

    ``same_dtype``: the output has the (first) input's dtype, as for Add or Neg on inputs of one
    dtype; ``output_code``: the output's fixed dtype code otherwise (9 for comparisons), 0 when
    unknown. Either lets the result skip asking C for its dtype later.
    """

    __slots__ = ("op_type", "n_inputs", "attrs", "same_dtype", "output_code", "prepared")

    def __init__(self, op_type, n_inputs, attrs=None, same_dtype=False, output_code=0):
        self.op_type = op_type
        self.n_inputs = n_inputs
        self.attrs = attrs or {}
        self.same_dtype = same_dtype
        self.output_code = output_code
        self.prepared = None

    def prepare(self):
        """The PreparedOp, made and kept now; None when the op cannot be prepared (the caller
        then runs :func:`call`, which raises ``plx_op_call``'s error)."""
        found = prepared(self.op_type, "", self.n_inputs, self.attrs, 1, attrs_key(self.attrs))
        self.prepared = found
        return found


def _unprepared(op_name, domain_name, tensors, attrs, outputs):
    """``plx_op_call`` with the attributes built for this call -> list of Tensors."""
    handles = (ctypes.c_void_p * max(len(tensors), 1))(*[None if t is None else t._ptr() for t in tensors])
    results = (ctypes.c_void_p * outputs)()
    with attributes(attrs) as attrs_handle:
        status = lib.plx_op_call(domain_name, op_name, handles, len(tensors), attrs_handle, results, outputs)
    if status:
        _fail(status)
    return [_adopt(results[i]) for i in range(outputs)]


def call(op_type, inputs, attrs=None, outputs=1, domain=""):
    """Runs operator ``domain::op_type`` on ``inputs`` (Tensors, array-likes, or None for an
    omitted optional input) and returns a list of ``outputs`` new Tensors.

    ``attrs`` is a dict of ONNX attributes (ints, floats, strings, lists of them, tensors).
    Raises the mapped PlexusError (NotFoundError for an unknown op, ShapeMismatchError, ...).
    """
    if type(outputs) is not int or not 1 <= outputs <= _MAX_OUTPUTS:
        raise InvalidArgumentError(f"outputs must be an int in [1, {_MAX_OUTPUTS}], got {outputs!r}")
    if type(op_type) is not str or "\0" in op_type or (domain and (type(domain) is not str or "\0" in domain)):
        _validate.name(op_type, "the op type")  # raises unless bytes without NUL (still valid)
        if domain:
            _validate.name(domain, "the op domain")
    tensors = [value if value is None or isinstance(value, Tensor) else _as_tensor(value) for value in inputs]
    key = attrs_key(attrs) if attrs else ()
    prepared_op = None
    if key is not None:
        full_key = (domain, op_type, len(tensors), key, outputs)
        prepared_op = _cache.get(full_key)
        if prepared_op is None and seen_before(full_key):
            prepared_op = prepared(op_type, domain, len(tensors), attrs, outputs, key)
    if prepared_op is not None:
        produced = _run(prepared_op, tensors)
    else:
        op_name = _validate.name(op_type, "the op type")
        domain_name = _validate.name(domain, "the op domain") if domain else None
        produced = _unprepared(op_name, domain_name, tensors, attrs, outputs)
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
