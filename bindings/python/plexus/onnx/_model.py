"""ONNX messages (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto,
AttributeProto) encoded and decoded with the wire format of ``_proto``. Field numbers are those of
``onnx.proto``."""
import dataclasses

import numpy as np

from . import _proto as pb

__all__ = ["Node", "encode_tensor", "encode_value_info", "encode_attribute", "encode_node", "encode_graph",
           "encode_model", "read_model", "parse_node", "rename_graph", "model_metadata", "IR_VERSIONS"]

# ModelProto
_M_IR, _M_PRODUCER, _M_PRODUCER_VERSION, _M_DOMAIN, _M_VERSION, _M_DOC, _M_GRAPH, _M_OPSET, _M_PROPS = 1, 2, 3, 4, 5, 6, 7, 8, 14
# GraphProto
_G_NODE, _G_NAME, _G_INIT, _G_DOC, _G_INPUT, _G_OUTPUT, _G_VALUE_INFO = 1, 2, 5, 10, 11, 12, 13
# NodeProto
_N_INPUT, _N_OUTPUT, _N_NAME, _N_OP, _N_ATTR, _N_DOMAIN = 1, 2, 3, 4, 5, 7
# AttributeProto
_A_NAME, _A_F, _A_I, _A_S, _A_T, _A_G, _A_FLOATS, _A_INTS, _A_STRINGS, _A_GRAPHS, _A_TYPE = 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 20
_FLOAT, _INT, _STRING, _TENSOR, _GRAPH, _FLOATS, _INTS, _STRINGS = 1, 2, 3, 4, 5, 6, 7, 8
# TensorProto
_T_DIMS, _T_TYPE, _T_STRING_DATA, _T_NAME, _T_RAW = 1, 2, 6, 8, 9

#: The IR version that goes with each opset (onnx's VERSION_TABLE).
IR_VERSIONS = {13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10, 23: 11, 24: 11}


@dataclasses.dataclass
class Node:
    """One graph node: op, domain, value names, node name and encoded AttributeProtos."""

    op_type: str
    domain: str
    inputs: list
    outputs: list
    name: str
    attributes: list  # encoded AttributeProto bytes


def encode_tensor(name, array, code):
    """A TensorProto named ``name`` holding ``array`` (plexus dtype ``code``) as raw data."""
    out = b"".join(pb.field_varint(_T_DIMS, d) for d in array.shape)
    out += pb.field_varint(_T_TYPE, code) + pb.field_string(_T_NAME, name)
    if code == 8:
        out += b"".join(pb.field_bytes(_T_STRING_DATA, str(v).encode()) for v in array.reshape(-1))
    else:
        out += pb.field_bytes(_T_RAW, np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes())
    return out


def encode_value_info(name, elem_type, dims):
    """A ValueInfoProto for a tensor: ``dims`` holds ints, str (symbolic) or None (unknown)."""
    shape = b""
    for dim in dims:
        if isinstance(dim, str):
            shape += pb.field_bytes(1, pb.field_string(2, dim))
        elif dim is None:
            shape += pb.field_bytes(1, b"")
        else:
            shape += pb.field_bytes(1, pb.field_varint(1, dim))
    tensor_type = pb.field_varint(1, elem_type) + pb.field_bytes(2, shape)
    return pb.field_string(1, name) + pb.field_bytes(2, pb.field_bytes(1, tensor_type))


def encode_attribute(name, value):
    """An AttributeProto from a Python value (int, float, str, lists of them, numpy arrays or
    plexus Tensors)."""
    from .._dtypes import DType, from_numpy_dtype

    out = pb.field_string(_A_NAME, name)
    if isinstance(value, DType):
        value = value.code
    elif hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        return out + pb.field_varint(_A_I, int(value)) + pb.field_varint(_A_TYPE, _INT)
    if isinstance(value, (float, np.floating)):
        return out + pb.field_fixed32(_A_F, float(value)) + pb.field_varint(_A_TYPE, _FLOAT)
    if isinstance(value, (str, bytes)):
        data = value.encode() if isinstance(value, str) else value
        return out + pb.field_bytes(_A_S, data) + pb.field_varint(_A_TYPE, _STRING)
    if isinstance(value, np.ndarray):
        return out + pb.field_bytes(_A_T, encode_tensor("", value, from_numpy_dtype(value.dtype).code)) + \
            pb.field_varint(_A_TYPE, _TENSOR)
    items = list(value)
    if items and all(isinstance(v, (str, bytes)) for v in items):
        body = b"".join(pb.field_bytes(_A_STRINGS, v.encode() if isinstance(v, str) else v) for v in items)
        return out + body + pb.field_varint(_A_TYPE, _STRINGS)
    if all(isinstance(v, (bool, int, np.integer)) for v in items):
        return out + b"".join(pb.field_varint(_A_INTS, int(v)) for v in items) + pb.field_varint(_A_TYPE, _INTS)
    return out + b"".join(pb.field_fixed32(_A_FLOATS, float(v)) for v in items) + pb.field_varint(_A_TYPE, _FLOATS)


def encode_node(node, rename=lambda name: name):
    """A NodeProto; ``rename`` maps every value name."""
    out = b"".join(pb.field_string(_N_INPUT, rename(n) if n else "") for n in node.inputs)
    out += b"".join(pb.field_string(_N_OUTPUT, rename(n) if n else "") for n in node.outputs)
    out += pb.field_string(_N_NAME, node.name) + pb.field_string(_N_OP, node.op_type)
    out += b"".join(pb.field_bytes(_N_ATTR, attribute) for attribute in node.attributes)
    if node.domain:
        out += pb.field_string(_N_DOMAIN, node.domain)
    return out


def encode_graph(name, nodes, initializers, inputs, outputs, rename=lambda value: value):
    """A GraphProto from Nodes, encoded TensorProtos and encoded ValueInfoProtos."""
    out = b"".join(pb.field_bytes(_G_NODE, encode_node(node, rename)) for node in nodes)
    out += pb.field_string(_G_NAME, name)
    out += b"".join(pb.field_bytes(_G_INIT, tensor) for tensor in initializers)
    out += b"".join(pb.field_bytes(_G_INPUT, value) for value in inputs)
    out += b"".join(pb.field_bytes(_G_OUTPUT, value) for value in outputs)
    return out


def encode_model(graph, opsets, ir_version, producer_version):
    """A ModelProto around an encoded graph; ``opsets`` maps domain to version."""
    out = pb.field_varint(_M_IR, ir_version) + pb.field_string(_M_PRODUCER, "plexus")
    out += pb.field_string(_M_PRODUCER_VERSION, producer_version)
    out += pb.field_bytes(_M_GRAPH, graph)
    for domain, version in sorted(opsets.items()):
        out += pb.field_bytes(_M_OPSET, (pb.field_string(1, domain) if domain else b"") + pb.field_varint(2, version))
    return out


def read_model(data):
    """The parts of a ModelProto the exporter needs: ``ir_version``, ``opsets`` (domain →
    version) and ``graph`` (the parsed GraphProto fields)."""
    fields = pb.parse(data)
    opsets = {}
    for entry in pb.all_of(fields, _M_OPSET):
        parsed = pb.parse(entry)
        opsets[pb.string(pb.first(parsed, 1))] = pb.first(parsed, 2, 1)
    return {"ir_version": pb.first(fields, _M_IR, 8), "opsets": opsets, "graph": pb.parse(pb.first(fields, _M_GRAPH, b""))}


def _rename_value_info(data, rename):
    return b"".join(pb.field_string(1, rename(pb.string(v))) if n == 1 else _reencode(n, w, v) for n, w, v in pb.parse(data))


def _rename_tensor(data, rename):
    return b"".join(pb.field_string(_T_NAME, rename(pb.string(v))) if n == _T_NAME else _reencode(n, w, v)
                    for n, w, v in pb.parse(data))


def _reencode(number, wire, value):
    if wire == pb.VARINT:
        return pb.key(number, wire) + pb.varint(value)
    if wire == pb.BYTES:
        return pb.field_bytes(number, value)
    if wire == pb.FIXED32:
        return pb.key(number, wire) + int(value).to_bytes(4, "little")
    return pb.key(number, wire) + int(value).to_bytes(8, "little")


def _rename_attribute(data, rename):
    out = b""
    for number, wire, value in pb.parse(data):
        if number == _A_G:
            out += pb.field_bytes(number, rename_graph(value, rename))
        elif number == _A_GRAPHS:
            out += pb.field_bytes(number, rename_graph(value, rename))
        else:
            out += _reencode(number, wire, value)
    return out


def parse_node(data, rename):
    """A Node from NodeProto bytes with every value name (also inside subgraphs) renamed."""
    fields = pb.parse(data)
    return Node(op_type=pb.string(pb.first(fields, _N_OP)), domain=pb.string(pb.first(fields, _N_DOMAIN)),
                inputs=[rename(pb.string(v)) if v else "" for v in pb.all_of(fields, _N_INPUT)],
                outputs=[rename(pb.string(v)) if v else "" for v in pb.all_of(fields, _N_OUTPUT)],
                name=pb.string(pb.first(fields, _N_NAME)),
                attributes=[_rename_attribute(a, rename) for a in pb.all_of(fields, _N_ATTR)])


def rename_graph(data, rename):
    """GraphProto bytes with every value name mapped by ``rename`` (recursively)."""
    out = b""
    for number, wire, value in pb.parse(data):
        if number == _G_NODE:
            node = parse_node(value, rename)
            out += pb.field_bytes(number, encode_node(node))
        elif number == _G_INIT:
            out += pb.field_bytes(number, _rename_tensor(value, rename))
        elif number in (_G_INPUT, _G_OUTPUT, _G_VALUE_INFO):
            out += pb.field_bytes(number, _rename_value_info(value, rename))
        else:
            out += _reencode(number, wire, value)
    return out


def tensor_name(data):
    """The name of a TensorProto."""
    return pb.string(pb.first(pb.parse(data), _T_NAME))


def value_info_name(data):
    """The name of a ValueInfoProto."""
    return pb.string(pb.first(pb.parse(data), 1))


def rename_tensor(data, rename):
    """TensorProto bytes renamed."""
    return _rename_tensor(data, rename)


def rename_value_info(data, rename):
    """ValueInfoProto bytes renamed."""
    return _rename_value_info(data, rename)


def model_metadata(data):
    """Metadata of a serialized model as onnxruntime's ModelMetadata fields."""
    fields = pb.parse(data)
    graph = pb.parse(pb.first(fields, _M_GRAPH, b""))
    custom = {}
    for entry in pb.all_of(fields, _M_PROPS):
        parsed = pb.parse(entry)
        custom[pb.string(pb.first(parsed, 1))] = pb.string(pb.first(parsed, 2))
    version = pb.first(fields, _M_VERSION)
    return {"producer_name": pb.string(pb.first(fields, _M_PRODUCER)), "graph_name": pb.string(pb.first(graph, _G_NAME)),
            "domain": pb.string(pb.first(fields, _M_DOMAIN)), "description": pb.string(pb.first(fields, _M_DOC)),
            "graph_description": pb.string(pb.first(graph, _G_DOC)),
            "version": version if version is not None else (1 << 63) - 1, "custom_metadata_map": custom}

