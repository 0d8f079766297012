"""``plexus.save`` / ``plexus.load``: state dicts as safetensors files, written and read in pure
Python (the format is an 8-byte header length, a JSON header and the raw little-endian data).
Files are interchangeable with the ``safetensors`` package and with ``plx_state_save`` /
``plx_state_load`` (and so with ``plexus train --save``)."""
import collections
import json
import math
import os
import struct

import numpy as np

from . import _dtypes
from ._errors import DTypeMismatchError, InvalidArgumentError, PlexusIOError
from ._files import read_regular_file

__all__ = ["save", "load", "read_safetensors", "parse_safetensors", "write_safetensors"]

_CODES = {"F32": "float32", "F64": "float64", "F16": "float16", "BF16": "bfloat16", "I64": "int64", "I32": "int32",
          "I16": "int16", "I8": "int8", "U8": "uint8", "U16": "uint16", "U32": "uint32", "U64": "uint64", "BOOL": "bool"}
_NAMES = {name: code for code, name in _CODES.items()}


def _numpy_type(code):
    try:
        kind = _dtypes.dtype(_CODES[code])
    except KeyError:
        raise DTypeMismatchError(f"safetensors dtype {code} is not supported") from None
    if kind.numpy is None:
        raise DTypeMismatchError("bfloat16 tensors need the ml_dtypes package")
    return kind.numpy


def write_safetensors(path, arrays, metadata=None):
    """Writes ``arrays`` ({name: numpy array}) to ``path``; ``metadata`` is {str: str}."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    ordered = sorted(arrays.items(), key=lambda item: (-np.asarray(item[1]).dtype.itemsize, item[0]))
    offset = 0
    chunks = []
    for name, array in ordered:
        array = np.asarray(array)
        kind = _dtypes.from_numpy_dtype(array.dtype)
        if kind.name not in _NAMES:
            raise DTypeMismatchError(f"'{name}': {kind.name} tensors cannot be stored in safetensors")
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _NAMES[kind.name], "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    try:
        with open(path, "wb") as handle:
            handle.write(struct.pack("<Q", len(text)))
            handle.write(text)
            for chunk in chunks:
                handle.write(chunk)
    except OSError as error:
        raise PlexusIOError(f"cannot write '{path}': {error.strerror or error}") from error


#: The largest header accepted (as the reference implementation and the C side).
MAX_HEADER_LENGTH = 100_000_000
_LARGEST_EXACT = 2 ** 53  # JSON numbers are doubles: above this, integers are not exact


def _malformed(path, message):
    return InvalidArgumentError(f"'{path}': malformed safetensors header: {message}")


def _unique_object(pairs):
    """json object hook that refuses a repeated key (json.loads would keep the last one)."""
    result = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _DuplicateKey(Exception):
    pass


def _header_integer(path, value, what):
    """A non-negative integer from the header, with the C side's rule: JSON numbers are
    doubles, so an integral number in [0, 2**53] (``4`` or ``4.0``) and nothing else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _malformed(path, f"{what} is {value!r}, not a number")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise _malformed(path, f"{what} is {value!r}, not an integer")
    if not 0 <= value <= _LARGEST_EXACT:
        raise _malformed(path, f"{what} is {value!r}, not an integer in [0, 2^53]")
    return int(value)


def parse_safetensors(data, path="safetensors data"):
    """Parses the bytes of a safetensors file: ({name: numpy array} in data order, metadata).

    Validates everything the C loader validates and with the same rules, raising
    InvalidArgumentError (a ValueError) for a malformed header: bad lengths, a non-object header,
    a missing or wrong-typed field, a shape or offset that is not a non-negative integer, offsets
    outside the data or not matching the shape, duplicate names, overlapping data regions.
    """
    if len(data) < 8:
        raise InvalidArgumentError(f"'{path}' is not a safetensors file ({len(data)} bytes, shorter than the 8-byte header length)")
    (length,) = struct.unpack_from("<Q", data, 0)
    if length > MAX_HEADER_LENGTH:
        raise _malformed(path, f"header length {length} is larger than the {MAX_HEADER_LENGTH} bytes allowed")
    if 8 + length > len(data):
        raise _malformed(path, f"header length {length} is past the end of the file ({len(data)} bytes)")
    try:
        header = json.loads(bytes(data[8:8 + length]), object_pairs_hook=_unique_object)
    except _DuplicateKey as duplicate:
        raise _malformed(path, f"the header names {duplicate.args[0]!r} more than once") from None
    except RecursionError:
        raise _malformed(path, "the header is nested too deeply") from None
    except ValueError as error:  # json.JSONDecodeError and UnicodeDecodeError
        raise _malformed(path, str(error)) from None
    if not isinstance(header, dict):
        raise _malformed(path, f"the header is a JSON {type(header).__name__}, not an object")
    metadata = header.pop("__metadata__", None)
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise _malformed(path, "__metadata__ must be an object of strings")
    body = memoryview(data)[8 + length:]
    entries = []
    for name, entry in header.items():
        if not isinstance(entry, dict):
            raise _malformed(path, f"the entry of {name!r} is not an object")
        code, dims, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if not isinstance(code, str):
            raise _malformed(path, f"{name!r} has no dtype string")
        if not isinstance(dims, list):
            raise _malformed(path, f"{name!r} has no shape list")
        if not isinstance(offsets, list) or len(offsets) != 2:
            raise _malformed(path, f"{name!r} has no data_offsets pair")
        try:
            numpy_type = _numpy_type(code).newbyteorder("<")
        except DTypeMismatchError as error:
            raise DTypeMismatchError(f"'{path}': {name!r}: {error}") from None
        shape = [_header_integer(path, dim, f"a dimension of the shape of {name!r}") for dim in dims]
        begin = _header_integer(path, offsets[0], f"the start offset of {name!r}")
        end = _header_integer(path, offsets[1], f"the end offset of {name!r}")
        if not begin <= end <= len(body):
            raise _malformed(path, f"data_offsets [{begin}, {end}] of {name!r} are not inside the data section ({len(body)} bytes)")
        size = math.prod(shape) * numpy_type.itemsize
        if end - begin != size:
            raise _malformed(path, f"data_offsets [{begin}, {end}] of {name!r} hold {end - begin} bytes, but its shape "
                                   f"{shape} of {code} needs {size}")
        entries.append((begin, end, name, numpy_type, shape))
    entries.sort(key=lambda item: item[:2])
    regions = [item for item in entries if item[1] > item[0]]
    for previous, following in zip(regions, regions[1:]):
        if following[0] < previous[1]:
            raise _malformed(path, f"the data of {previous[2]!r} [{previous[0]}, {previous[1]}] and {following[2]!r} "
                                   f"[{following[0]}, {following[1]}] overlap")
    arrays = collections.OrderedDict()
    for begin, end, name, numpy_type, shape in entries:
        array = np.frombuffer(body[begin:end], dtype=numpy_type).reshape(shape)
        arrays[name] = array.astype(array.dtype.newbyteorder("="), copy=True)
    return arrays, metadata


def read_safetensors(path):
    """Reads a safetensors file: ({name: numpy array} in data order, metadata dict).

    The file is read as the C loader reads it (a regular file only, its size checked against
    the allocation cap) and parsed by :func:`parse_safetensors`."""
    return parse_safetensors(read_regular_file(path), path)


def save(obj, path, metadata=None):
    """Saves a Module's state dict, or a dict of name → Tensor / numpy array, as safetensors."""
    from .nn.modules.module import Module

    state = obj.state_dict() if isinstance(obj, Module) else obj
    if not isinstance(state, dict):
        raise InvalidArgumentError(f"save expects a Module or a dict of tensors, got {type(obj).__name__}")
    arrays = {}
    for name, value in state.items():
        arrays[str(name)] = value.numpy() if hasattr(value, "numpy") and not isinstance(value, np.ndarray) else np.asarray(value)
    write_safetensors(os.fspath(path), arrays, {"producer": "plexus", **(metadata or {})})


def load(path):
    """Loads a safetensors file as an ordered dict of name → Tensor (pass it to
    ``Module.load_state_dict``)."""
    from .tensor import from_numpy

    arrays, _ = read_safetensors(os.fspath(path))
    return collections.OrderedDict((name, from_numpy(array)) for name, array in arrays.items())

