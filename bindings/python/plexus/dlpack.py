"""DLPack exchange (zero-copy) with numpy ≥ 1.22, PyTorch and any other DLPack library.

The DLPack C structs are declared with ctypes and the capsules made with the CPython API through
``ctypes.pythonapi``, so no compiler is needed.

- ``Tensor.__dlpack__`` exports a capsule sharing the tensor's memory; the capsule (and whoever
  consumes it) keeps the tensor alive until the consumer calls the DLPack deleter. With
  ``max_version >= (1, 0)`` it is a ``dltensor_versioned`` capsule, else a legacy ``dltensor``.
- :func:`from_dlpack` imports any object with ``__dlpack__`` (or a capsule): C-contiguous CPU
  memory is wrapped without copying (``plx_tensor_wrap``, the producer's deleter runs when the
  Plexus tensor goes); strided or read-only memory is copied.
"""
import ctypes
import itertools

import numpy as np

from . import _dtypes
from ._errors import DTypeMismatchError, InvalidArgumentError, UnsupportedError
from ._lib import DELETER, check, immortal, lib

__all__ = ["from_dlpack", "to_dlpack", "DLDevice", "DLDataType", "DLTensor", "DLManagedTensor",
           "DLManagedTensorVersioned", "DLPackVersion"]

KDL_CPU = 1
_INT, _UINT, _FLOAT, _BFLOAT, _BOOL = 0, 1, 2, 4, 6
_READ_ONLY = 1


class DLDevice(ctypes.Structure):
    """``DLDevice``: device type (1 = CPU) and id."""

    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    """``DLDataType``: type code, bits per lane and lanes."""

    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    """``DLTensor``: the borrowed view of the memory."""

    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32), ("dtype", DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


class DLManagedTensor(ctypes.Structure):
    """Legacy ``DLManagedTensor`` (capsule name ``dltensor``)."""


_MANAGED_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensor))
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _MANAGED_DELETER)]


class DLPackVersion(ctypes.Structure):
    """``DLPackVersion``: major, minor."""

    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class DLManagedTensorVersioned(ctypes.Structure):
    """``DLManagedTensorVersioned`` (DLPack ≥ 1.0, capsule name ``dltensor_versioned``)."""


_VERSIONED_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensorVersioned))
DLManagedTensorVersioned._fields_ = [("version", DLPackVersion), ("manager_ctx", ctypes.c_void_p),
                                     ("deleter", _VERSIONED_DELETER), ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]

_api = ctypes.pythonapi
_CAPSULE_DESTRUCTOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_api.PyCapsule_New.restype = ctypes.py_object
_api.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, _CAPSULE_DESTRUCTOR]
_api.PyCapsule_IsValid.restype = ctypes.c_int
_api.PyCapsule_IsValid.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_api.PyCapsule_GetName.restype = ctypes.c_char_p
_api.PyCapsule_GetName.argtypes = [ctypes.py_object]
_api.PyCapsule_SetName.restype = ctypes.c_int
_api.PyCapsule_SetName.argtypes = [ctypes.py_object, ctypes.c_char_p]
# Inside a capsule destructor the capsule is dying: read it through raw pointers, never py_object.
_raw_get_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)(("PyCapsule_GetPointer", _api))

# Capsule names must outlive the capsules: module-level bytes.
_LEGACY = b"dltensor"
_VERSIONED = b"dltensor_versioned"
_USED_LEGACY = b"used_dltensor"
_USED_VERSIONED = b"used_dltensor_versioned"
_CapsuleType = type(_api.PyCapsule_New(ctypes.c_void_p(1), b"plexus.probe", _CAPSULE_DESTRUCTOR(0)))

# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------
# Registries without locks: dict operations are atomic under the GIL, and dropping an entry can
# release tensors whose deleters re-enter these registries on the same thread.
_exports = {}  # key -> (tensor, managed struct, shape array)
_export_keys = itertools.count(1)


def _drop_export(key):
    _exports.pop(key, None)


def _legacy_deleter_function(managed):
    try:
        _drop_export(managed.contents.manager_ctx)
    except Exception:  # noqa: BLE001 - must not raise into C
        pass


def _versioned_deleter_function(managed):
    try:
        _drop_export(managed.contents.manager_ctx)
    except Exception:  # noqa: BLE001
        pass


_legacy_deleter = immortal(_MANAGED_DELETER(_legacy_deleter_function))
_versioned_deleter = immortal(_VERSIONED_DELETER(_versioned_deleter_function))


def _call_deleter(pointer, kind):
    """Runs the deleter of the DLPack managed tensor (of struct `kind`) at `pointer`, if it has one."""
    managed = ctypes.cast(pointer, ctypes.POINTER(kind))
    if managed.contents.deleter:
        managed.contents.deleter(managed)


def _capsule_destructor_function(capsule):
    # A capsule nobody consumed still owns the managed tensor: run its deleter.
    try:
        for name, kind in ((_LEGACY, DLManagedTensor), (_VERSIONED, DLManagedTensorVersioned)):
            if _api.PyCapsule_IsValid(capsule, name):
                _call_deleter(_raw_get_pointer(capsule, name), kind)
    except Exception:  # noqa: BLE001
        pass


_capsule_destructor = immortal(_CAPSULE_DESTRUCTOR(_capsule_destructor_function))


def _dl_dtype(kind):
    if kind.code == 8:
        raise DTypeMismatchError("string tensors cannot be exported through DLPack")
    if kind.code == 9:
        return DLDataType(_BOOL, 8, 1)
    if kind.code == 16:
        return DLDataType(_BFLOAT, 16, 1)
    if kind.code >= 17:
        raise DTypeMismatchError(f"{kind.name} tensors cannot be exported through DLPack (no type code for them here)")
    numpy_kind = kind.numpy
    code = {"f": _FLOAT, "i": _INT, "u": _UINT}[numpy_kind.kind]
    return DLDataType(code, numpy_kind.itemsize * 8, 1)


def to_dlpack(tensor, max_version=None, dl_device=None, copy=None):
    """A DLPack capsule sharing ``tensor``'s memory (a copy's, with ``copy=True``).

    ``max_version`` is the consumer's highest supported DLPack version: ``(1, x)`` gives a
    versioned capsule. ``dl_device`` other than ``(1, 0)`` (CPU) raises BufferError.
    """
    if dl_device is not None and tuple(dl_device) != (KDL_CPU, 0):
        raise BufferError(f"plexus tensors live on the CPU, cannot export to device {tuple(dl_device)}")
    if copy:
        tensor = tensor.clone().detach()
    kind = tensor.dtype
    dl_type = _dl_dtype(kind)
    shape = tensor.shape
    shape_array = (ctypes.c_int64 * max(len(shape), 1))(*shape)
    versioned = max_version is not None and tuple(max_version)[0] >= 1
    managed = DLManagedTensorVersioned() if versioned else DLManagedTensor()
    view = managed.dl_tensor
    view.data = tensor.data_ptr() or None
    view.device = DLDevice(KDL_CPU, 0)
    view.ndim = len(shape)
    view.dtype = dl_type
    view.shape = ctypes.cast(shape_array, ctypes.POINTER(ctypes.c_int64))
    view.strides = None
    view.byte_offset = 0
    key = next(_export_keys)
    _exports[key] = (tensor, managed, shape_array)
    managed.manager_ctx = key
    if versioned:
        managed.version = DLPackVersion(1, 0)
        managed.flags = 0
        managed.deleter = _versioned_deleter
    else:
        managed.deleter = _legacy_deleter
    return _api.PyCapsule_New(ctypes.addressof(managed), _VERSIONED if versioned else _LEGACY, _capsule_destructor)


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------
_imports = {}  # key -> (managed address, managed struct type)
_import_keys = itertools.count(1)


def _release_import(data, ctx):
    try:
        entry = _imports.pop(ctx, None)
        if entry is not None:
            _call_deleter(*entry)
    except Exception:  # noqa: BLE001
        pass


_IMPORT_DELETER = immortal(DELETER(_release_import))


def _plexus_dtype(dl_type):
    if dl_type.lanes != 1:
        raise DTypeMismatchError(f"DLPack vector types (lanes={dl_type.lanes}) are not supported")
    table = {(_FLOAT, 32): 1, (_FLOAT, 64): 11, (_FLOAT, 16): 10, (_BFLOAT, 16): 16, (_INT, 8): 3, (_INT, 16): 5,
             (_INT, 32): 6, (_INT, 64): 7, (_UINT, 8): 2, (_UINT, 16): 4, (_UINT, 32): 12, (_UINT, 64): 13,
             (_BOOL, 8): 9}
    try:
        return _dtypes.from_code(table[(dl_type.code, dl_type.bits)])
    except KeyError:
        raise DTypeMismatchError(f"DLPack dtype code {dl_type.code} with {dl_type.bits} bits has no plexus equivalent") from None


def _capsule_of(source):
    if isinstance(source, _CapsuleType):
        return source
    if not hasattr(source, "__dlpack__"):
        raise InvalidArgumentError(f"{type(source).__name__} does not support DLPack (no __dlpack__)")
    if hasattr(source, "__dlpack_device__"):
        device = tuple(source.__dlpack_device__())
        if int(device[0]) != KDL_CPU:
            raise UnsupportedError(f"plexus imports CPU memory only, the tensor is on DLPack device {device}")
    try:
        return source.__dlpack__(max_version=(1, 0))
    except TypeError:
        return source.__dlpack__()


def from_dlpack(source):
    """A plexus Tensor viewing the memory of ``source`` (an object with ``__dlpack__``, such
    as a numpy array or a torch tensor, or a DLPack capsule): zero-copy when the memory is
    C-contiguous and writable, else copied."""
    from .tensor import Tensor, tensor

    capsule = _capsule_of(source)
    name = _api.PyCapsule_GetName(capsule)
    if name not in (_LEGACY, _VERSIONED):
        raise InvalidArgumentError(f"not an unconsumed DLPack capsule (its name is {name!r})")
    versioned = name == _VERSIONED
    kind = DLManagedTensorVersioned if versioned else DLManagedTensor
    address = _api.PyCapsule_GetPointer(capsule, name)
    managed = ctypes.cast(address, ctypes.POINTER(kind)).contents
    if versioned and managed.version.major > 1:
        raise UnsupportedError(f"DLPack version {managed.version.major}.{managed.version.minor} is newer than 1.x")
    view = managed.dl_tensor
    if view.device.device_type != KDL_CPU:
        raise UnsupportedError(f"plexus imports CPU memory only, got DLPack device type {view.device.device_type}")
    plexus_type = _plexus_dtype(view.dtype)
    shape = tuple(view.shape[i] for i in range(view.ndim))
    itemsize = view.dtype.bits // 8
    contiguous = True
    if view.strides:
        expected = 1
        for dim in reversed(range(view.ndim)):
            if shape[dim] != 1 and view.strides[dim] != expected:
                contiguous = False
            expected *= shape[dim]
    read_only = versioned and bool(managed.flags & _READ_ONLY)
    data = (view.data or 0) + view.byte_offset
    count = int(np.prod(shape, dtype=np.int64))
    if count == 0 or not view.data:
        return Tensor._adopt(_empty_handle(plexus_type, shape))
    if contiguous and not read_only:
        key = next(_import_keys)
        _imports[key] = (address, kind)
        handle = ctypes.c_void_p()
        status = lib.plx_tensor_wrap(plexus_type.code, (ctypes.c_int64 * max(len(shape), 1))(*shape), len(shape),
                                     ctypes.c_void_p(data), _IMPORT_DELETER, ctypes.c_void_p(key), ctypes.byref(handle))
        if status != 0:
            _imports.pop(key, None)
            check(status)
        _api.PyCapsule_SetName(capsule, _USED_VERSIONED if versioned else _USED_LEGACY)
        return Tensor._adopt(handle.value)
    # Strided or read-only: copy, and leave the capsule to free the producer's memory.
    strides = tuple(view.strides[i] * itemsize for i in range(view.ndim)) if view.strides else None
    numpy_type = plexus_type.numpy
    extent = (sum((s - 1) * abs(st) for s, st in zip(shape, strides)) + itemsize) if strides else count * itemsize
    buffer = (ctypes.c_uint8 * extent).from_address(data)
    flat = np.frombuffer(buffer, dtype=np.uint8)
    array = np.lib.stride_tricks.as_strided(flat.view(numpy_type), shape=shape, strides=strides) if strides \
        else flat.view(numpy_type).reshape(shape)
    return tensor(np.array(array, copy=True))


def _empty_handle(kind, shape):
    handle = ctypes.c_void_p()
    check(lib.plx_tensor_create(kind.code, (ctypes.c_int64 * max(len(shape), 1))(*shape), len(shape), None,
                                ctypes.byref(handle)))
    return handle.value
