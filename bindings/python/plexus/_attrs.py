"""Python values to a ``plx_attrs`` set (ONNX-style named attributes)."""
import contextlib
import ctypes

import numpy as np

from . import _validate
from ._dtypes import DType
from ._errors import InvalidArgumentError
from ._lib import check, lib

__all__ = ["attributes"]


def _set(handle, name, value):
    from .tensor import Tensor, tensor

    key = _validate.name(name, "an attribute name")
    if isinstance(value, DType):
        value = value.code
    if isinstance(value, (bool, np.bool_)):
        check(lib.plx_attrs_set_int(handle, key, int(value)))
    elif isinstance(value, (int, np.integer)):
        check(lib.plx_attrs_set_int(handle, key, _validate.integer(value, f"attribute '{name}'")))
    elif isinstance(value, (float, np.floating)):
        check(lib.plx_attrs_set_float(handle, key, float(value)))
    elif isinstance(value, (str, bytes)):
        check(lib.plx_attrs_set_string(handle, key, _validate.name(value, f"attribute '{name}'")))
    elif isinstance(value, (Tensor, np.ndarray)):
        held = value if isinstance(value, Tensor) else tensor(value)
        check(lib.plx_attrs_set_tensor(handle, key, held._ptr()))
    elif isinstance(value, (list, tuple)):
        items = list(value)
        if items and all(isinstance(v, (str, bytes)) for v in items):
            encoded = [_validate.name(v, f"attribute '{name}'[{i}]") for i, v in enumerate(items)]
            check(lib.plx_attrs_set_strings(handle, key, (ctypes.c_char_p * len(encoded))(*encoded), len(encoded)))
        elif all(isinstance(v, (bool, int, np.integer, np.bool_)) for v in items):
            ints = [int(v) if isinstance(v, (bool, np.bool_)) else _validate.integer(v, f"attribute '{name}'[{i}]")
                    for i, v in enumerate(items)]
            check(lib.plx_attrs_set_ints(handle, key, (ctypes.c_int64 * max(len(ints), 1))(*ints), len(ints)))
        elif all(isinstance(v, (int, float, np.integer, np.floating)) for v in items):
            floats = [_validate.finite(v, f"attribute '{name}'[{i}]") if isinstance(v, (int, np.integer)) else float(v)
                      for i, v in enumerate(items)]
            check(lib.plx_attrs_set_floats(handle, key, (ctypes.c_float * len(floats))(*floats), len(floats)))
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
