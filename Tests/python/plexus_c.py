"""A small ctypes view of libplexus.so for the Python-side tests: numpy arrays in and out,
op calls, layers, autograd. (The real Python package is the bindings issue's; this keeps the
tests independent of it.) Every non-OK status raises PlexusError with plx_last_error()."""
import contextlib
import ctypes
import json
import os
import pathlib
import subprocess

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
lib = ctypes.CDLL(os.environ.get("PLEXUS_LIBRARY", str(ROOT / ".build" / "release" / "libplexus.so")))

P = ctypes.c_void_p
PP = ctypes.POINTER(ctypes.c_void_p)
_signatures = {
    "plx_last_error": (ctypes.c_char_p, []),
    "plx_tensor_create": (ctypes.c_int32, [ctypes.c_int32, ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t, P, PP]),
    "plx_tensor_release": (None, [P]),
    "plx_tensor_dtype": (ctypes.c_int32, [P]),
    "plx_tensor_rank": (ctypes.c_size_t, [P]),
    "plx_tensor_shape": (ctypes.POINTER(ctypes.c_int64), [P]),
    "plx_tensor_numel": (ctypes.c_int64, [P]),
    "plx_tensor_data": (P, [P]),
    "plx_tensor_set_requires_grad": (ctypes.c_int32, [P, ctypes.c_int32]),
    "plx_tensor_backward": (ctypes.c_int32, [P, P]),
    "plx_tensor_grad": (P, [P]),
    "plx_tensor_zero_grad": (None, [P]),
    "plx_attrs_create": (ctypes.c_int32, [PP]),
    "plx_attrs_release": (None, [P]),
    "plx_attrs_set_int": (ctypes.c_int32, [P, ctypes.c_char_p, ctypes.c_int64]),
    "plx_attrs_set_float": (ctypes.c_int32, [P, ctypes.c_char_p, ctypes.c_double]),
    "plx_attrs_set_ints": (ctypes.c_int32, [P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t]),
    "plx_attrs_set_floats": (ctypes.c_int32, [P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_float), ctypes.c_size_t]),
    "plx_attrs_set_string": (ctypes.c_int32, [P, ctypes.c_char_p, ctypes.c_char_p]),
    "plx_attrs_set_strings": (ctypes.c_int32, [P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t]),
    "plx_attrs_set_tensor": (ctypes.c_int32, [P, ctypes.c_char_p, P]),
    "plx_op_call": (ctypes.c_int32, [ctypes.c_char_p, ctypes.c_char_p, PP, ctypes.c_size_t, P, PP, ctypes.c_size_t]),
    "plx_layer_create": (ctypes.c_int32, [ctypes.c_char_p, P, PP]),
    "plx_layer_forward": (ctypes.c_int32, [P, PP, ctypes.c_size_t, PP, ctypes.c_size_t]),
    "plx_layer_parameter_count": (ctypes.c_size_t, [P]),
    "plx_layer_parameters": (ctypes.c_int32, [P, PP, ctypes.c_size_t]),
    "plx_layer_parameter_name": (ctypes.c_char_p, [P, ctypes.c_size_t]),
    "plx_layer_set_training": (ctypes.c_int32, [P, ctypes.c_int32]),
    "plx_layer_release": (None, [P]),
    "plx_state_save": (ctypes.c_int32, [P, ctypes.c_char_p]),
    "plx_state_load": (ctypes.c_int32, [P, ctypes.c_char_p]),
    "plx_no_grad_begin": (None, []),
    "plx_no_grad_end": (ctypes.c_int32, []),
    "plx_manual_seed": (None, [ctypes.c_uint64]),
    "plx_set_backend_order": (ctypes.c_int32, [ctypes.c_char_p]),
    "plx_set_num_threads": (ctypes.c_int32, [ctypes.c_int32]),
    "plx_session_create": (ctypes.c_int32, [ctypes.c_char_p, P, PP]),
    "plx_session_create_from_memory": (ctypes.c_int32, [ctypes.c_char_p, ctypes.c_size_t, P, PP]),
    "plx_session_run": (ctypes.c_int32, [P, ctypes.POINTER(ctypes.c_char_p), PP, ctypes.c_size_t,
                                         ctypes.POINTER(ctypes.c_char_p), PP, ctypes.c_size_t]),
    "plx_session_input_count": (ctypes.c_size_t, [P]),
    "plx_session_output_count": (ctypes.c_size_t, [P]),
    "plx_session_input_name": (ctypes.c_char_p, [P, ctypes.c_size_t]),
    "plx_session_output_name": (ctypes.c_char_p, [P, ctypes.c_size_t]),
    "plx_session_release": (None, [P]),
    "plx_onnx_export": (ctypes.c_int32, [P, PP, ctypes.c_size_t, ctypes.c_char_p, P]),
    "plx_session_to_layer": (ctypes.c_int32, [P, P, PP]),
    "plx_sequential_create": (ctypes.c_int32, [PP, ctypes.c_size_t, PP]),
    "plx_optimizer_create": (ctypes.c_int32, [ctypes.c_char_p, PP, ctypes.c_size_t, P, PP]),
    "plx_optimizer_step": (ctypes.c_int32, [P]),
    "plx_optimizer_zero_grad": (None, [P]),
    "plx_optimizer_release": (None, [P]),
}
for _name, (_restype, _argtypes) in _signatures.items():
    _function = getattr(lib, _name)
    _function.restype = _restype
    _function.argtypes = _argtypes

DTYPES = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int8): 3, np.dtype(np.uint16): 4,
          np.dtype(np.int16): 5, np.dtype(np.int32): 6, np.dtype(np.int64): 7, np.dtype(np.bool_): 9,
          np.dtype(np.float16): 10, np.dtype(np.float64): 11, np.dtype(np.uint32): 12, np.dtype(np.uint64): 13}
try:  # bfloat16, float8, int4, int2 and float4 arrays as onnx's numpy_helper makes them
    import ml_dtypes
    for _code, _name in [(16, "bfloat16"), (17, "float8_e4m3fn"), (18, "float8_e4m3fnuz"), (19, "float8_e5m2"),
                         (20, "float8_e5m2fnuz"), (21, "uint4"), (22, "int4"), (23, "float4_e2m1fn"),
                         (24, "float8_e8m0fnu"), (25, "uint2"), (26, "int2")]:
        DTYPES[np.dtype(getattr(ml_dtypes, _name))] = _code
except ImportError:
    pass
STRING = 8
NUMPY = {code: dtype for dtype, code in DTYPES.items()}


class PlexusError(RuntimeError):
    def __init__(self, status, message):
        super().__init__(f"status {status}: {message}")
        self.status = status


def check(status):
    if status != 0:
        raise PlexusError(status, lib.plx_last_error().decode())


class Tensor:
    """Owns one reference to a plx_tensor."""

    def __init__(self, handle):
        self.handle = P(handle) if not isinstance(handle, P) else handle

    @classmethod
    def of(cls, array, requires_grad=False):
        array = np.asarray(array, order="C")  # (ascontiguousarray would turn a 0-d array into 1-d)
        shape = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
        handle = P()
        if array.dtype.kind in "OUS":  # strings: an array of UTF-8 char pointers, copied by Plexus
            items = [x if isinstance(x, bytes) else str(x).encode() for x in array.reshape(-1)]
            pointers = (ctypes.c_char_p * max(len(items), 1))(*items)
            check(lib.plx_tensor_create(STRING, shape, array.ndim, ctypes.cast(pointers, P), ctypes.byref(handle)))
        else:
            check(lib.plx_tensor_create(DTYPES[array.dtype], shape, array.ndim, array.ctypes.data_as(P), ctypes.byref(handle)))
        tensor = cls(handle)
        if requires_grad:
            check(lib.plx_tensor_set_requires_grad(handle, 1))
        return tensor

    def numpy(self):
        rank = lib.plx_tensor_rank(self.handle)
        shape = tuple(lib.plx_tensor_shape(self.handle)[d] for d in range(rank))
        code = lib.plx_tensor_dtype(self.handle)
        count = lib.plx_tensor_numel(self.handle)
        if code == STRING:  # str objects in an object array, as the ONNX test data holds them
            pointers = ctypes.cast(lib.plx_tensor_data(self.handle), ctypes.POINTER(ctypes.c_char_p))
            items = np.empty(count, dtype=object)
            items[:] = [pointers[i].decode() for i in range(count)]
            return items.reshape(shape)
        dtype = NUMPY[code]
        if count == 0:
            return np.zeros(shape, dtype)
        buffer = (ctypes.c_byte * (count * dtype.itemsize)).from_address(lib.plx_tensor_data(self.handle))
        return np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()

    def backward(self, seed=None):
        check(lib.plx_tensor_backward(self.handle, seed.handle if seed is not None else None))

    @property
    def grad(self):
        handle = lib.plx_tensor_grad(self.handle)
        if not handle:
            return None
        return Tensor.borrowed(handle).numpy()

    @staticmethod
    def borrowed(handle):
        view = Tensor.__new__(Tensor)
        view.handle = P(handle)
        view._borrowed = True
        return view

    def zero_grad(self):
        lib.plx_tensor_zero_grad(self.handle)

    def __del__(self):
        if not getattr(self, "_borrowed", False) and getattr(self, "handle", None):
            lib.plx_tensor_release(self.handle)


@contextlib.contextmanager
def backends(order):
    """Prefers the comma-separated backends while the block runs (plx_set_backend_order)."""
    check(lib.plx_set_backend_order(order.encode()))
    try:
        yield
    finally:
        check(lib.plx_set_backend_order(b""))


def attributes(values):
    """A plx_attrs from a dict: int, float, str, lists of ints/floats/strs, numpy arrays (tensor)."""
    handle = P()
    check(lib.plx_attrs_create(ctypes.byref(handle)))
    keep = []
    for name, value in (values or {}).items():
        key = name.encode()
        if isinstance(value, bool) or isinstance(value, (int, np.integer)):
            check(lib.plx_attrs_set_int(handle, key, int(value)))
        elif isinstance(value, (float, np.floating)):
            check(lib.plx_attrs_set_float(handle, key, float(value)))
        elif isinstance(value, str):
            check(lib.plx_attrs_set_string(handle, key, value.encode()))
        elif isinstance(value, np.ndarray):
            tensor = Tensor.of(value)
            keep.append(tensor)
            check(lib.plx_attrs_set_tensor(handle, key, tensor.handle))
        elif all(isinstance(v, str) for v in value):
            items = (ctypes.c_char_p * len(value))(*[v.encode() for v in value])
            check(lib.plx_attrs_set_strings(handle, key, items, len(value)))
        elif all(isinstance(v, (int, np.integer)) for v in value):
            check(lib.plx_attrs_set_ints(handle, key, (ctypes.c_int64 * len(value))(*value), len(value)))
        else:
            check(lib.plx_attrs_set_floats(handle, key, (ctypes.c_float * len(value))(*value), len(value)))
    return handle


def op(name, inputs, attrs=None, outputs=1, domain=""):
    """Runs an op on numpy arrays / Tensors (None for omitted inputs); returns Tensors."""
    tensors = [None if x is None else (x if isinstance(x, Tensor) else Tensor.of(x)) for x in inputs]
    handles = (P * max(len(tensors), 1))(*[None if t is None else t.handle for t in tensors])
    results = (P * outputs)()
    attrs_handle = attributes(attrs)
    try:
        check(lib.plx_op_call(domain.encode(), name.encode(), handles, len(tensors), attrs_handle, results, outputs))
    finally:
        lib.plx_attrs_release(attrs_handle)
    return [Tensor(results[i]) for i in range(outputs)]


class Layer:
    """A plugin layer created by type name (or wrapping an existing plx_layer handle)."""

    def __init__(self, type_name, attrs=None, handle=None):
        if handle is not None:
            self.handle = handle
            return
        self.handle = P()
        attrs_handle = attributes(attrs)
        try:
            check(lib.plx_layer_create(type_name.encode(), attrs_handle, ctypes.byref(self.handle)))
        finally:
            lib.plx_attrs_release(attrs_handle)

    @classmethod
    def sequential(cls, layers):
        handle = P()
        check(lib.plx_sequential_create((P * len(layers))(*[layer.handle for layer in layers]), len(layers), ctypes.byref(handle)))
        return cls(None, handle=handle)

    def export(self, path, example_inputs, options=None):
        """Writes the layer as ONNX (plx_onnx_export) traced on numpy example inputs."""
        tensors = [x if isinstance(x, Tensor) else Tensor.of(x) for x in example_inputs]
        attrs_handle = attributes(options)
        try:
            check(lib.plx_onnx_export(self.handle, (P * len(tensors))(*[t.handle for t in tensors]), len(tensors),
                                      str(path).encode(), attrs_handle))
        finally:
            lib.plx_attrs_release(attrs_handle)

    def __call__(self, *inputs, outputs=1):
        tensors = [x if isinstance(x, Tensor) else Tensor.of(x) for x in inputs]
        handles = (P * len(tensors))(*[t.handle for t in tensors])
        results = (P * outputs)()
        check(lib.plx_layer_forward(self.handle, handles, len(tensors), results, outputs))
        out = [Tensor(results[i]) for i in range(outputs)]
        return out[0] if outputs == 1 else out

    def parameters(self):
        """(name, borrowed Tensor) pairs in state-dict order."""
        count = lib.plx_layer_parameter_count(self.handle)
        handles = (P * max(count, 1))()
        check(lib.plx_layer_parameters(self.handle, handles, count))
        return [(lib.plx_layer_parameter_name(self.handle, i).decode(), Tensor.borrowed(handles[i])) for i in range(count)]

    def train(self, on=True):
        check(lib.plx_layer_set_training(self.handle, 1 if on else 0))

    def __del__(self):
        if getattr(self, "handle", None):
            lib.plx_layer_release(self.handle)


def write_numpy(tensor, array):
    """Overwrites a tensor's elements in place (for finite differences on parameters)."""
    array = np.ascontiguousarray(array, dtype=NUMPY[lib.plx_tensor_dtype(tensor.handle)])
    ctypes.memmove(lib.plx_tensor_data(tensor.handle), array.ctypes.data, array.nbytes)


def gradient_check(function, tensors, eps=1e-6, rtol=1e-4, atol=1e-6, max_elements=40, seed=0):
    """Central-difference check of d<function(), w>/d(tensor) for float64 Tensors requiring grad.
    `function` returns a Tensor (recorded). Raises AssertionError naming the first mismatch."""
    rng = np.random.default_rng(seed)
    out = function()
    weights = rng.standard_normal(out.numpy().shape)
    for t in tensors:
        t.zero_grad()
    out.backward(Tensor.of(weights.astype(out.numpy().dtype)))

    def objective():
        lib.plx_no_grad_begin()
        try:
            return float((function().numpy() * weights).sum())
        finally:
            check(lib.plx_no_grad_end())

    for which, t in enumerate(tensors):
        analytic = t.grad
        base = t.numpy()
        analytic = np.zeros_like(base) if analytic is None else analytic
        flat = base.reshape(-1)
        for index in range(min(flat.size, max_elements)):
            original = flat[index]
            step = eps * max(1.0, abs(original))
            for sign in (+1, -1):
                changed = flat.copy()
                changed[index] = original + sign * step
                write_numpy(t, changed.reshape(base.shape))
                if sign > 0:
                    up = objective()
                else:
                    down = objective()
            write_numpy(t, base)
            numeric = (up - down) / (2 * step)
            got = analytic.reshape(-1)[index]
            assert abs(got - numeric) <= atol + rtol * abs(numeric), \
                f"tensor {which} element {index}: analytic {got} vs numeric {numeric}"


def linear(in_features, out_features):
    """A Linear layer (kept for the checkpoint tests)."""
    return Layer("Linear", {"in_features": in_features, "out_features": out_features})


def parameters(layer):
    """Name → numpy copy of each parameter."""
    return {name: tensor.numpy() for name, tensor in layer.parameters()}


class SessionOptions(ctypes.Structure):
    """plx_session_options."""
    _fields_ = [("struct_size", ctypes.c_uint32), ("intra_op_num_threads", ctypes.c_int32), ("backend_order", ctypes.c_char_p),
                ("disable_constant_folding", ctypes.c_int32), ("disabled_optimizations", ctypes.c_uint32),
                ("max_allocation_bytes", ctypes.c_int64), ("max_arena_bytes", ctypes.c_int64)]

    def __init__(self, **fields):
        super().__init__(struct_size=ctypes.sizeof(SessionOptions), **fields)


class Session:
    """An ONNX model loaded from bytes or a path, run on numpy arrays (options: a SessionOptions)."""

    def __init__(self, model, options=None):
        self.handle = P()
        opts = ctypes.byref(options) if options is not None else None
        if isinstance(model, (bytes, bytearray)):
            check(lib.plx_session_create_from_memory(bytes(model), len(model), opts, ctypes.byref(self.handle)))
        else:
            check(lib.plx_session_create(str(model).encode(), opts, ctypes.byref(self.handle)))
        self.inputs = [lib.plx_session_input_name(self.handle, i).decode() for i in range(lib.plx_session_input_count(self.handle))]
        self.outputs = [lib.plx_session_output_name(self.handle, i).decode() for i in range(lib.plx_session_output_count(self.handle))]

    def run(self, feeds, output_names=None):
        """feeds: {name: numpy array}; returns numpy arrays of the requested (or all) outputs."""
        names = list(feeds)
        tensors = [Tensor.of(feeds[n]) for n in names]
        wanted = output_names or self.outputs
        results = (P * len(wanted))()
        check(lib.plx_session_run(self.handle, (ctypes.c_char_p * max(len(names), 1))(*[n.encode() for n in names]),
                                  (P * max(len(tensors), 1))(*[t.handle for t in tensors]), len(names),
                                  (ctypes.c_char_p * len(wanted))(*[n.encode() for n in wanted]), results, len(wanted)))
        return [Tensor(results[i]).numpy() for i in range(len(wanted))]

    def to_layer(self, options=None):
        """A trainable Layer running this model's graph (plx_session_to_layer)."""
        handle = P()
        attrs_handle = attributes(options)
        try:
            check(lib.plx_session_to_layer(self.handle, attrs_handle, ctypes.byref(handle)))
        finally:
            lib.plx_attrs_release(attrs_handle)
        return Layer(None, handle=handle)

    def __del__(self):
        if getattr(self, "handle", None):
            lib.plx_session_release(self.handle)


def bench(model_bytes, directory, *arguments, repeats=1, warmup=0):
    """Runs `plexus bench --profile` on a serialized model (written into `directory`); returns its
    JSON report and the set of op names its profile lists."""
    path = pathlib.Path(directory) / "bench.onnx"
    path.write_bytes(model_bytes)
    result = subprocess.run([str(ROOT / ".build/release/plexus"), "bench", str(path), "--repeats", str(repeats), "--warmup",
                             str(warmup), "--threads", "1", "--profile", *arguments], capture_output=True, text=True, check=True)
    return json.loads(result.stdout), {line.split()[0] for line in result.stderr.splitlines()[1:]}
