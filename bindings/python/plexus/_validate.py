"""Checks of user values before they reach ctypes.

ctypes converts silently: an int above 2**63 stored into a ``c_int64`` array is truncated, a
float becomes whatever ``int()`` makes of it, a ``str`` holding a NUL byte is cut short. These
helpers turn such values into clear errors instead: a value of the wrong Python type raises
``TypeError`` (as numpy and PyTorch do), a value of the right type but out of range raises
:class:`~plexus.InvalidArgumentError` (a ``ValueError``), and a shape whose memory is above the
allocation cap raises :class:`~plexus.OutOfMemoryError` (a ``MemoryError``) before anything is
allocated.
"""
import math
import operator

import numpy as np

from ._errors import InvalidArgumentError, OutOfMemoryError

__all__ = ["integer", "integers", "shape", "check_size", "name", "finite", "fill_value"]

#: The most dimensions a plexus tensor may have (``Shape.validated`` in the core).
MAX_RANK = 64


def integer(value, what, minimum=None, maximum=None, bits=64):
    """``value`` as a Python int that fits a signed ``bits``-bit C integer and lies in
    [minimum, maximum]. bools and non-integral numbers (1.5, NaN) are refused."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be an integer, got the bool {value}")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer, got {type(value).__name__} {value!r}") from None
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if minimum is not None and number < minimum:
        raise InvalidArgumentError(f"{what} must be >= {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise InvalidArgumentError(f"{what} must be <= {maximum}, got {number}")
    if not low <= number <= high:
        raise InvalidArgumentError(f"{what} is {number}, which does not fit a {bits}-bit integer")
    return number


def integers(values, what, minimum=None):
    """A list of 64-bit ints (see :func:`integer`), each named by its position in messages."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{what} must be a sequence of integers, got {type(values).__name__} {values!r}")
    return [integer(v, f"{what}[{i}]", minimum=minimum) for i, v in enumerate(values)]


def shape(size, what="size"):
    """The shape a factory was given, as ``zeros(2, 3)`` or ``zeros((2, 3))``: a tuple of
    non-negative ints (-1 is only meaningful to ``reshape``, so it is refused here)."""
    if len(size) == 1 and not isinstance(size[0], (str, bytes)) and hasattr(size[0], "__iter__"):
        size = tuple(size[0])
    if len(size) > MAX_RANK:
        raise InvalidArgumentError(f"{what} has {len(size)} dimensions, more than the {MAX_RANK} supported")
    dims = []
    for index, dim in enumerate(size):
        number = integer(dim, f"dimension {index} of {what} {tuple(size)!r}")
        if number < 0:
            raise InvalidArgumentError(f"dimension {index} of {what} {tuple(size)!r} is {number}; "
                                       "sizes must be >= 0 (only reshape infers a -1 dimension)")
        dims.append(number)
    return tuple(dims)


def check_size(dims, itemsize, what="a tensor"):
    """Raises OutOfMemoryError when ``dims`` of ``itemsize``-byte elements is above the process's
    cap on one allocation (``plexus.get_max_allocation_bytes()``)."""
    from ._lib import lib

    total = math.prod(dims) * itemsize
    cap = int(lib.plx_max_allocation_bytes())
    if total > cap:
        raise OutOfMemoryError(f"{what} of shape {tuple(dims)} needs {total} bytes, more than the cap of {cap} bytes on "
                               "one allocation (plexus.set_max_allocation_bytes)")


def name(value, what):
    """``value`` as UTF-8 bytes for a ``const char *``: a str (or bytes) without NUL bytes,
    which C would silently cut the name short at."""
    if isinstance(value, bytes):
        encoded = value
    elif isinstance(value, str):
        encoded = value.encode()
    else:
        raise TypeError(f"{what} must be a str, got {type(value).__name__} {value!r}")
    if b"\0" in encoded:
        raise InvalidArgumentError(f"{what} {value!r} contains a NUL character")
    return encoded


def finite(value, what):
    """``value`` as a finite float (NaN and ±inf refused)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be a number, got the bool {value}")
    try:
        number = float(value)
    except OverflowError:
        raise InvalidArgumentError(f"{what} is too large for a float, got {value!r}") from None
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a number, got {type(value).__name__} {value!r}") from None
    if not math.isfinite(number):
        raise InvalidArgumentError(f"{what} must be finite, got {number}")
    return number


def fill_value(value, dtype, what="fill value"):
    """``value`` checked to be representable in the numpy ``dtype`` it will fill: numpy would
    raise a bare OverflowError for an int out of an integer type's range, turn NaN or inf into
    an arbitrary integer, and round a finite float above a float type's range to inf."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b" or isinstance(value, (bool, np.bool_)):
        return value
    if dtype.kind in "iu":
        if isinstance(value, (float, np.floating)):
            if not math.isfinite(value):
                raise InvalidArgumentError(f"{what} {value} cannot be stored in {dtype.name}")
            if not float(value).is_integer():
                return value  # truncated as numpy and PyTorch do; the range is checked below
            value = int(value)
        try:
            number = operator.index(value)
        except TypeError:
            return value  # arrays and other types: numpy's own checks apply
        info = np.iinfo(dtype)
        if not info.min <= number <= info.max:
            raise InvalidArgumentError(f"{what} {number} does not fit {dtype.name} "
                                       f"(range {info.min} to {info.max})")
        return number
    if dtype.kind == "f":
        try:
            number = float(value)
        except OverflowError:
            raise InvalidArgumentError(f"{what} {value} is too large for {dtype.name}") from None
        except (TypeError, ValueError):
            return value
        if math.isfinite(number) and abs(number) > float(np.finfo(dtype).max):
            raise InvalidArgumentError(f"{what} {value} is too large for {dtype.name} "
                                       f"(largest {float(np.finfo(dtype).max)})")
    return value
