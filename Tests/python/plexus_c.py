"""A minimal ctypes view of libplexus.so for the Python-side tests (the real Python package
arrives with the bindings issue). Raises on any non-OK status with plx_last_error()."""
import ctypes
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
lib = ctypes.CDLL(os.environ.get("PLEXUS_LIBRARY", str(ROOT / ".build" / "release" / "libplexus.so")))
lib.plx_last_error.restype = ctypes.c_char_p
lib.plx_tensor_data.restype = ctypes.c_void_p
lib.plx_tensor_shape.restype = ctypes.POINTER(ctypes.c_int64)
lib.plx_tensor_rank.restype = ctypes.c_size_t
lib.plx_tensor_numel.restype = ctypes.c_int64
lib.plx_layer_parameter_name.restype = ctypes.c_char_p
lib.plx_layer_parameter_count.restype = ctypes.c_size_t
for name in ("plx_tensor_data", "plx_tensor_shape", "plx_tensor_rank", "plx_tensor_numel", "plx_tensor_dtype",
             "plx_tensor_release", "plx_attrs_release", "plx_layer_release"):
    getattr(lib, name).argtypes = [ctypes.c_void_p]
lib.plx_layer_parameter_name.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
lib.plx_layer_parameter_count.argtypes = [ctypes.c_void_p]
lib.plx_layer_parameters.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t]
lib.plx_attrs_set_int.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64]
lib.plx_layer_create.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
lib.plx_state_save.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
lib.plx_state_load.argtypes = [ctypes.c_void_p, ctypes.c_char_p]


class PlexusError(RuntimeError):
    pass


def check(status):
    if status != 0:
        raise PlexusError(f"status {status}: {lib.plx_last_error().decode()}")


def linear(in_features, out_features):
    attrs = ctypes.c_void_p()
    check(lib.plx_attrs_create(ctypes.byref(attrs)))
    check(lib.plx_attrs_set_int(attrs, b"in_features", in_features))
    check(lib.plx_attrs_set_int(attrs, b"out_features", out_features))
    layer = ctypes.c_void_p()
    check(lib.plx_layer_create(b"Linear", attrs, ctypes.byref(layer)))
    lib.plx_attrs_release(attrs)
    return layer


def parameters(layer):
    """Name → float32 numpy copy of each parameter."""
    import numpy as np

    count = lib.plx_layer_parameter_count(layer)
    handles = (ctypes.c_void_p * count)()
    check(lib.plx_layer_parameters(layer, handles, count))
    result = {}
    for index, handle in enumerate(handles):
        shape = [lib.plx_tensor_shape(handle)[d] for d in range(lib.plx_tensor_rank(handle))]
        data = (ctypes.c_float * lib.plx_tensor_numel(handle)).from_address(lib.plx_tensor_data(handle))
        result[lib.plx_layer_parameter_name(layer, index).decode()] = np.array(data, dtype=np.float32).reshape(shape)
    return result
