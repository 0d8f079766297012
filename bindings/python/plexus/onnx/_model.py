"""The metadata of a serialized ONNX model (``InferenceSession.get_modelmeta``), read from the
protobuf wire format directly: the C ABI has no metadata accessor yet, and the package needs no
protobuf or onnx dependency. Reading only — models are written by the C exporter. Field numbers
are those of ``onnx.proto``."""
import struct

__all__ = ["model_metadata"]

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5
# ModelProto: producer_name, domain, model_version, doc_string, graph, metadata_props;
# GraphProto: name, doc_string; StringStringEntryProto: key, value.
_M_PRODUCER, _M_DOMAIN, _M_VERSION, _M_DOC, _M_GRAPH, _M_PROPS = 2, 4, 5, 6, 7, 14
_G_NAME, _G_DOC = 2, 10


def _varint(data, position):
    result = shift = 0
    while True:
        if position >= len(data):
            raise ValueError("truncated protobuf varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift > 70:
            raise ValueError("malformed protobuf varint")


def _fields(data):
    """{field number: [values]} of one message: ints for varints and fixed fields, bytes for
    length-delimited ones."""
    data = bytes(data)
    fields = {}
    position = 0
    while position < len(data):
        tag, position = _varint(data, position)
        number, wire = tag >> 3, tag & 7
        if wire == _VARINT:
            value, position = _varint(data, position)
        elif wire in (_FIXED64, _FIXED32):
            size = 8 if wire == _FIXED64 else 4
            if position + size > len(data):
                raise ValueError("truncated protobuf fixed-width field")
            value = struct.unpack_from("<Q" if size == 8 else "<I", data, position)[0]
            position += size
        elif wire == _BYTES:
            length, position = _varint(data, position)
            value = data[position:position + length]
            if len(value) != length:
                raise ValueError("truncated protobuf field")
            position += length
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def _string(fields, number):
    values = fields.get(number)
    return values[0].decode("utf-8", "replace") if values else ""


def model_metadata(data):
    """Metadata of a serialized model as onnxruntime's ModelMetadata fields."""
    fields = _fields(data)
    graph = _fields(fields.get(_M_GRAPH, [b""])[0])
    custom = {}
    for entry in fields.get(_M_PROPS, []):
        parsed = _fields(entry)
        custom[_string(parsed, 1)] = _string(parsed, 2)
    version = fields.get(_M_VERSION, [None])[0]
    return {"producer_name": _string(fields, _M_PRODUCER), "graph_name": _string(graph, _G_NAME),
            "domain": _string(fields, _M_DOMAIN), "description": _string(fields, _M_DOC),
            "graph_description": _string(graph, _G_DOC),
            "version": version if version is not None else (1 << 63) - 1, "custom_metadata_map": custom}
