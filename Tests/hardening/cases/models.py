"""Malformed ONNX models: structural rules (SSA names, declared types, arity, attribute types,
opset and IR versions), impossible initializers (huge/negative dims, payloads that do not match),
deep or long graphs, and byte-level mutations of valid models. Each is loaded with
plx_session_create and, when it loads, run on small made-up feeds.

`expect="error"` where the ONNX rules (and onnxruntime) refuse the model; `ref="ort"` with
ort_refusal_matters where accepting what onnxruntime refuses is the bug the issue reports."""
import os
import random

import numpy as np
import onnx
from onnx import TensorProto, helper

from . import common, sessions

F = TensorProto.FLOAT
I64 = TensorProto.INT64


def _model(nodes, inputs, outputs, initializers=(), opset=17, ir=8, functions=(), opsets=None, value_info=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers), value_info=list(value_info))
    imports = opsets if opsets is not None else [helper.make_opsetid("", opset)]
    model = helper.make_model(graph, opset_imports=imports, functions=list(functions))
    model.ir_version = ir
    return model


def _vi(name, elem=F, shape=(2, 3)):
    return helper.make_tensor_value_info(name, elem, list(shape) if shape is not None else None)


def _relu_model(**kw):
    return _model([helper.make_node("Relu", ["X"], ["Y"])], [_vi("X")], [_vi("Y")], **kw)


def _raw_tensor(name, dims, data_type=F, raw=b"\0" * 24, field=None, values=()):
    t = TensorProto()
    t.name = name
    t.data_type = data_type
    t.dims.extend(dims)
    if field:
        getattr(t, field).extend([b"1"] * len(values) if field == "string_data" else values)
    elif raw is not None:
        t.raw_data = raw
    return t


def _add_initializer_model(tensor, shape=(2, 3)):
    """Y = X + W with W the given initializer."""
    return _model([helper.make_node("Add", ["X", tensor.name], ["Y"])], [_vi("X", shape=shape)], [_vi("Y", shape=None)],
                  initializers=[tensor])


# ------------------------------------------------------------------------------------------------
# Recipes: name -> function(**params) -> ModelProto or bytes


def r_initializer(dims, data_type=F, raw_len=24, field=None, count=0):
    raw = None if field else b"\x01" * raw_len
    values = [1] * count if field else ()
    return _add_initializer_model(_raw_tensor("W", dims, data_type, raw, field, values), shape=(2, 3))


def r_ssa(variant):
    x, y = _vi("X"), _vi("Y")
    relu = helper.make_node
    w = _raw_tensor("W", [2, 3], raw=np.ones(6, np.float32).tobytes())
    if variant == "duplicate-node-output":
        return _model([relu("Relu", ["X"], ["T"]), relu("Neg", ["X"], ["T"]), relu("Relu", ["T"], ["Y"])], [x], [y])
    if variant == "output-shadows-input":
        return _model([relu("Relu", ["X"], ["X"]), relu("Relu", ["X"], ["Y"])], [x], [y])
    if variant == "output-shadows-initializer":
        return _model([relu("Relu", ["X"], ["W"]), relu("Add", ["W", "X"], ["Y"])], [x], [y], initializers=[w])
    if variant == "duplicate-initializer":
        w2 = _raw_tensor("W", [2, 3], raw=np.full(6, 2, np.float32).tobytes())
        return _model([relu("Add", ["X", "W"], ["Y"])], [x], [y], initializers=[w, w2])
    if variant == "duplicate-input":
        return _model([relu("Relu", ["X"], ["Y"])], [x, _vi("X")], [y])
    if variant == "undefined-input":
        return _model([relu("Add", ["X", "Nope"], ["Y"])], [x], [y])
    if variant == "output-not-produced":
        return _model([relu("Relu", ["X"], ["T"])], [x], [y])
    if variant == "cycle":
        return _model([relu("Add", ["X", "B"], ["A"]), relu("Relu", ["A"], ["B"]), relu("Relu", ["B"], ["Y"])], [x], [y])
    if variant == "self-loop":
        return _model([relu("Add", ["X", "T"], ["T"]), relu("Relu", ["T"], ["Y"])], [x], [y])
    if variant == "empty-output-name":
        return _model([relu("Relu", ["X"], [""]), relu("Relu", ["X"], ["Y"])], [x], [y])
    if variant == "empty-input-name-required":
        return _model([relu("Relu", [""], ["Y"])], [x], [y])
    if variant == "duplicate-graph-output":
        return _model([relu("Relu", ["X"], ["Y"])], [x], [y, _vi("Y")])
    if variant == "input-is-also-initializer-twice":
        return _model([relu("Add", ["X", "W"], ["Y"])], [x, _vi("W"), _vi("W")], [y], initializers=[w])
    if variant == "no-outputs":
        return _model([relu("Relu", ["X"], ["Y"])], [x], [])
    if variant == "unused-node-output-undefined-input":
        return _model([relu("Relu", ["X"], ["Y"]), relu("Relu", ["Missing"], ["Z"])], [x], [y])
    raise KeyError(variant)


def r_opset(opset=None, ir=8, domain_imports=None):
    if domain_imports is not None:
        return _relu_model(opsets=[helper.make_opsetid(d, v) for d, v in domain_imports], ir=ir)
    return _relu_model(opset=opset, ir=ir)


def r_arity(op, n_inputs, n_outputs=1, attrs=None):
    names = ["X", "B", "C", "D", "E", "F", "G", "H", "I", "J"][:n_inputs]
    inputs = [_vi(n) for n in names]
    outs = [f"Y{i}" if i else "Y" for i in range(n_outputs)]
    node = helper.make_node(op, names, outs, **(attrs or {}))
    return _model([node], inputs, [_vi(o, shape=None) for o in outs])


def r_attribute(op, attr, kind, value, inputs=1, shape=(1, 2, 4, 4), extra=None):
    names = ["X", "W", "B"][:inputs]
    node = helper.make_node(op, names, ["Y"], **(extra or {}))
    a = onnx.AttributeProto()
    a.name = attr
    if kind == "int":
        a.type, a.i = onnx.AttributeProto.INT, value
    elif kind == "float":
        a.type, a.f = onnx.AttributeProto.FLOAT, value
    elif kind == "ints":
        a.type = onnx.AttributeProto.INTS
        a.ints.extend(value)
    elif kind == "floats":
        a.type = onnx.AttributeProto.FLOATS
        a.floats.extend(value)
    elif kind == "string":
        a.type, a.s = onnx.AttributeProto.STRING, value.encode()
    elif kind == "untyped-int":  # the type field says nothing
        a.i = value
    elif kind == "mismatched":  # says FLOAT, carries ints
        a.type = onnx.AttributeProto.FLOAT
        a.ints.extend(value)
    node.attribute.append(a)
    shapes = {"X": shape, "W": (2, shape[1], 3, 3) if len(shape) == 4 else shape, "B": (2,) if len(shape) == 4 else shape}
    return _model([node], [_vi(n, shape=shapes[n]) for n in names], [_vi("Y", shape=None)])


def r_fused_arity(follower):
    """Conv followed by an op given more inputs than it takes (rewrites see it before validation)."""
    w = _raw_tensor("W", [2, 2, 3, 3], raw=np.ones(36, np.float32).tobytes())
    extra = [_raw_tensor(n, [2], raw=np.ones(2, np.float32).tobytes()) for n in ("S", "B", "M", "V", "Z")]
    nodes = [helper.make_node("Conv", ["X", "W"], ["C"], pads=[1, 1, 1, 1]),
             helper.make_node(follower, ["C", "S", "B", "M", "V", "Z"], ["Y"])]
    return _model(nodes, [_vi("X", shape=(1, 2, 4, 4))], [_vi("Y", shape=None)], initializers=[w, *extra])


def r_duplicate_attribute():
    node = helper.make_node("LeakyRelu", ["X"], ["Y"], alpha=0.1)
    node.attribute.append(helper.make_attribute("alpha", 0.5))
    return _model([node], [_vi("X")], [_vi("Y")])


def r_declared_output(elem, shape):
    return _model([helper.make_node("Relu", ["X"], ["Y"])], [_vi("X")], [_vi("Y", elem, shape)])


def r_untyped_input(variant):
    node = helper.make_node("Relu", ["X"], ["Y"])
    if variant == "no-type":
        x = onnx.ValueInfoProto()
        x.name = "X"
    elif variant == "sequence":
        x = helper.make_tensor_sequence_value_info("X", F, [2, 3])
    elif variant == "elem-undefined":
        x = _vi("X", TensorProto.UNDEFINED)
    elif variant == "elem-999":
        x = _vi("X")
        x.type.tensor_type.elem_type = 999
    elif variant == "negative-dim":
        x = _vi("X", shape=(-5, 3))
    elif variant == "huge-dim":
        x = _vi("X", shape=(2 ** 62, 3))
    else:
        raise KeyError(variant)
    return _model([node], [x], [_vi("Y", shape=None)])


def r_identity_chain(length):
    nodes = [helper.make_node("Identity", [f"t{i}" if i else "X"], [f"t{i + 1}" if i + 1 < length else "Y"])
             for i in range(length)]
    return _model(nodes, [_vi("X")], [_vi("Y")])


def r_relu_chain(length):
    nodes = [helper.make_node("Relu", [f"t{i}" if i else "X"], [f"t{i + 1}" if i + 1 < length else "Y"])
             for i in range(length)]
    return _model(nodes, [_vi("X")], [_vi("Y")])


def r_wide(count):
    nodes = [helper.make_node("Relu", ["X"], [f"o{i}"]) for i in range(count)]
    nodes.append(helper.make_node("Sum", [f"o{i}" for i in range(count)], ["Y"]))
    return _model(nodes, [_vi("X")], [_vi("Y")])


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number, payload):
    """A length-delimited protobuf field (payload bytes) or a varint field (int)."""
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    if isinstance(payload, str):
        payload = payload.encode()
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def r_nested_if(depth):
    """If nodes nested `depth` deep (recursion in parsing, validation and planning), written as
    protobuf bytes directly: the Python protobuf runtime refuses to build such depths."""
    relu = _field(1, "X") + _field(2, "Y0") + _field(4, "Relu")
    graph = _field(1, relu) + _field(2, "b0") + _field(12, _field(1, "Y0"))
    for level in range(1, depth + 1):
        plain = _field(1, _field(1, "X") + _field(2, f"E{level}") + _field(4, "Relu")) + _field(12, _field(1, f"E{level}"))
        then_attribute = _field(1, "then_branch") + _field(6, graph) + _field(20, 5)
        else_attribute = _field(1, "else_branch") + _field(6, plain) + _field(20, 5)
        node = _field(1, "C") + _field(2, f"Y{level}") + _field(4, "If") + _field(5, then_attribute) + _field(5, else_attribute)
        graph = _field(1, node) + _field(2, f"b{level}") + _field(12, _field(1, f"Y{level}"))
    inputs = _field(11, _vi("C", TensorProto.BOOL, ()).SerializeToString()) + _field(11, _vi("X").SerializeToString())
    graph += inputs
    return _field(1, 8) + _field(8, _field(1, "") + _field(2, 17)) + _field(7, graph)


def r_recursive_function(variant):
    """A model-local function that calls itself (directly or through another)."""
    if variant == "self":
        body = [helper.make_node("F", ["x"], ["y"], domain="local")]
        fns = [helper.make_function("local", "F", ["x"], ["y"], body, [helper.make_opsetid("", 17),
                                                                         helper.make_opsetid("local", 1)])]
    else:
        fns = [helper.make_function("local", "F", ["x"], ["y"], [helper.make_node("G", ["x"], ["y"], domain="local")],
                                    [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)]),
               helper.make_function("local", "G", ["x"], ["y"], [helper.make_node("F", ["x"], ["y"], domain="local")],
                                    [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])]
    node = helper.make_node("F", ["X"], ["Y"], domain="local")
    return _model([node], [_vi("X")], [_vi("Y")], functions=fns,
                  opsets=[helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])


def r_function_arity():
    body = [helper.make_node("Add", ["a", "b"], ["y"])]
    fn = helper.make_function("local", "F", ["a", "b"], ["y"], body, [helper.make_opsetid("", 17)])
    node = helper.make_node("F", ["X"], ["Y"], domain="local")
    return _model([node], [_vi("X")], [_vi("Y")], functions=[fn],
                  opsets=[helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])


def r_many_inputs(count):
    inputs = [_vi(f"X{i}", shape=(1,)) for i in range(count)]
    return _model([helper.make_node("Sum", [f"X{i}" for i in range(count)], ["Y"])], inputs, [_vi("Y", shape=None)])


def r_sparse_initializer():
    model = _add_initializer_model(_raw_tensor("W", [2, 3], raw=np.ones(6, np.float32).tobytes()))
    values = _raw_tensor("W2", [1], raw=np.ones(1, np.float32).tobytes())
    indices = _raw_tensor("W2i", [1], I64, raw=np.array([2 ** 40], np.int64).tobytes())
    sparse = helper.make_sparse_tensor(values, indices, [2, 3])
    model.graph.sparse_initializer.append(sparse)
    return model


def r_string_initializer(count, dims):
    t = TensorProto()
    t.name, t.data_type = "W", TensorProto.STRING
    t.dims.extend(dims)
    t.string_data.extend([b"x"] * count)
    return _model([helper.make_node("Identity", ["W"], ["Y"])], [], [helper.make_tensor_value_info("Y", TensorProto.STRING, None)],
                  initializers=[t])


def r_valid():
    return _add_initializer_model(_raw_tensor("W", [2, 3], raw=np.arange(6, dtype=np.float32).tobytes()))


RECIPES = {k[2:]: v for k, v in globals().items() if k.startswith("r_")}


def _valid_seed_models():
    """Valid models whose bytes the mutations start from."""
    seeds = [r_valid(), r_relu_chain(4), _model([helper.make_node("Conv", ["X", "W"], ["Y"], pads=[1, 1, 1, 1])],
                                               [_vi("X", shape=(1, 2, 5, 5))], [_vi("Y", shape=None)],
                                               initializers=[_raw_tensor("W", [3, 2, 3, 3],
                                                                         raw=np.ones(54, np.float32).tobytes())]),
             _model([helper.make_node("Reshape", ["X", "S"], ["Y"])], [_vi("X")], [_vi("Y", shape=None)],
                    initializers=[_raw_tensor("S", [2], I64, raw=np.array([3, 2], np.int64).tobytes())]),
             _model([helper.make_node("Gemm", ["X", "W", "B"], ["Y"], transB=1)], [_vi("X")], [_vi("Y", shape=None)],
                    initializers=[_raw_tensor("W", [4, 3], raw=np.ones(12, np.float32).tobytes()),
                                  _raw_tensor("B", [4], raw=np.ones(4, np.float32).tobytes())])]
    fixtures = common.ROOT / "Tests" / "fixtures"
    for name in ("affine_relu.onnx",):
        if (fixtures / name).exists():
            seeds.append((fixtures / name).read_bytes())
    return [s if isinstance(s, bytes) else s.SerializeToString() for s in seeds]


def mutate(data, seed):
    """A byte-level mutation of `data`, chosen by `seed`."""
    rng = random.Random(seed)
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 3, 8])):
        how = rng.randrange(7)
        at = rng.randrange(len(data)) if data else 0
        if how == 0 and data:  # flip bits
            data[at] ^= 1 << rng.randrange(8)
        elif how == 1 and data:  # an interesting byte
            data[at] = rng.choice([0x00, 0x01, 0x7F, 0x80, 0xFF, 0x08, 0x10, 0x12, 0x1A, 0x22, 0x3A, 0x42])
        elif how == 2:  # truncate
            del data[rng.randrange(1, max(len(data), 2)):]
        elif how == 3:  # a huge varint
            data[at:at] = bytes([0xFF] * rng.randrange(1, 10) + [0x01])
        elif how == 4 and data:  # duplicate a slice
            end = min(len(data), at + rng.randrange(1, 64))
            data[at:at] = data[at:end]
        elif how == 5 and data:  # delete a slice
            del data[at:at + rng.randrange(1, 16)]
        else:  # a length-delimited field of random size claimed at random
            data[at:at] = bytes([rng.choice([0x0A, 0x12, 0x1A, 0x3A, 0x42, 0x52]), 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
    return bytes(data)


# ------------------------------------------------------------------------------------------------


def setup(args, folder):
    special = args.get("special")
    if special:
        path = os.path.join(folder, "model.onnx")
        if special in ("/dev/zero", "/dev/urandom", "/proc/self/mem", "/etc/passwd"):
            os.symlink(special, path)
        elif special == "fifo":
            os.mkfifo(path)
        elif special == "directory":
            os.mkdir(path)
        elif special == "empty":
            open(path, "wb").close()
        elif special == "one-byte":
            with open(path, "wb") as f:
                f.write(b"\x08")
        return
    if "recipe" in args:
        sessions.write_model(RECIPES[args["recipe"]](**args.get("params", {})), folder)
    else:
        seeds = _valid_seed_models()
        sessions.write_model(mutate(seeds[args["seed_model"] % len(seeds)], args["mutation"]), folder)


def _c(group, detail, recipe, params=None, expect="any", ort=False, matters=False, **extra):
    args = {"recipe": recipe, "params": params or {}, "model": "model.onnx", **extra}
    if matters:
        args["ort_refusal_matters"] = True
    return common.case("models", group, detail, run="sessions.session", setup="models.setup", args=args, expect=expect,
                       ref="ort" if ort else None)


def generate(rng):
    cases = [_c("control", "valid", "valid", ort=True, matters=True)]
    # Initializers whose dims promise more than the payload holds, or cannot be sized.
    for dims in ([2 ** 40], [2 ** 62], [2 ** 31, 2 ** 31], [2 ** 32, 2 ** 32, 4], [common.INT64_MAX], [-1], [-5, 3],
                 [common.INT64_MIN], [2 ** 62, 0], [0, 2 ** 62], [3, 2], [1] * 65, [2] * 64, [2, 3, 0]):
        for data_type in (F, TensorProto.DOUBLE, TensorProto.INT64, TensorProto.BOOL, TensorProto.FLOAT16,
                          TensorProto.INT4, TensorProto.STRING):
            name = f"dims={'x'.join(map(str, dims[:3]))}{'...' if len(dims) > 3 else ''}-r{len(dims)}-t{data_type}"
            expect = "any" if dims in ([2 ** 62, 0], [0, 2 ** 62], [2, 3, 0]) else "error"
            cases.append(_c("initializer-dims", name, "initializer", {"dims": dims, "data_type": data_type},
                            expect=expect))
    for raw_len in (0, 1, 23, 25, 4096):
        cases.append(_c("initializer-payload", f"raw={raw_len}", "initializer", {"dims": [2, 3], "raw_len": raw_len},
                        expect="error"))
    for field, count, data_type in (("float_data", 5, F), ("float_data", 7, F), ("int64_data", 6, F),
                                    ("int32_data", 6, TensorProto.INT64), ("float_data", 0, F),
                                    ("double_data", 6, TensorProto.DOUBLE), ("double_data", 2, TensorProto.DOUBLE),
                                    ("int32_data", 2 ** 16, TensorProto.INT32), ("string_data", 6, F)):
        cases.append(_c("initializer-payload", f"{field}-{count}-t{data_type}", "initializer",
                        {"dims": [2, 3], "data_type": data_type, "field": field, "count": count},
                        expect="any" if (field, count) in (("double_data", 6), ("float_data", 6)) else "error"))
    for data_type in (0, 8, 14, 15, 27, 99, 2 ** 30, -1):
        cases.append(_c("initializer-type", f"type={data_type}", "initializer", {"dims": [2, 3], "data_type": data_type},
                        expect="error"))
    for count, dims in ((5, [6]), (2 ** 12, [2 ** 40]), (1, [-1])):
        cases.append(_c("initializer-strings", f"{count}-{dims}", "string_initializer", {"count": count, "dims": dims},
                        expect="error"))
    for variant in ("duplicate-node-output", "output-shadows-input", "output-shadows-initializer", "duplicate-initializer",
                    "duplicate-input", "undefined-input", "output-not-produced", "cycle", "self-loop",
                    "empty-output-name", "empty-input-name-required", "duplicate-graph-output",
                    "input-is-also-initializer-twice", "unused-node-output-undefined-input"):
        cases.append(_c("ssa", variant, "ssa", {"variant": variant}, expect="error", ort=True, matters=True))
    cases.append(_c("ssa", "no-outputs", "ssa", {"variant": "no-outputs"}, ort=True))
    for opset in (0, -1, 1, 2 ** 40, 2 ** 31, 99, -(2 ** 63)):
        cases.append(_c("opset", f"opset={opset}", "opset", {"opset": opset}, expect="error" if opset != 1 else "any",
                        ort=True, matters=opset not in (1, 99)))
    for ir in (0, -1, 99, 2 ** 40, 2):
        cases.append(_c("ir-version", f"ir={ir}", "opset", {"opset": 17, "ir": ir}, expect="error" if ir != 2 else "any",
                        ort=True, matters=ir != 2))
    for name, imports in (("no-default-domain", [("com.example", 1)]), ("duplicate-default", [("", 17), ("", 9)]),
                          ("empty", []), ("unknown-domain", [("", 17), ("com.example", 3)])):
        cases.append(_c("opset", name, "opset", {"domain_imports": imports}, expect="error" if name != "unknown-domain" else "any",
                        ort=True, matters=name in ("no-default-domain", "empty")))
    arity = [("Relu", 0, 1), ("Relu", 2, 1), ("Relu", 1, 2), ("Add", 1, 1), ("Add", 3, 1), ("Gemm", 1, 1),
             ("Gemm", 4, 1), ("Conv", 0, 1), ("Conv", 1, 1), ("Conv", 4, 1), ("MatMul", 3, 1), ("Concat", 0, 1),
             ("Split", 1, 0), ("Where", 2, 1), ("Clip", 4, 1), ("LayerNormalization", 1, 1), ("Identity", 1, 3),
             ("Sum", 0, 1), ("Max", 0, 1), ("Slice", 1, 1), ("Reshape", 1, 1), ("Expand", 1, 1), ("Pad", 1, 1),
             ("Resize", 0, 1), ("BatchNormalization", 2, 1), ("LSTM", 2, 1), ("Gather", 1, 1), ("Dropout", 4, 1),
             ("TopK", 1, 1), ("", 1, 1), ("NoSuchOp", 1, 1)]
    for op, n_in, n_out in arity:
        cases.append(_c("arity", f"{op or 'empty-op'}-in{n_in}-out{n_out}", "arity", {"op": op, "n_inputs": n_in,
                                                                                       "n_outputs": n_out},
                        expect="error", ort=True, matters=True))
    # The issue: an op with too many inputs when a rewrite (Conv+Relu fusion, Identity elimination) runs first.
    for follower in ("Relu", "Identity", "Dropout", "BatchNormalization"):
        cases.append(_c("arity", f"{follower}-too-many-inputs-after-conv", "fused_arity", {"follower": follower},
                        expect="error", ort=True, matters=True))
    attributes = [
        ("Conv", "strides", "ints", [0, 0]), ("Conv", "strides", "ints", [-1, -1]), ("Conv", "strides", "ints", [2 ** 62, 1]),
        ("Conv", "strides", "float", 1.5), ("Conv", "strides", "string", "2"), ("Conv", "strides", "ints", [1]),
        ("Conv", "dilations", "ints", [0, 0]), ("Conv", "dilations", "ints", [2 ** 40, 1]),
        ("Conv", "pads", "ints", [-3, -3, -3, -3]), ("Conv", "pads", "ints", [2 ** 40] * 4), ("Conv", "pads", "ints", [1, 1]),
        ("Conv", "group", "int", 0), ("Conv", "group", "int", -1), ("Conv", "group", "int", 3),
        ("Conv", "kernel_shape", "ints", [0, 0]), ("Conv", "kernel_shape", "ints", [5, 5]),
        ("Conv", "auto_pad", "string", "BOGUS"),
        ("MaxPool", "kernel_shape", "ints", [0, 0]), ("MaxPool", "kernel_shape", "ints", [2 ** 40, 1]),
        ("MaxPool", "strides", "ints", [0, 0]), ("MaxPool", "kernel_shape", "ints", [-2, 2]),
        ("AveragePool", "kernel_shape", "ints", [100, 100]), ("AveragePool", "pads", "ints", [5, 5, 5, 5]),
        ("Transpose", "perm", "ints", [0, 0, 1, 2]), ("Transpose", "perm", "ints", [9, 1, 2, 3]),
        ("Transpose", "perm", "ints", [common.INT64_MIN, 1, 2, 3]), ("Transpose", "perm", "ints", [0]),
        ("Softmax", "axis", "int", 100), ("Softmax", "axis", "int", common.INT64_MIN), ("Flatten", "axis", "int", 2 ** 40),
        ("Flatten", "axis", "int", -100), ("LogSoftmax", "axis", "int", common.INT64_MAX),
        ("Cast", "to", "int", 999), ("Cast", "to", "int", 0), ("Cast", "to", "int", -1), ("Cast", "to", "int", 8),
        ("LeakyRelu", "alpha", "float", float("nan")), ("LeakyRelu", "alpha", "ints", [1, 2]),
        ("LeakyRelu", "alpha", "string", "0.1"), ("Elu", "alpha", "float", float("inf")),
        ("HardSigmoid", "alpha", "float", float("nan")), ("Relu", "bogus", "int", 1),
        ("LeakyRelu", "alpha", "untyped-int", 3), ("LeakyRelu", "alpha", "mismatched", [1]),
        ("Selu", "gamma", "float", float("-inf")), ("ThresholdedRelu", "alpha", "float", float("nan")),
        ("LpNormalization", "p", "int", 0), ("LpNormalization", "p", "int", -7), ("LpNormalization", "axis", "int", 99),
        ("ReduceSum", "keepdims", "int", 2 ** 40), ("ReduceMean", "axes", "ints", [99]),
        ("ReduceMax", "axes", "ints", [common.INT64_MIN]), ("ArgMax", "axis", "int", 99),
        ("ArgMax", "axis", "int", common.INT64_MIN), ("Hardmax", "axis", "int", -99),
        ("DepthToSpace", "blocksize", "int", 0), ("DepthToSpace", "blocksize", "int", -1),
        ("DepthToSpace", "blocksize", "int", 2 ** 40), ("SpaceToDepth", "blocksize", "int", 0),
        ("SpaceToDepth", "blocksize", "int", 2 ** 62), ("LRN", "size", "int", 0), ("LRN", "size", "int", -3),
        ("LRN", "size", "int", 2 ** 40), ("GlobalLpPool", "p", "int", 0), ("GlobalLpPool", "p", "int", 2 ** 40),
        ("InstanceNormalization", "epsilon", "float", float("nan")), ("Shrink", "lambd", "float", float("nan")),
        ("Celu", "alpha", "float", 0.0), ("Mish", "bogus", "string", "x"), ("Gelu", "approximate", "string", "cubic"),
        ("CumSum", "exclusive", "int", 7), ("Trilu", "upper", "int", -5),
    ]
    for index, (op, attr, kind, value) in enumerate(attributes):
        inputs = {"Conv": 2, "InstanceNormalization": 3}.get(op, 1)
        extra = {}
        if op == "InstanceNormalization":
            extra = {}
        cases.append(_c("attribute", f"{op}-{attr}-{kind}-{index}", "attribute",
                        {"op": op, "attr": attr, "kind": kind, "value": value, "inputs": inputs}, ort=True))
    cases.append(_c("attribute", "duplicate-name", "duplicate_attribute", expect="error", ort=True, matters=True))
    for elem, shape in ((TensorProto.INT64, (2, 3)), (TensorProto.DOUBLE, (2, 3)), (F, (7, 7)), (F, (2, 3, 4)),
                        (TensorProto.STRING, (2, 3)), (F, (2 ** 62, 3))):
        cases.append(_c("declared-output", f"t{elem}-{'x'.join(map(str, shape))}", "declared_output",
                        {"elem": elem, "shape": shape}, expect="error" if elem != F else "any", ort=True,
                        matters=elem != F))
    for variant in ("no-type", "sequence", "elem-undefined", "elem-999", "negative-dim", "huge-dim"):
        cases.append(_c("declared-input", variant, "untyped_input", {"variant": variant}, ort=True,
                        load_only=variant in ("huge-dim",)))
    for length in (2000, 20000, 60000):
        cases.append(_c("long-graph", f"identity-{length}", "identity_chain", {"length": length}))
    for length in (20000, 100000):
        cases.append(_c("long-graph", f"relu-{length}", "relu_chain", {"length": length}))
    cases.append(_c("long-graph", "wide-sum-20000", "wide", {"count": 20000}))
    for count in (3000, 60000):
        cases.append(_c("long-graph", f"inputs-{count}", "many_inputs", {"count": count}, load_only=True))
    for depth in (2, 50, 200, 2000, 5000):
        cases.append(_c("nested-graph", f"if-{depth}", "nested_if", {"depth": depth}, load_only=True))
    for variant in ("self", "mutual"):
        cases.append(_c("function", f"recursive-{variant}", "recursive_function", {"variant": variant}, expect="error"))
    cases.append(_c("function", "wrong-arity", "function_arity", expect="error"))
    cases.append(_c("sparse", "index-out-of-range", "sparse_initializer", expect="error"))
    for special in ("/dev/zero", "/dev/urandom", "/proc/self/mem", "/etc/passwd", "fifo", "directory", "empty", "one-byte"):
        cases.append(common.case("models", "special-file", special.strip("/").replace("/", "-"), run="sessions.session",
                                 setup="models.setup", args={"special": special, "model": "model.onnx"}, expect="error"))
    # Byte-level mutations of valid models, loaded from memory and from a file.
    seeds = len(_valid_seed_models())
    for number in range(600):
        args = {"seed_model": number % seeds, "mutation": rng.randrange(2 ** 32), "model": "model.onnx",
                "from_memory": number % 2 == 0}
        cases.append(common.case("models", "mutation", f"{number}-seed{number % seeds}", run="sessions.session",
                                 setup="models.setup", args=args))
    return cases
