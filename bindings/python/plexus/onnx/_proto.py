"""The protobuf wire format, just enough to read and write ONNX models without the protobuf
or onnx packages: varints, fixed32/64 and length-delimited fields."""
import struct

__all__ = ["VARINT", "FIXED64", "BYTES", "FIXED32", "parse", "varint", "key", "field_varint", "field_bytes",
           "field_string", "field_fixed32", "first", "all_of", "string"]

VARINT, FIXED64, BYTES, FIXED32 = 0, 1, 2, 5


def _read_varint(data, position):
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


def parse(data):
    """The fields of one message as a list of ``(number, wire_type, value)``: ints for varints and
    fixed fields, bytes (a memoryview slice copied to bytes) for length-delimited ones."""
    data = bytes(data)
    fields = []
    position = 0
    while position < len(data):
        tag, position = _read_varint(data, position)
        number, wire = tag >> 3, tag & 7
        if wire == VARINT:
            value, position = _read_varint(data, position)
        elif wire in (FIXED64, FIXED32):
            size = 8 if wire == FIXED64 else 4
            if position + size > len(data):
                raise ValueError("truncated protobuf fixed-width field")
            value = struct.unpack_from("<Q" if size == 8 else "<I", data, position)[0]
            position += size
        elif wire == BYTES:
            length, position = _read_varint(data, position)
            value = data[position:position + length]
            if len(value) != length:
                raise ValueError("truncated protobuf field")
            position += length
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        fields.append((number, wire, value))
    return fields


def varint(value):
    """``value`` (negative ints as 64-bit two's complement) as a varint."""
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(number, wire):
    """The tag of field ``number`` with ``wire`` type."""
    return varint((number << 3) | wire)


def field_varint(number, value):
    """An int field."""
    return key(number, VARINT) + varint(int(value))


def field_bytes(number, value):
    """A length-delimited field (bytes or an encoded message)."""
    value = bytes(value)
    return key(number, BYTES) + varint(len(value)) + value


def field_string(number, text):
    """A UTF-8 string field."""
    return field_bytes(number, text.encode())


def field_fixed32(number, value):
    """A float field (fixed32)."""
    return key(number, FIXED32) + struct.pack("<f", value)


def first(fields, number, default=None):
    """The last value of field ``number`` (protobuf's rule for scalars), or ``default``."""
    found = default
    for field_number, _, value in fields:
        if field_number == number:
            found = value
    return found


def all_of(fields, number):
    """Every value of a repeated field, in order."""
    return [value for field_number, _, value in fields if field_number == number]


def string(value, default=""):
    """A bytes field value decoded as UTF-8."""
    return default if value is None else bytes(value).decode("utf-8", "replace")
