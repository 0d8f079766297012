"""The Tensor: one reference to a ``plx_tensor`` (dense, contiguous, row-major, on the CPU).

Memory rules:

- :func:`tensor` always copies its data (like ``torch.tensor``).
- :func:`from_numpy` shares memory with a numpy array that is C-contiguous, aligned, writeable,
  in native byte order and of a supported dtype; the tensor keeps the array alive. Any other
  array is copied (documented, never silent about sharing: check ``np.shares_memory``).
- :meth:`Tensor.numpy` returns a zero-copy view that keeps the tensor alive; writes through it
  are visible to Plexus and the other way round. String tensors are copied into object arrays.
"""
import ctypes
import itertools

import numpy as np

from . import _dtypes
from ._dtypes import DType
from ._errors import ClosedError, DTypeMismatchError, InvalidArgumentError
from ._grad import is_grad_enabled
from ._lib import DELETER, check, immortal, lib
from ._tensor_math import TensorMath
from . import _ops

__all__ = ["Tensor", "tensor", "from_numpy", "as_tensor"]

# Arrays lent to plx_tensor_wrap, by the key passed as the deleter's ctx; the deleter drops them.
# No lock: dict operations are atomic under the GIL (which ctypes callbacks take), and dropping
# an array may release other tensors whose deleters run re-entrantly on this thread.
_lent = {}
_lent_keys = itertools.count(1)


def _return_lent(data, ctx):
    try:
        _lent.pop(ctx, None)
    except Exception:  # noqa: BLE001 - a deleter must never raise into C
        pass


_LENT_DELETER = immortal(DELETER(_return_lent))


def _shape_array(shape):
    return (ctypes.c_int64 * max(len(shape), 1))(*shape)


def _string_handle(array):
    flat = [(item.decode() if isinstance(item, bytes) else str(item)).encode() for item in array.reshape(-1)]
    if any(b"\0" in item for item in flat):  # C strings end at the first NUL: the rest would be lost
        raise InvalidArgumentError("a string element contains a NUL character, which plexus string tensors cannot hold")
    pointers = (ctypes.c_char_p * max(len(flat), 1))(*flat)
    handle = ctypes.c_void_p()
    check(lib.plx_tensor_create(8, _shape_array(array.shape), array.ndim, ctypes.cast(pointers, ctypes.c_void_p),
                                ctypes.byref(handle)))
    return handle.value


def _copy_handle(array):
    """A new plx_tensor holding a copy of ``array`` (any numpy array)."""
    kind = _dtypes.from_numpy_dtype(array.dtype)
    if kind.code == 8:
        return _string_handle(array)
    array = np.ascontiguousarray(array, dtype=kind.numpy) if array.ndim else np.asarray(array, dtype=kind.numpy).copy()
    handle = ctypes.c_void_p()
    check(lib.plx_tensor_create(kind.code, _shape_array(array.shape), array.ndim, array.ctypes.data_as(ctypes.c_void_p),
                                ctypes.byref(handle)))
    return handle.value


def _can_share(array):
    flags = array.flags
    return flags.c_contiguous and flags.aligned and flags.writeable and array.dtype.isnative and array.dtype.kind not in "OUS"


def _wrap_handle(array):
    """A plx_tensor over ``array``'s memory; the array stays alive until Plexus drops it."""
    kind = _dtypes.from_numpy_dtype(array.dtype)
    key = next(_lent_keys)
    _lent[key] = array
    handle = ctypes.c_void_p()
    status = lib.plx_tensor_wrap(kind.code, _shape_array(array.shape), array.ndim, array.ctypes.data_as(ctypes.c_void_p),
                                 _LENT_DELETER, ctypes.c_void_p(key), ctypes.byref(handle))
    if status != 0:
        _lent.pop(key, None)
        check(status)
    return handle.value


class _DataView:
    """Exposes a tensor's memory through ``__array_interface__`` and keeps the tensor alive."""

    __slots__ = ("__array_interface__", "tensor")

    def __init__(self, owner, address, nbytes):
        self.tensor = owner
        self.__array_interface__ = {"version": 3, "shape": (nbytes,), "typestr": "|u1", "data": (address, False)}


def _default_dtype(array, given):
    """torch.tensor's rule: Python floats become float32 (numpy arrays keep their dtype)."""
    if given is None and array.dtype == np.float64:
        return np.dtype(np.float32)
    return None


class Tensor(TensorMath):
    """A Plexus tensor. Build one with :func:`plexus.tensor`, :func:`plexus.from_numpy`,
    ``plexus.Tensor(data)`` or the factories (``zeros``, ``ones``, ``randn``...).

    It owns one reference to the C tensor, dropped when the Python object goes. Operators follow
    PyTorch (``+ - * / @ **``, comparisons, indexing); every op is an ONNX op run eagerly, and
    recorded for :meth:`backward` when an input requires grad.
    """

    # _dtype_code caches the C tensor's dtype (it never changes); 0 means not asked yet.
    __slots__ = ("_handle", "_dtype_code", "__weakref__")
    __array_ufunc__ = None  # numpy defers to our reflected operators
    __array_priority__ = 1000

    def __init__(self, data, dtype=None, requires_grad=False):
        self._handle = None
        self._dtype_code = 0
        self._handle = _handle_for(data, dtype)
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _adopt(cls, handle):
        """Wraps an owned ``plx_tensor *`` (its reference moves into the new object)."""
        if not handle:
            raise InvalidArgumentError("a NULL tensor handle")
        tensor_object = cls.__new__(cls)
        tensor_object._handle = int(handle)
        tensor_object._dtype_code = 0
        return tensor_object

    @classmethod
    def _borrow(cls, handle):
        """Wraps a borrowed ``plx_tensor *``, taking a reference of its own."""
        if not handle:
            raise InvalidArgumentError("a NULL tensor handle")
        lib.plx_tensor_retain(handle)
        return cls._adopt(handle)

    def _ptr(self):
        """The raw handle for C calls; ClosedError when this tensor holds none."""
        handle = getattr(self, "_handle", None)
        if not handle:
            raise ClosedError("this tensor has no data (it was released or never created)")
        return handle

    def __del__(self, _release=lib.plx_tensor_release):
        # The default argument keeps the function reachable during interpreter shutdown, when
        # module globals may already be gone. A constructor that failed leaves _handle unset.
        try:
            handle = self._handle
        except AttributeError:
            return
        if handle:
            self._handle = None
            try:
                _release(handle)
            except Exception:  # noqa: BLE001 - interpreter shutdown (free when nothing raises)
                pass

    # -- metadata ---------------------------------------------------------------------------
    @property
    def dtype(self):
        """The element type, a :class:`plexus.DType` (compares equal to numpy dtypes too)."""
        return _dtypes.from_code(self._dtype_code or self._load_dtype_code())

    def _load_dtype_code(self):
        """Asks C for the dtype code and caches it (a tensor's dtype never changes)."""
        code = lib.plx_tensor_dtype(self._ptr())
        self._dtype_code = code
        return code

    @property
    def shape(self):
        """The dimensions, a tuple of ints."""
        handle = self._ptr()
        rank = lib.plx_tensor_rank(handle)
        dims = lib.plx_tensor_shape(handle)
        return tuple(dims[i] for i in range(rank))

    @property
    def ndim(self):
        """Number of dimensions."""
        return lib.plx_tensor_rank(self._ptr())

    def dim(self):
        """Number of dimensions (PyTorch's spelling)."""
        return self.ndim

    def size(self, dim=None):
        """The shape (PyTorch's ``size()``), or the length of dimension ``dim``."""
        shape = self.shape
        return shape if dim is None else shape[dim]

    def numel(self):
        """Number of elements (1 for a scalar)."""
        return lib.plx_tensor_numel(self._ptr())

    @property
    def nbytes(self):
        """Bytes of element memory."""
        return self.numel() * self.dtype.itemsize

    @property
    def device(self):
        """Always ``"cpu"``: Plexus tensors live in host memory."""
        return "cpu"

    # -- autograd ---------------------------------------------------------------------------
    @property
    def requires_grad(self):
        """Whether gradients flow to this tensor (a marked leaf or a recorded op's output)."""
        return bool(lib.plx_tensor_requires_grad(self._ptr()))

    @requires_grad.setter
    def requires_grad(self, value):
        """Same as ``requires_grad_(value)``."""
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Marks this (floating-point) tensor as a leaf whose gradient backward() computes."""
        check(lib.plx_tensor_set_requires_grad(self._ptr(), 1 if requires_grad else 0))
        return self

    @property
    def grad(self):
        """The accumulated gradient (a Tensor), or None before the first backward."""
        handle = lib.plx_tensor_grad(self._ptr())
        return Tensor._borrow(handle) if handle else None

    @grad.setter
    def grad(self, value):
        """Only None may be assigned: it clears the gradient."""
        if value is not None:
            raise InvalidArgumentError("only None can be assigned to .grad (it clears the gradient)")
        lib.plx_tensor_zero_grad(self._ptr())

    def zero_grad(self):
        """Clears the accumulated gradient."""
        lib.plx_tensor_zero_grad(self._ptr())

    def backward(self, gradient=None):
        """Back-propagates from this tensor, accumulating into the ``grad`` of every leaf it
        depends on. ``gradient`` (same shape and dtype) is the seed; None means ones."""
        seed = None
        if gradient is not None:
            seed = gradient if isinstance(gradient, Tensor) else tensor(np.asarray(gradient, dtype=self.dtype.numpy))
        check(lib.plx_tensor_backward(self._ptr(), None if seed is None else seed._ptr()))

    def detach(self):
        """A tensor sharing this one's memory, cut off from the autograd graph."""
        handle = ctypes.c_void_p()
        check(lib.plx_tensor_detach(self._ptr(), ctypes.byref(handle)))
        return Tensor._adopt(handle.value)

    # -- data -------------------------------------------------------------------------------
    def data_ptr(self):
        """Address of the first element (0 for an empty tensor)."""
        return lib.plx_tensor_data(self._ptr()) or 0

    def numpy(self):
        """A numpy view of the elements, sharing memory and keeping this tensor alive.

        Writing to it writes the tensor. Strings come back as a copied object array; empty
        tensors as a fresh empty array. Like PyTorch, a tensor that requires grad is viewed
        as is (call ``detach()`` first if you want to make that explicit).
        """
        kind = self.dtype
        shape = self.shape
        count = self.numel()
        if kind.code == 8:
            base = ctypes.cast(lib.plx_tensor_data(self._ptr()), ctypes.POINTER(ctypes.c_char_p))
            items = [base[i].decode("utf-8", "replace") for i in range(count)]
            return np.array(items, dtype=object).reshape(shape)
        if kind.numpy is None:
            raise DTypeMismatchError("bfloat16 tensors need the ml_dtypes package to become numpy arrays")
        address = lib.plx_tensor_data(self._ptr())
        if count == 0 or not address:
            return np.empty(shape, dtype=kind.numpy)
        raw = np.asarray(_DataView(self, address, count * kind.itemsize))
        return raw.view(kind.numpy).reshape(shape)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        if dtype is not None and np.dtype(dtype) != array.dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def __dlpack__(self, stream=None, max_version=None, dl_device=None, copy=None):
        """Exports this tensor as a DLPack capsule (zero-copy; see plexus.dlpack)."""
        from .dlpack import to_dlpack

        return to_dlpack(self, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self):
        """``(kDLCPU, 0)``: Plexus tensors live in host memory."""
        return (1, 0)

    def item(self):
        """The value of a one-element tensor as a Python number (or str/bool)."""
        if self.numel() != 1:
            raise InvalidArgumentError(f"item() needs exactly one element, the tensor has {self.numel()}")
        value = self.numpy().reshape(-1)[0]
        return value.item() if hasattr(value, "item") else value

    def tolist(self):
        """The elements as (nested) Python lists."""
        return self.numpy().tolist()

    def __repr__(self):
        if not getattr(self, "_handle", None):
            return "tensor(<released>)"
        try:
            body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        except DTypeMismatchError:
            body = f"<{self.numel()} bfloat16 elements>"
        extra = ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({body}, dtype={self.dtype!r}{extra})"

    def __len__(self):
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]

    def __bool__(self):
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self.dtype.code == 8:
            raise TypeError("only integer tensors can be used as an index")
        return int(self.item())

    __hash__ = object.__hash__

    # -- copying and pickling: a raw handle copied into a second object would be released twice --
    def __copy__(self):
        """A second Tensor object for the same C tensor (memory, grad and all), as an alias."""
        handle = self._ptr()
        lib.plx_tensor_retain(handle)
        alias = type(self).__new__(type(self))
        alias._handle = handle
        alias._dtype_code = self._dtype_code
        return alias

    def __deepcopy__(self, memo):
        """A new leaf with a copy of the elements (and requires_grad as this one has it)."""
        copied = _rebuild(type(self), self.numpy().copy(), self.requires_grad)
        memo[id(self)] = copied
        return copied

    def __reduce__(self):
        """Pickles by value: the elements and requires_grad (a handle means nothing elsewhere)."""
        return _rebuild, (type(self), self.numpy().copy(), self.requires_grad)

    def _check_in_place(self):
        if self.requires_grad and is_grad_enabled():
            raise InvalidArgumentError("a tensor that requires grad cannot be changed in place outside plexus.no_grad()")


def _rebuild(cls, array, requires_grad):
    """A ``cls`` (Tensor or a subclass such as Parameter) holding a copy of ``array``."""
    return cls(array, requires_grad=requires_grad)


def _handle_for(data, dtype):
    """A new handle copying ``data`` (array-like or Tensor), cast to ``dtype`` if given."""
    if isinstance(data, Tensor):
        source = data.numpy()
    else:
        source = np.asarray(data)
        inferred = _default_dtype(source, dtype) if not isinstance(data, np.ndarray) else None
        if inferred is not None:
            source = source.astype(inferred)
    if dtype is not None:
        kind = _dtypes.dtype(dtype)
        if kind.code == 8:
            source = source.astype(object)
        else:
            if kind.numpy is None:
                raise DTypeMismatchError("bfloat16 needs the ml_dtypes package")
            source = source.astype(kind.numpy)
    if source.dtype.kind == "O" and source.size and not all(isinstance(v, (str, bytes)) for v in source.reshape(-1)):
        if any(isinstance(v, int) for v in source.reshape(-1)):
            raise InvalidArgumentError("an integer value does not fit int64 or uint64 (or the values mix types numpy cannot "
                                       "hold in one array)")
        raise DTypeMismatchError("object arrays must hold only strings")
    return _copy_handle(source)


def tensor(data, dtype=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (nested lists, numbers, numpy arrays, Tensors or
    anything numpy accepts). Without ``dtype``, Python floats become float32 as in PyTorch
    while numpy arrays keep their dtype. ``requires_grad`` marks it as a leaf for autograd."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def from_numpy(array):
    """A tensor sharing ``array``'s memory (zero-copy) when the array is C-contiguous, aligned,
    writeable, native-endian and of a plexus dtype; the tensor keeps the array alive and writes
    go both ways. Other arrays (strided views, read-only, big-endian, strings) are copied.
    """
    if not isinstance(array, np.ndarray):
        raise InvalidArgumentError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    kind = _dtypes.from_numpy_dtype(array.dtype)
    if kind.code != 8 and _can_share(array):
        return Tensor._adopt(_wrap_handle(array))
    return Tensor._adopt(_copy_handle(array))


def as_tensor(data, dtype=None):
    """``data`` itself when it is already a Tensor of ``dtype``; a zero-copy tensor for a
    shareable numpy array of that dtype; otherwise a copy (like ``torch.as_tensor``)."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == _dtypes.dtype(dtype) else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or _dtypes.dtype(dtype).numpy == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


DType.__module__ = "plexus"
_ops.bind_tensor_type(Tensor)
