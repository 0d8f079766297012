"""``tensor[key]`` with numpy's rules for the common cases, as ONNX ops (so autograd records it):

- ints (negative count from the end), slices with any step, ``...`` and ``None`` (new axis):
  one ``Slice`` for every sliced or indexed dim, ``Squeeze`` for the int dims, ``Unsqueeze``
  for the new axes;
- one integer array / list / Tensor: ``Gather`` along its dim (numpy's placement of the
  result dims);
- a boolean mask over the leading dims: ``Gather`` of the selected rows.

Several advanced (array) indices in one key are not supported (UnsupportedError).
"""
import numpy as np

from ._errors import InvalidArgumentError, UnsupportedError
from ._ops import call1

__all__ = ["get_item"]

_INT64_MIN = np.iinfo(np.int64).min


def _int64s(values):
    from .tensor import tensor

    return tensor(np.asarray(values, dtype=np.int64))


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _as_index_array(value):
    from .tensor import Tensor

    if isinstance(value, Tensor):
        return value.numpy()
    return np.asarray(value)


def _boolean_mask(source, mask):
    shape = source.shape
    if mask.shape != shape[:mask.ndim]:
        raise InvalidArgumentError(f"boolean mask of shape {mask.shape} does not match the leading dims of {shape}")
    rows = int(np.prod(mask.shape, dtype=np.int64))
    flat = source.reshape([rows] + list(shape[mask.ndim:]))
    return call1("Gather", [flat, _int64s(np.flatnonzero(mask))], {"axis": 0})


def _expand(key, ndim):
    """The key as a list with ``...`` replaced by full slices."""
    items = list(key) if isinstance(key, tuple) else [key]
    ellipses = [i for i, item in enumerate(items) if item is Ellipsis]
    if len(ellipses) > 1:
        raise InvalidArgumentError("an index can only have one ellipsis ('...')")
    used = sum(1 for item in items if item is not None and item is not Ellipsis)
    if used > ndim:
        raise IndexError(f"too many indices for a tensor of dimension {ndim}")
    if ellipses:
        at = ellipses[0]
        items[at:at + 1] = [slice(None)] * (ndim - used)
    else:
        items += [slice(None)] * (ndim - used)
    return items


def get_item(source, key):
    """``source[key]`` (see the module doc)."""
    from .tensor import Tensor

    if isinstance(key, (Tensor, np.ndarray, list)):
        array = _as_index_array(key)
        if array.dtype == np.bool_:
            return _boolean_mask(source, array)
    items = _expand(key, source.ndim)
    shape = source.shape
    starts, ends, axes, steps = [], [], [], []
    squeezed, new_axes = [], []
    advanced = None
    axis = 0
    out_position = 0
    for item in items:
        if item is None:
            new_axes.append(out_position)
            out_position += 1
            continue
        size = shape[axis]
        if _is_int(item) or (isinstance(item, Tensor) and item.ndim == 0 and not item.dtype.is_floating_point):
            index = int(item)
            if not -size <= index < size:
                raise IndexError(f"index {index} is out of bounds for dimension {axis} with size {size}")
            index %= size
            starts.append(index), ends.append(index + 1), axes.append(axis), steps.append(1)
            squeezed.append(axis)
        elif isinstance(item, slice):
            start, stop, step = item.indices(size)
            if (start, stop, step) != (0, size, 1):
                if step < 0 and stop < 0:
                    stop = _INT64_MIN
                starts.append(start), ends.append(stop), axes.append(axis), steps.append(step)
            out_position += 1
        elif isinstance(item, (Tensor, np.ndarray, list, tuple)):
            if advanced is not None:
                raise UnsupportedError("only one array index per indexing expression is supported")
            array = _as_index_array(item)
            if array.dtype.kind not in "iu":
                raise InvalidArgumentError(f"array indices must be integers, got {array.dtype}")
            advanced = (axis, array.astype(np.int64))
            out_position += array.ndim
        elif isinstance(item, (bool, np.bool_)):
            raise UnsupportedError("a bare boolean index is not supported; use a boolean mask tensor")
        else:
            raise InvalidArgumentError(f"unsupported index {item!r}")
        axis += 1
    result = source
    if axes:
        result = call1("Slice", [result, _int64s(starts), _int64s(ends), _int64s(axes), _int64s(steps)])
    shift = 0
    if advanced is not None:
        at, indices = advanced
        result = call1("Gather", [result, _int64s(indices)], {"axis": at})
        shift = indices.ndim - 1
        squeezed = [a + shift if a > at else a for a in squeezed]
    if squeezed:
        result = call1("Squeeze", [result, _int64s(squeezed)])
    if new_axes:
        result = call1("Unsqueeze", [result, _int64s(new_axes)])
    if result is source:
        result = call1("Identity", [source])
    return result
