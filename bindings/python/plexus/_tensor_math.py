"""Tensor operators and methods, each an ONNX op run eagerly (so autograd records them).
Type promotion follows PyTorch: a Python scalar takes the tensor's dtype (a float scalar
with an integer tensor gives float32), tensors of different categories (bool < int < float)
take the higher one's dtype, and within a category the wider dtype wins. ``/`` is true division.

The operators call prepared ops kept in module-level :class:`~plexus._ops.OpSlot` objects (one
per op), so ``a + b`` is one ``plx_prepared_op_call``; the Python scalar of ``a + 1`` becomes a
0-d tensor made once per (dtype, value) and reused (:func:`_constant`).
"""
import math

import numpy as np

from . import _dtypes, _ops, _validate
from ._errors import InvalidArgumentError, ShapeMismatchError
from ._ops import OpSlot, call, call1, run1, run2

__all__ = ["TensorMath", "promote", "scalar_like"]


def _tensor(value, dtype=None):
    from .tensor import tensor

    return tensor(value, dtype=dtype)


def _category(kind):
    if kind.code == 9:
        return 0
    return 2 if kind.is_floating_point else 1


def _int64s(values, what="an integer list"):
    """An int64 tensor of ``values``, each checked to be an integer that fits (numpy would
    silently truncate 2.5 to 2)."""
    return _tensor(np.asarray(_validate.integers(values, what), dtype=np.int64))


def scalar_like(value, kind):
    """A 0-d tensor of ``value`` with dtype ``kind``."""
    return _tensor(np.asarray(value, dtype=kind.numpy))


# 0-d operand tensors of Python scalars, by (dtype code, value): numbers equal under == give
# the same 0-d tensor of one dtype, except 0.0 and -0.0 (the sign joins the key). Only
# operators read them: no caller can change one, and kernels never write their inputs outside
# sessions. Cleared when it grows past the bound.
_constants = {}
_MAX_CONSTANTS = 1024
_FLOATING_CODES = frozenset(d.code for d in _dtypes.ALL if d.is_floating_point)


def _constant(value, code):
    """``scalar_like(value, dtype code)`` for an operator operand, made once and shared."""
    value_type = type(value)
    if value_type is float:
        key = (code, value) if value else (code, value, math.copysign(1.0, value))
    elif value_type is int or value_type is bool:
        key = (code, value)
    else:
        return scalar_like(value, _dtypes.from_code(code))
    found = _constants.get(key)
    if found is None:
        found = scalar_like(value, _dtypes.from_code(code))
        if len(_constants) >= _MAX_CONSTANTS:
            _constants.clear()
        _constants[key] = found
    return found


def promote(a, b):
    """Both operands as Tensors of one dtype (PyTorch's promotion rules, see module doc)."""
    if not isinstance(b, _ops.Tensor):
        b_type = type(b)
        if b_type is float or b_type is int or b_type is bool:  # the common case, without ABC checks
            code = a._dtype_code or a._load_dtype_code()
            if b_type is float and code not in _FLOATING_CODES:
                a = a.to(_dtypes.dtype("float32"))
            elif b_type is int and code == 9:
                a = a.to(_dtypes.dtype("int64"))
            return a, _constant(b, a._dtype_code or a._load_dtype_code())
        if isinstance(b, (bool, int, float, np.number, np.bool_)) and not isinstance(b, np.ndarray):
            if isinstance(b, (float, np.floating)) and not a.dtype.is_floating_point:
                a = a.to(_dtypes.dtype("float32"))
            elif isinstance(b, (int, np.integer)) and not isinstance(b, (bool, np.bool_)) and a.dtype.code == 9:
                a = a.to(_dtypes.dtype("int64"))
            return a, _constant(b, a.dtype.code)
        b = _tensor(b)
    ka, kb = a.dtype, b.dtype
    if ka == kb:
        return a, b
    ca, cb = _category(ka), _category(kb)
    if ca != cb:
        target = ka if ca > cb else kb
    else:
        target = _dtypes.from_numpy_dtype(np.promote_types(ka.numpy, kb.numpy))
    return (a if ka == target else a.to(target)), (b if kb == target else b.to(target))


def _axes(dim, ndim):
    """Dims (one or a list, negative counting from the end) as non-negative ints; IndexError,
    as PyTorch raises, for a dim outside [-ndim, ndim)."""
    if dim is None:
        return None
    dims = [dim] if not isinstance(dim, (list, tuple)) else list(dim)
    result = []
    for d in _validate.integers(dims, "dim"):
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"dim {d} is out of range for a tensor of {ndim} dims (expected [{-max(ndim, 1)}, {max(ndim, 1) - 1}])")
        result.append(d + ndim if d < 0 else d)
    return result


def _slot(op_type, n_inputs=1, output_code=0):
    """An OpSlot whose output has the first input's dtype unless ``output_code`` is given."""
    return OpSlot(op_type, n_inputs, same_dtype=not output_code, output_code=output_code)


_ADD, _SUB, _MUL, _DIV, _MOD, _POW, _MATMUL = (_slot(name, 2) for name in ("Add", "Sub", "Mul", "Div", "Mod", "Pow", "MatMul"))
_EQUAL, _LESS, _LESS_EQUAL, _GREATER, _GREATER_EQUAL = (
    _slot(name, 2, output_code=9) for name in ("Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"))
_AND, _OR, _XOR, _BITWISE_AND, _BITWISE_OR, _BITWISE_XOR = (
    _slot(name, 2) for name in ("And", "Or", "Xor", "BitwiseAnd", "BitwiseOr", "BitwiseXor"))
_NOT, _BITWISE_NOT, _NEG, _ABS, _FLOOR = (_slot(name) for name in ("Not", "BitwiseNot", "Neg", "Abs", "Floor"))
_UNARY = {name: _slot(name) for name in ("Exp", "Log", "Sqrt", "Sin", "Cos", "Ceil", "Round", "Sign", "Relu", "Sigmoid",
                                          "Tanh")}


def _binary_operator(slot, reflected=False):
    """The Tensor operator running ``slot`` on ``(self, other)`` (``(other, self)`` when
    reflected) promoted to one dtype. A closure rather than a method calling a helper: each
    Python call level costs a noticeable share of a small op."""

    def operator(self, other):
        if isinstance(other, _ops.Tensor) and \
                (self._dtype_code or self._load_dtype_code()) == (other._dtype_code or other._load_dtype_code()):
            a, b = self, other
        else:
            a, b = promote(self, other)
        return run2(slot, b, a) if reflected else run2(slot, a, b)

    return operator


class TensorMath:
    """Operators and math methods shared by :class:`plexus.Tensor` (a mixin, no state)."""

    __slots__ = ()

    # -- binary arithmetic ------------------------------------------------------------------
    def _operands(self, other):
        """``self`` and ``other`` promoted to one dtype; two tensors of one dtype as they are."""
        if isinstance(other, _ops.Tensor) and \
                (self._dtype_code or self._load_dtype_code()) == (other._dtype_code or other._load_dtype_code()):
            return self, other
        return promote(self, other)

    __add__ = _binary_operator(_ADD)
    __radd__ = _binary_operator(_ADD, True)

    __sub__ = _binary_operator(_SUB)
    __rsub__ = _binary_operator(_SUB, True)

    __mul__ = _binary_operator(_MUL)
    __rmul__ = _binary_operator(_MUL, True)

    def _true_division(self, other, reflected):
        a, b = self._operands(other)
        if not a.dtype.is_floating_point:
            a, b = a.float(), b.float()
        return run2(_DIV, b, a) if reflected else run2(_DIV, a, b)

    def __truediv__(self, other):
        return self._true_division(other, False)

    def __rtruediv__(self, other):
        return self._true_division(other, True)

    def _floor_division(self, other, reflected):
        a, b = self._operands(other)
        if reflected:
            a, b = b, a
        if a.dtype.is_floating_point:
            return run1(_FLOOR, run2(_DIV, a, b))
        return run2(_DIV, run2(_SUB, a, run2(_MOD, a, b)), b)

    def __floordiv__(self, other):
        return self._floor_division(other, False)

    def __rfloordiv__(self, other):
        return self._floor_division(other, True)

    def _modulo(self, other, reflected):
        a, b = self._operands(other)
        if reflected:
            a, b = b, a
        if a.dtype.is_floating_point:
            return run2(_SUB, a, run2(_MUL, run1(_FLOOR, run2(_DIV, a, b)), b))
        return run2(_MOD, a, b)

    def __mod__(self, other):
        return self._modulo(other, False)

    def __rmod__(self, other):
        return self._modulo(other, True)

    __pow__ = _binary_operator(_POW)
    __rpow__ = _binary_operator(_POW, True)

    __matmul__ = _binary_operator(_MATMUL)
    __rmatmul__ = _binary_operator(_MATMUL, True)

    def __neg__(self):
        return run1(_NEG, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return run1(_ABS, self)

    # -- comparisons and logic ----------------------------------------------------------------
    __eq__ = _binary_operator(_EQUAL)

    def __ne__(self, other):
        return run1(_NOT, self == other)

    __lt__ = _binary_operator(_LESS)

    __le__ = _binary_operator(_LESS_EQUAL)

    __gt__ = _binary_operator(_GREATER)

    __ge__ = _binary_operator(_GREATER_EQUAL)

    def _logic(self, bool_slot, int_slot, other, reflected=False):
        a, b = self._operands(other)
        slot = bool_slot if a.dtype.code == 9 else int_slot
        return run2(slot, b, a) if reflected else run2(slot, a, b)

    def __and__(self, other):
        return self._logic(_AND, _BITWISE_AND, other)

    def __rand__(self, other):
        return self._logic(_AND, _BITWISE_AND, other, True)

    def __or__(self, other):
        return self._logic(_OR, _BITWISE_OR, other)

    def __ror__(self, other):
        return self._logic(_OR, _BITWISE_OR, other, True)

    def __xor__(self, other):
        return self._logic(_XOR, _BITWISE_XOR, other)

    def __rxor__(self, other):
        return self._logic(_XOR, _BITWISE_XOR, other, True)

    def __invert__(self):
        return run1(_NOT if self.dtype.code == 9 else _BITWISE_NOT, self)

    # -- in place (allowed on tensors that do not require grad, or inside no_grad) -------------
    def _assign(self, result):
        self._check_in_place()
        if result.shape != self.shape:
            raise ShapeMismatchError(f"an in-place result of shape {result.shape} does not fit a tensor of shape {self.shape}")
        self.numpy()[...] = result.numpy().astype(self.dtype.numpy, copy=False)
        return self

    def __iadd__(self, other):
        return self._assign(self + other)

    def __isub__(self, other):
        return self._assign(self - other)

    def __imul__(self, other):
        return self._assign(self * other)

    def __itruediv__(self, other):
        return self._assign(self / other)

    def add_(self, other, alpha=1):
        """In place: ``self += alpha * other``."""
        return self._assign(self + (other * alpha if alpha != 1 else other))

    def sub_(self, other, alpha=1):
        """In place: ``self -= alpha * other``."""
        return self._assign(self - (other * alpha if alpha != 1 else other))

    def mul_(self, other):
        """In place: ``self *= other``."""
        return self._assign(self * other)

    def div_(self, other):
        """In place: ``self /= other``."""
        return self._assign(self / other)

    def copy_(self, source):
        """Copies ``source`` (broadcast to this shape) into this tensor's memory."""
        self._check_in_place()
        values = np.asarray(source.numpy() if hasattr(source, "numpy") else source)
        self.numpy()[...] = np.broadcast_to(values, self.shape).astype(self.dtype.numpy, copy=False)
        return self

    def fill_(self, value):
        """Sets every element to ``value``."""
        self._check_in_place()
        self.numpy()[...] = _validate.fill_value(value, self.dtype.numpy)
        return self

    def zero_(self):
        """Sets every element to zero."""
        return self.fill_(0)

    # -- unary math -----------------------------------------------------------------------------
    def exp(self):
        """e to the power of each element."""
        return run1(_UNARY["Exp"], self)

    def log(self):
        """Natural logarithm of each element."""
        return run1(_UNARY["Log"], self)

    def sqrt(self):
        """Square root of each element."""
        return run1(_UNARY["Sqrt"], self)

    def abs(self):
        """Absolute value of each element."""
        return run1(_ABS, self)

    def neg(self):
        """Negation of each element."""
        return run1(_NEG, self)

    def sin(self):
        """Sine of each element."""
        return run1(_UNARY["Sin"], self)

    def cos(self):
        """Cosine of each element."""
        return run1(_UNARY["Cos"], self)

    def floor(self):
        """Largest integer not above each element."""
        return run1(_FLOOR, self)

    def ceil(self):
        """Smallest integer not below each element."""
        return run1(_UNARY["Ceil"], self)

    def round(self):
        """Each element rounded half to even."""
        return run1(_UNARY["Round"], self)

    def sign(self):
        """-1, 0 or 1 by the sign of each element."""
        return run1(_UNARY["Sign"], self)

    def relu(self):
        """max(x, 0) of each element."""
        return run1(_UNARY["Relu"], self)

    def sigmoid(self):
        """Logistic sigmoid of each element."""
        return run1(_UNARY["Sigmoid"], self)

    def tanh(self):
        """Hyperbolic tangent of each element."""
        return run1(_UNARY["Tanh"], self)

    def pow(self, exponent):
        """Each element to the power ``exponent``."""
        return self ** exponent

    def matmul(self, other):
        """Matrix product (numpy's matmul broadcasting)."""
        return self @ other

    mm = matmul

    def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        """Each element limited to [min, max] (either may be None)."""
        low = None if min is None else scalar_like(min, self.dtype)
        high = None if max is None else scalar_like(max, self.dtype)
        return call1("Clip", [self, low, high])

    clip = clamp

    def softmax(self, dim=-1):
        """Softmax along ``dim``."""
        return call1("Softmax", [self], {"axis": dim})

    def log_softmax(self, dim=-1):
        """Log-softmax along ``dim``."""
        return call1("LogSoftmax", [self], {"axis": dim})

    # -- reductions -----------------------------------------------------------------------------
    def _reduce(self, op_type, dim, keepdim):
        if dim is None:  # no rank needed
            return call1(op_type, [self], {"keepdims": 1 if keepdim else 0})
        inputs = [self, _int64s(_axes(dim, self.ndim))]
        return call1(op_type, inputs, {"keepdims": 1 if keepdim else 0})

    def sum(self, dim=None, keepdim=False):
        """Sum over ``dim`` (an int, a tuple, or None for all)."""
        return self._reduce("ReduceSum", dim, keepdim)

    def mean(self, dim=None, keepdim=False):
        """Mean over ``dim`` (an int, a tuple, or None for all)."""
        source = self if self.dtype.is_floating_point else self.float()
        return source._reduce("ReduceMean", dim, keepdim)

    def prod(self, dim=None, keepdim=False):
        """Product over ``dim`` (an int, a tuple, or None for all)."""
        return self._reduce("ReduceProd", dim, keepdim)

    def _extreme(self, reduce_op, arg_op, dim, keepdim):
        if dim is None:
            return self._reduce(reduce_op, None, False)
        values = self._reduce(reduce_op, dim, keepdim)
        indices = call1(arg_op, [self], {"axis": dim, "keepdims": 1 if keepdim else 0})
        return values, indices

    def max(self, dim=None, keepdim=False):
        """The largest element, or ``(values, indices)`` along ``dim`` as PyTorch returns."""
        return self._extreme("ReduceMax", "ArgMax", dim, keepdim)

    def min(self, dim=None, keepdim=False):
        """The smallest element, or ``(values, indices)`` along ``dim`` as PyTorch returns."""
        return self._extreme("ReduceMin", "ArgMin", dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
        if dim is None:
            return call1("ArgMax", [self.reshape(-1)], {"axis": 0, "keepdims": 0})
        return call1("ArgMax", [self], {"axis": dim, "keepdims": 1 if keepdim else 0})

    def argmin(self, dim=None, keepdim=False):
        """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
        if dim is None:
            return call1("ArgMin", [self.reshape(-1)], {"axis": 0, "keepdims": 0})
        return call1("ArgMin", [self], {"axis": dim, "keepdims": 1 if keepdim else 0})

    # -- shape ----------------------------------------------------------------------------------
    def reshape(self, *shape):
        """The same elements with a new shape (one dim may be -1); may share memory."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return call1("Reshape", [self, _int64s(list(shape), "shape")])

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        """Merges dims ``start_dim`` to ``end_dim`` into one. The leading dims are copied rather
        than baked in (ONNX Flatten, or Reshape with 0s), so exported graphs keep a dynamic batch."""
        shape = self.shape
        if not shape:
            return self.reshape(1)
        start, end = start_dim % len(shape), end_dim % len(shape)
        if start > end:
            raise InvalidArgumentError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        if start == 1 and end == len(shape) - 1:
            return call1("Flatten", [self], {"axis": 1})
        merged = int(np.prod(shape[start:end + 1], dtype=np.int64))
        return self.reshape([0] * start + [merged] + list(shape[end + 1:]))

    def permute(self, *dims):
        """The dims reordered (``dims`` is a permutation)."""
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        return call1("Transpose", [self], {"perm": _axes(list(dims), self.ndim)})

    def transpose(self, dim0, dim1):
        """Swaps two dims."""
        perm = list(range(self.ndim))
        dim0, dim1 = _axes([dim0, dim1], self.ndim)
        perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
        return call1("Transpose", [self], {"perm": perm})

    @property
    def T(self):  # noqa: N802 - numpy/PyTorch spelling
        """All dims reversed."""
        return call1("Transpose", [self], {"perm": list(reversed(range(self.ndim)))})

    def t(self):
        """Transpose of a 2-D tensor."""
        if self.ndim > 2:
            raise InvalidArgumentError("t() expects a tensor with at most 2 dims")
        return self.T

    def squeeze(self, dim=None):
        """Removes dims of size 1 (all of them, or ``dim``)."""
        if dim is None:
            return call1("Squeeze", [self])
        axes = _axes(dim, self.ndim)
        if any(self.shape[a] != 1 for a in axes):
            return self
        return call1("Squeeze", [self, _int64s(axes)])

    def unsqueeze(self, dim):
        """Inserts a dim of size 1 at ``dim``."""
        return call1("Unsqueeze", [self, _int64s([dim if dim >= 0 else dim + self.ndim + 1])])

    def expand(self, *shape):
        """Broadcasts to ``shape`` (-1 keeps a dim)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if len(shape) < self.ndim:
            raise ShapeMismatchError(f"expand: the target {tuple(shape)} has fewer dims than the tensor's {self.shape}")
        current = (1,) * (len(shape) - self.ndim) + self.shape
        target = [c if s == -1 else s for s, c in zip(shape, current)]
        return call1("Expand", [self, _int64s(target, "the expanded shape")])

    def __getitem__(self, key):
        from ._indexing import get_item

        return get_item(self, key)

    def __setitem__(self, key, value):
        """Writes into this tensor's memory (numpy indexing rules; not recorded by autograd)."""
        self._check_in_place()
        values = value.numpy() if hasattr(value, "numpy") and not isinstance(value, np.ndarray) else value
        self.numpy()[key] = values

    # -- conversion -----------------------------------------------------------------------------
    def to(self, dtype):
        """This tensor cast to ``dtype`` (itself when it already has it). Cast is recorded for
        autograd between floating-point types."""
        kind = _dtypes.dtype(dtype)
        if kind == self.dtype:
            return self
        return call1("Cast", [self], {"to": kind.code})

    astype = to

    def type(self, dtype):
        """Alias of :meth:`to`."""
        return self.to(dtype)

    def float(self):
        """Cast to float32."""
        return self.to("float32")

    def double(self):
        """Cast to float64."""
        return self.to("float64")

    def half(self):
        """Cast to float16."""
        return self.to("float16")

    def long(self):
        """Cast to int64."""
        return self.to("int64")

    def int(self):
        """Cast to int32."""
        return self.to("int32")

    def bool(self):
        """Cast to bool."""
        return self.to("bool")

    def clone(self):
        """A copy with its own memory; recorded for autograd when this tensor requires grad."""
        from ._grad import is_grad_enabled

        if self.requires_grad and is_grad_enabled():
            return call1("Mul", [self, scalar_like(1, self.dtype)])
        return _tensor(self.numpy())

    def contiguous(self):
        """Itself: Plexus tensors are always contiguous."""
        return self

    def cpu(self):
        """Itself: Plexus tensors live on the CPU."""
        return self

    def split(self, split_size, dim=0):
        """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the sizes in
        a list, as ``torch.split``."""
        length = self.shape[dim]
        if not isinstance(split_size, (list, tuple)):
            split_size = _validate.integer(split_size, "split_size")
            if split_size <= 0:
                raise InvalidArgumentError(f"split_size must be positive, got {split_size}")
        sizes = list(split_size) if isinstance(split_size, (list, tuple)) else \
            [min(split_size, length - start) for start in range(0, length, split_size)]
        if sum(sizes) != length:
            raise ShapeMismatchError(f"split sizes {sizes} do not add up to {length}")
        return tuple(call("Split", [self, _int64s(sizes)], {"axis": dim}, len(sizes)))
