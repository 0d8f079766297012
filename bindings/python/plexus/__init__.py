"""Plexus for Python: tensors over numpy and DLPack, onnxruntime-style inference sessions and
PyTorch-style training, in pure Python over ``libplexus.so`` (ctypes; no compiler needed).

``import plexus as ort`` runs onnxruntime scripts (``InferenceSession``, ``SessionOptions``,
``get_available_providers``); ``plexus.nn``/``plexus.optim`` read like ``torch.nn``/``torch.optim``.
"""
from ._dtypes import DType
from ._dtypes import dtype as as_dtype
from ._errors import (ABIMismatchError, AlreadyExistsError, ClosedError, DTypeMismatchError, InternalError,
                      InvalidArgumentError, NoBackendError, NotFoundError, OutOfMemoryError, PlexusError,
                      PlexusIOError, PluginFailedError, ShapeMismatchError, UnsupportedError)
from ._grad import is_grad_enabled, no_grad
from ._lib import library_path
from ._ops import op
from .dlpack import from_dlpack
from .factories import (arange, cat, concat, empty, eye, full, full_like, linspace, manual_seed, ones, ones_like, rand,
                        randint, randn, stack, where, zeros, zeros_like)
from .plugins import PluginInfo, load_plugin, plugins
from .settings import (abi_version, get_max_allocation_bytes, get_num_threads, set_backend_order, set_max_allocation_bytes,
                       set_num_threads, version)
from .serialization import load, save
from .session import (ExecutionMode, GraphOptimizationLevel, InferenceSession, ModelMetadata, NodeArg, RunOptions,
                      SessionOptions, get_all_providers, get_available_providers, get_device)
from .tensor import Tensor, as_tensor, from_numpy, tensor
from . import nn, onnx, optim  # noqa: E402 - subpackages after the core
from . import _dtypes as _dtype_table

float32 = _dtype_table.dtype("float32")
float64 = _dtype_table.dtype("float64")
float16 = _dtype_table.dtype("float16")
bfloat16 = _dtype_table.dtype("bfloat16")
uint8 = _dtype_table.dtype("uint8")
int8 = _dtype_table.dtype("int8")
uint16 = _dtype_table.dtype("uint16")
int16 = _dtype_table.dtype("int16")
int32 = _dtype_table.dtype("int32")
int64 = _dtype_table.dtype("int64")
uint32 = _dtype_table.dtype("uint32")
uint64 = _dtype_table.dtype("uint64")
bool_ = _dtype_table.dtype("bool")
string = _dtype_table.dtype("string")
float8e4m3fn = _dtype_table.dtype("float8e4m3fn")
float8e4m3fnuz = _dtype_table.dtype("float8e4m3fnuz")
float8e5m2 = _dtype_table.dtype("float8e5m2")
float8e5m2fnuz = _dtype_table.dtype("float8e5m2fnuz")
float8e8m0 = _dtype_table.dtype("float8e8m0")
float4e2m1 = _dtype_table.dtype("float4e2m1")
uint4 = _dtype_table.dtype("uint4")
int4 = _dtype_table.dtype("int4")
uint2 = _dtype_table.dtype("uint2")
int2 = _dtype_table.dtype("int2")
float = float32  # noqa: A001 - torch.float
double = float64
half = float16
long = int64
int = int32  # noqa: A001 - torch.int

__version__ = version()

__all__ = [
    "Tensor", "tensor", "from_numpy", "as_tensor", "from_dlpack", "op", "no_grad", "is_grad_enabled",
    "zeros", "ones", "full", "empty", "arange", "linspace", "eye", "randn", "rand", "randint", "zeros_like", "ones_like",
    "full_like", "cat", "concat", "stack", "where", "manual_seed",
    "InferenceSession", "SessionOptions", "RunOptions", "NodeArg", "ModelMetadata", "GraphOptimizationLevel",
    "ExecutionMode", "get_available_providers", "get_all_providers", "get_device",
    "save", "load", "load_plugin", "plugins", "PluginInfo", "set_num_threads", "get_num_threads", "set_backend_order",
    "set_max_allocation_bytes", "get_max_allocation_bytes",
    "version", "abi_version", "library_path", "nn", "optim", "onnx",
    "DType", "as_dtype", "float32", "float64", "float16", "bfloat16", "uint8", "int8", "uint16", "int16", "int32", "int64",
    "uint32", "uint64", "bool_", "string", "float", "double", "half", "long", "int",
    "float8e4m3fn", "float8e4m3fnuz", "float8e5m2", "float8e5m2fnuz", "float8e8m0", "float4e2m1", "uint4", "int4",
    "uint2", "int2",
    "PlexusError", "InvalidArgumentError", "ShapeMismatchError", "DTypeMismatchError", "ClosedError", "NotFoundError",
    "UnsupportedError", "PlexusIOError", "OutOfMemoryError", "ABIMismatchError", "AlreadyExistsError",
    "PluginFailedError", "NoBackendError", "InternalError",
]
