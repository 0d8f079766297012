"""Element types. A :class:`DType` pairs the ``PLX_*`` code (the ONNX ``TensorProto.DataType``
number) with its numpy dtype; ``plexus.float32`` etc. are the instances, and every function
taking a dtype also accepts a numpy dtype, a numpy scalar type, a name such as ``"float32"`` or
the integer code."""
import numpy as np

from ._errors import DTypeMismatchError

__all__ = ["DType", "dtype", "from_numpy_dtype", "from_code", "ALL"]


class DType:
    """One element type: ``name``, ``code`` (ONNX number), ``numpy`` dtype, ``onnx_name``
    (the name inside onnxruntime's ``'tensor(...)'``) and ``itemsize``."""

    __slots__ = ("name", "code", "numpy", "onnx_name")

    def __init__(self, name, code, numpy_dtype, onnx_name):
        self.name = name
        self.code = code
        self.numpy = numpy_dtype
        self.onnx_name = onnx_name

    @property
    def itemsize(self):
        """Bytes per element (the size of a pointer for strings)."""
        return self.numpy.itemsize if self.numpy is not None else 8

    @property
    def is_floating_point(self):
        """True for float16, bfloat16, float32 and float64."""
        return self.code in (1, 10, 11, 16)

    def __repr__(self):
        return f"plexus.{self.name}"

    def __eq__(self, other):
        if isinstance(other, DType):
            return self.code == other.code
        try:
            return self.code == dtype(other).code
        except (TypeError, DTypeMismatchError):
            return NotImplemented

    def __hash__(self):
        return hash(self.code)


def _ml_dtype(name):
    """An ml_dtypes numpy dtype (bfloat16, float8, int4, ...), or None without ml_dtypes."""
    try:
        import ml_dtypes
        return np.dtype(getattr(ml_dtypes, name))
    except (ImportError, AttributeError):
        return None


ALL = [
    DType("float32", 1, np.dtype(np.float32), "float"),
    DType("uint8", 2, np.dtype(np.uint8), "uint8"),
    DType("int8", 3, np.dtype(np.int8), "int8"),
    DType("uint16", 4, np.dtype(np.uint16), "uint16"),
    DType("int16", 5, np.dtype(np.int16), "int16"),
    DType("int32", 6, np.dtype(np.int32), "int32"),
    DType("int64", 7, np.dtype(np.int64), "int64"),
    DType("string", 8, np.dtype(object), "string"),
    DType("bool", 9, np.dtype(np.bool_), "bool"),
    DType("float16", 10, np.dtype(np.float16), "float16"),
    DType("float64", 11, np.dtype(np.float64), "double"),
    DType("uint32", 12, np.dtype(np.uint32), "uint32"),
    DType("uint64", 13, np.dtype(np.uint64), "uint64"),
    DType("bfloat16", 16, _ml_dtype("bfloat16"), "bfloat16"),
    # The narrow types, one element per byte as ml_dtypes holds them (Plexus stores them so too).
    DType("float8e4m3fn", 17, _ml_dtype("float8_e4m3fn"), "float8e4m3fn"),
    DType("float8e4m3fnuz", 18, _ml_dtype("float8_e4m3fnuz"), "float8e4m3fnuz"),
    DType("float8e5m2", 19, _ml_dtype("float8_e5m2"), "float8e5m2"),
    DType("float8e5m2fnuz", 20, _ml_dtype("float8_e5m2fnuz"), "float8e5m2fnuz"),
    DType("uint4", 21, _ml_dtype("uint4"), "uint4"),
    DType("int4", 22, _ml_dtype("int4"), "int4"),
    DType("float4e2m1", 23, _ml_dtype("float4_e2m1fn"), "float4e2m1"),
    DType("float8e8m0", 24, _ml_dtype("float8_e8m0fnu"), "float8e8m0"),
    DType("uint2", 25, _ml_dtype("uint2"), "uint2"),
    DType("int2", 26, _ml_dtype("int2"), "int2"),
]
_BY_CODE = {d.code: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"float": _BY_NAME["float32"], "double": _BY_NAME["float64"], "half": _BY_NAME["float16"],
                 "long": _BY_NAME["int64"], "int": _BY_NAME["int32"], "bool_": _BY_NAME["bool"]})
_BY_NUMPY = {d.numpy: d for d in ALL if d.numpy is not None and d.code != 8}


def from_code(code):
    """The DType of a ``PLX_*`` code; DTypeMismatchError for unknown codes."""
    try:
        return _BY_CODE[int(code)]
    except KeyError:
        raise DTypeMismatchError(f"unknown plexus dtype code {code}") from None


def from_numpy_dtype(numpy_dtype):
    """The DType of a numpy dtype; strings (``<U``/``S``/object) map to ``string``."""
    numpy_dtype = np.dtype(numpy_dtype)
    found = _BY_NUMPY.get(numpy_dtype)
    if found is not None:
        return found
    if numpy_dtype.kind in "USO":
        return _BY_CODE[8]
    if numpy_dtype.byteorder == ">" and numpy_dtype.newbyteorder("=") in _BY_NUMPY:
        return _BY_NUMPY[numpy_dtype.newbyteorder("=")]
    raise DTypeMismatchError(f"numpy dtype {numpy_dtype} has no plexus equivalent")


def dtype(value):
    """Normalises any dtype spelling (DType, numpy dtype or type, name, ONNX code) to a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        if value in _BY_NAME:
            return _BY_NAME[value]
        if value.startswith("tensor(") and value.endswith(")"):
            inner = value[7:-1]
            for candidate in ALL:
                if candidate.onnx_name == inner:
                    return candidate
        return from_numpy_dtype(np.dtype(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return from_code(value)
    try:
        return from_numpy_dtype(np.dtype(value))
    except TypeError:
        raise DTypeMismatchError(f"{value!r} is not a dtype") from None
