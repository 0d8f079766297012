"""``plexus.save`` / ``plexus.load``: state dicts as safetensors files, written and read in pure
Python (the format is an 8-byte header length, a JSON header and the raw little-endian data).
Files are interchangeable with the ``safetensors`` package and with ``plx_state_save`` /
``plx_state_load`` (and so with ``plexus train --save``)."""
import collections
import json
import os
import struct

import numpy as np

from . import _dtypes
from ._errors import DTypeMismatchError, InvalidArgumentError, PlexusIOError

__all__ = ["save", "load", "read_safetensors", "write_safetensors"]

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


def read_safetensors(path):
    """Reads a safetensors file: ({name: numpy array} in file order, metadata dict)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise PlexusIOError(f"cannot read '{path}': {error.strerror or error}") from error
    if len(data) < 8:
        raise InvalidArgumentError(f"'{path}' is not a safetensors file (too short)")
    (length,) = struct.unpack_from("<Q", data, 0)
    if 8 + length > len(data):
        raise InvalidArgumentError(f"'{path}' is not a safetensors file (bad header length)")
    try:
        header = json.loads(data[8:8 + length])
    except ValueError as error:
        raise InvalidArgumentError(f"'{path}' has a malformed safetensors header: {error}") from error
    metadata = header.pop("__metadata__", {}) or {}
    body = memoryview(data)[8 + length:]
    arrays = collections.OrderedDict()
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
        start, end = entry["data_offsets"]
        numpy_type = _numpy_type(entry["dtype"]).newbyteorder("<")
        array = np.frombuffer(body[start:end], dtype=numpy_type).reshape(entry["shape"])
        arrays[name] = array.astype(array.dtype.newbyteorder("="), copy=True)
    return arrays, metadata


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

