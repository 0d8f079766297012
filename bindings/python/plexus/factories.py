"""Tensor factories and joining functions: ``zeros``, ``ones``, ``full``, ``arange``, ``randn``,
``rand``, ``*_like``, ``cat``, ``stack``, ``where``, and the random seed.

Random tensors come from a numpy generator seeded by :func:`manual_seed`, which also seeds the
Plexus generator behind parameter initialisation and dropout (``plx_manual_seed``).
"""
import math

import numpy as np

from . import _dtypes, _validate
from ._errors import InvalidArgumentError
from ._lib import lib
from ._ops import call1
from .tensor import Tensor, tensor

__all__ = ["zeros", "ones", "full", "empty", "arange", "linspace", "eye", "randn", "rand", "randint", "zeros_like",
           "ones_like", "full_like", "cat", "concat", "stack", "where", "manual_seed"]

_rng = np.random.default_rng()


def _shape(size, dtype, default="float32"):
    """The validated shape of a factory call (see ``_validate.shape``), checked against the
    allocation cap before numpy allocates it."""
    dims = _validate.shape(size)
    _validate.check_size(dims, _numpy_dtype(dtype, default).itemsize)
    return dims


def _numpy_dtype(dtype, default="float32"):
    kind = _dtypes.dtype(dtype if dtype is not None else default)
    return kind.numpy


def _make(array, requires_grad):
    return tensor(array, dtype=array.dtype, requires_grad=requires_grad)


def manual_seed(seed):
    """Seeds parameter initialisation, dropout and the random factories (reproducible runs)."""
    global _rng
    value = _validate.integer(seed, "the seed", bits=65) & 0xFFFFFFFFFFFFFFFF  # any int64 or uint64, as torch
    lib.plx_manual_seed(value)
    _rng = np.random.default_rng(value)


def zeros(*size, dtype=None, requires_grad=False):
    """A tensor of zeros (float32 unless ``dtype``)."""
    return _make(np.zeros(_shape(size, dtype), _numpy_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    """A tensor of ones (float32 unless ``dtype``)."""
    return _make(np.ones(_shape(size, dtype), _numpy_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    """A tensor of the given shape; Plexus zero-fills new memory, so it holds zeros."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    """A tensor filled with ``fill_value`` (float32 for float values unless ``dtype``)."""
    default = "float32" if isinstance(fill_value, float) else ("bool" if isinstance(fill_value, bool) else "int64")
    shape = _shape((size,), dtype, default)
    kind = _numpy_dtype(dtype, default)
    return _make(np.full(shape, _validate.fill_value(fill_value, kind), kind), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for ints, else float32.
    A zero step and NaN or infinite bounds raise InvalidArgumentError."""
    if end is None:
        start, end = 0, start
    values = [_validate.finite(v, what) for v, what in ((start, "start"), (end, "end"), (step, "step"))]
    if values[2] == 0:
        raise InvalidArgumentError("arange: step must be nonzero")
    default = "int64" if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (start, end, step)) \
        else "float32"
    span = (values[1] - values[0]) / values[2]
    if not math.isfinite(span):
        raise InvalidArgumentError(f"arange({start}, {end}, {step}) would hold more values than memory can")
    count = max(0, math.ceil(span))
    _validate.check_size((count,), _numpy_dtype(dtype, default).itemsize, "arange")
    return _make(np.arange(start, end, step).astype(_numpy_dtype(dtype, default)), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    steps = _shape((steps,), dtype)[0]
    return _make(np.linspace(_validate.finite(start, "start"), _validate.finite(end, "end"), steps)
                 .astype(_numpy_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    """An identity matrix ``n`` × ``m``."""
    rows, columns = _shape((n, n if m is None else m), dtype)
    return _make(np.eye(rows, columns, dtype=_numpy_dtype(dtype)), requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    """Standard normal samples (seeded by :func:`manual_seed`)."""
    return _make(_rng.standard_normal(_shape(size, dtype)).astype(_numpy_dtype(dtype)), requires_grad)


def rand(*size, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1) (seeded by :func:`manual_seed`)."""
    return _make(_rng.random(_shape(size, dtype)).astype(_numpy_dtype(dtype)), requires_grad)


def randint(low, high=None, size=(), dtype=None):
    """Integers uniform in [low, high) (int64 unless ``dtype``)."""
    if high is None:
        low, high = 0, low
    low, high = _validate.integer(low, "low"), _validate.integer(high, "high")
    if low >= high:
        raise InvalidArgumentError(f"randint: low ({low}) must be below high ({high})")
    shape = _shape((size,) if isinstance(size, (int, np.integer)) else (tuple(size),), dtype, "int64")
    return _make(_rng.integers(low, high, size=shape).astype(_numpy_dtype(dtype, "int64")), False)


def zeros_like(other, dtype=None, requires_grad=False):
    """Zeros with ``other``'s shape (and dtype unless given)."""
    return zeros(*other.shape, dtype=dtype or other.dtype, requires_grad=requires_grad)


def ones_like(other, dtype=None, requires_grad=False):
    """Ones with ``other``'s shape (and dtype unless given)."""
    return ones(*other.shape, dtype=dtype or other.dtype, requires_grad=requires_grad)


def full_like(other, fill_value, dtype=None, requires_grad=False):
    """``fill_value`` everywhere, with ``other``'s shape (and dtype unless given)."""
    return full(other.shape, fill_value, dtype=dtype or other.dtype, requires_grad=requires_grad)


def _tensors(values):
    items = [v if isinstance(v, Tensor) else tensor(v) for v in values]
    if not items:
        raise InvalidArgumentError("expected a non-empty sequence of tensors")
    return items


def cat(tensors, dim=0):
    """Joins tensors along an existing dim (ONNX Concat)."""
    return call1("Concat", _tensors(tensors), {"axis": dim})


concat = cat


def stack(tensors, dim=0):
    """Joins tensors along a new dim ``dim``."""
    items = _tensors(tensors)
    return call1("Concat", [t.unsqueeze(dim) for t in items], {"axis": dim})


def where(condition, x, y):
    """Elements of ``x`` where ``condition`` holds, else of ``y`` (ONNX Where, broadcasting)."""
    from ._tensor_math import promote

    condition = condition if isinstance(condition, Tensor) else tensor(np.asarray(condition, dtype=bool))
    if not isinstance(x, Tensor):
        x, y = promote(y if isinstance(y, Tensor) else tensor(y), x)[::-1]
    else:
        x, y = promote(x, y)
    return call1("Where", [condition.bool(), x, y])
