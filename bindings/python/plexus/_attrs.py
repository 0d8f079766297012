"""Python values to a ``plx_attrs`` set (ONNX-style named attributes)."""
import contextlib
import ctypes

import numpy as np

from ._dtypes import DType
from ._errors import InvalidArgumentError
from ._lib import check, lib

__all__ = ["attributes"]


def _set(handle, name, value):
    from .tensor import Tensor, tensor

    key = name.encode()
    if isinstance(value, DType):
        value = value.code
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (int, np.integer)):
        check(lib.plx_attrs_set_int(handle, key, int(value)))
    elif isinstance(value, (float, np.floating)):
        check(lib.plx_attrs_set_float(handle, key, float(value)))
    elif isinstance(value, (str, bytes)):
        check(lib.plx_attrs_set_string(handle, key, value.encode() if isinstance(value, str) else value))
    elif isinstance(value, (Tensor, np.ndarray)):
        held = value if isinstance(value, Tensor) else tensor(value)
        check(lib.plx_attrs_set_tensor(handle, key, held._ptr()))
    elif isinstance(value, (list, tuple)):
        items = list(value)
        if items and all(isinstance(v, (str, bytes)) for v in items):
            encoded = [v.encode() if isinstance(v, str) else v for v in items]
            check(lib.plx_attrs_set_strings(handle, key, (ctypes.c_char_p * len(encoded))(*encoded), len(encoded)))
        elif all(isinstance(v, (bool, int, np.integer, np.bool_)) for v in items):
            check(lib.plx_attrs_set_ints(handle, key, (ctypes.c_int64 * max(len(items), 1))(*[int(v) for v in items]), len(items)))
        elif all(isinstance(v, (int, float, np.integer, np.floating)) for v in items):
            check(lib.plx_attrs_set_floats(handle, key, (ctypes.c_float * len(items))(*[float(v) for v in items]), len(items)))
        else:
            raise InvalidArgumentError(f"attribute '{name}': a list must hold only ints, only floats or only strings")
    elif value is None:
        raise InvalidArgumentError(f"attribute '{name}' is None (leave it out to use its default)")
    else:
        raise InvalidArgumentError(f"attribute '{name}' has unsupported type {type(value).__name__}")


@contextlib.contextmanager
def attributes(values):
    """A ``plx_attrs`` handle holding ``values`` (a dict; None or empty gives NULL), released on exit.

    ints and bools become int attributes, floats float, str string, lists of ints/floats/strs
    the list kinds, Tensors and numpy arrays tensor attributes, DTypes their integer code.
    """
    if not values:
        yield None
        return
    handle = ctypes.c_void_p()
    check(lib.plx_attrs_create(ctypes.byref(handle)))
    try:
        for name, value in values.items():
            _set(handle, name, value)
        yield handle
    finally:
        lib.plx_attrs_release(handle)
