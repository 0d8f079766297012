#!/usr/bin/env python3
"""Writes the fuzzers' fixed models and seed corpora (run from anywhere with the project venv:
`.venv/bin/python Tests/Fuzz/make_corpus.py`). Output is deterministic, so a rerun changes no
committed file unless this script changed.

- Tests/Fuzz/models/*.onnx: the FuzzSessionRun models, one op each whose behaviour depends on
  input values (sizes, indices, counts, coordinates, conversions). The fuzz input's first byte
  picks one by its index in sorted file-name order.
- Tests/Fuzz/corpus/<target>/: seeds for each target (small valid inputs libFuzzer mutates).
"""
import io
import os
import shutil
import struct
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import save as save_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")
CORPUS = os.path.join(HERE, "corpus")
OPSET = 21

F, D, H, I64, I32, I8, U8, U64, B = (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.INT64,
                                     TensorProto.INT32, TensorProto.INT8, TensorProto.UINT8, TensorProto.UINT64,
                                     TensorProto.BOOL)


def dims(rank, prefix="d"):
    """A shape of `rank` symbolic dims."""
    return [f"{prefix}{i}" for i in range(rank)]


def model(op, inputs, outputs, attrs=None, opset=OPSET, domain=""):
    """A one-node model. inputs/outputs: (name, elem_type, shape-or-rank); '' names skip an input."""
    def info(name, elem_type, shape):
        if isinstance(shape, int):
            shape = dims(shape, name + "_")
        return helper.make_tensor_value_info(name, elem_type, shape)
    node = helper.make_node(op, [name for name, _, _ in inputs], [name for name, _, _ in outputs], domain=domain,
                            **(attrs or {}))
    graph = helper.make_graph([node], op.lower(), [info(*i) for i in inputs if i[0]],
                              [helper.make_tensor_value_info(n, t, None) for n, t, _ in outputs])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="plexus-fuzz")
    m.ir_version = 10
    check(m)
    return m


def check(m):
    """onnx's checker and strict type inference; outputs may leave their shape unsaid (rank unknown)."""
    inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    try:
        onnx.checker.check_model(inferred)
    except onnx.checker.ValidationError as error:
        if "Field 'shape' of 'type' is required" not in str(error):
            raise


# The FuzzSessionRun models: (file stem, model). Keep stems unique; order is by stem.
SESSION_MODELS = [
    ("range_f32", model("Range", [("start", F, []), ("limit", F, []), ("delta", F, [])], [("y", F, None)])),
    ("range_i64", model("Range", [("start", I64, []), ("limit", I64, []), ("delta", I64, [])], [("y", I64, None)])),
    ("reshape", model("Reshape", [("x", F, 3), ("shape", I64, 1)], [("y", F, None)])),
    ("reshape_allowzero", model("Reshape", [("x", F, 2), ("shape", I64, 1)], [("y", F, None)], {"allowzero": 1})),
    ("expand", model("Expand", [("x", F, 2), ("shape", I64, 1)], [("y", F, None)])),
    ("tile", model("Tile", [("x", F, 2), ("repeats", I64, 1)], [("y", F, None)])),
    ("onehot", model("OneHot", [("indices", I64, 1), ("depth", F, [1]), ("values", F, [2])], [("y", F, None)])),
    ("onehot_i64_depth", model("OneHot", [("indices", F, 2), ("depth", I64, []), ("values", I64, [2])],
                               [("y", I64, None)], {"axis": 0})),
    ("resize_linear_scales", model("Resize", [("x", F, 4), ("", F, None), ("scales", F, [4])], [("y", F, None)],
                                   {"mode": "linear"})),
    ("resize_nearest_sizes", model("Resize", [("x", F, 4), ("", F, None), ("", F, None), ("sizes", I64, [4])],
                                   [("y", F, None)], {"mode": "nearest"})),
    ("resize_cubic_crop", model("Resize", [("x", F, 4), ("roi", F, [8]), ("scales", F, [4])], [("y", F, None)],
                                {"mode": "cubic", "coordinate_transformation_mode": "tf_crop_and_resize"})),
    ("gridsample_bilinear", model("GridSample", [("x", F, 4), ("grid", F, 4)], [("y", F, None)])),
    ("gridsample_nearest_reflect", model("GridSample", [("x", F, 4), ("grid", F, 4)], [("y", F, None)],
                                         {"mode": "nearest", "padding_mode": "reflection"})),
    ("gridsample_cubic_border", model("GridSample", [("x", F, 4), ("grid", F, 4)], [("y", F, None)],
                                      {"mode": "cubic", "padding_mode": "border", "align_corners": 1})),
    ("affinegrid", model("AffineGrid", [("theta", F, 3), ("size", I64, [4])], [("y", F, None)])),
    ("gather", model("Gather", [("x", F, 2), ("indices", I64, 2)], [("y", F, None)], {"axis": 1})),
    ("gather_elements", model("GatherElements", [("x", F, 2), ("indices", I64, 2)], [("y", F, None)])),
    ("gather_nd", model("GatherND", [("x", F, 3), ("indices", I64, 2)], [("y", F, None)], {"batch_dims": 1})),
    ("scatter_elements", model("ScatterElements", [("x", F, 2), ("indices", I64, 2), ("updates", F, 2)],
                               [("y", F, None)], {"axis": 1, "reduction": "add"})),
    ("scatter_nd", model("ScatterND", [("x", F, 2), ("indices", I64, 2), ("updates", F, 1)], [("y", F, None)])),
    ("slice", model("Slice", [("x", F, 3), ("starts", I64, 1), ("ends", I64, 1), ("axes", I64, 1),
                              ("steps", I64, 1)], [("y", F, None)])),
    ("pad_constant", model("Pad", [("x", F, 2), ("pads", I64, 1), ("value", F, [])], [("y", F, None)])),
    ("pad_reflect", model("Pad", [("x", F, 3), ("pads", I64, 1)], [("y", F, None)], {"mode": "reflect"})),
    ("pad_wrap_axes", model("Pad", [("x", F, 3), ("pads", I64, 1), ("", F, None), ("axes", I64, 1)],
                            [("y", F, None)], {"mode": "wrap"})),
    ("constant_of_shape", model("ConstantOfShape", [("shape", I64, 1)], [("y", F, None)])),
    ("topk", model("TopK", [("x", F, 2), ("k", I64, [1])], [("values", F, None), ("indices", I64, None)])),
    ("cast_f32_i32", model("Cast", [("x", F, 2)], [("y", I32, None)], {"to": I32})),
    ("cast_f32_u8", model("Cast", [("x", F, 1)], [("y", U8, None)], {"to": U8})),
    ("cast_f64_i64", model("Cast", [("x", D, 1)], [("y", I64, None)], {"to": I64})),
    ("cast_f32_f16", model("Cast", [("x", F, 1)], [("y", H, None)], {"to": H})),
    ("cast_i64_f16", model("Cast", [("x", I64, 1)], [("y", H, None)], {"to": H})),
    ("roialign", model("RoiAlign", [("x", F, 4), ("rois", F, 2), ("batch", I64, 1)], [("y", F, None)],
                       {"output_height": 2, "output_width": 2, "sampling_ratio": 0})),
    ("melweightmatrix", model("MelWeightMatrix", [("bins", I64, []), ("dft", I64, []), ("rate", I64, []),
                                                  ("lower", F, []), ("upper", F, [])], [("y", F, None)])),
    ("dropout", model("Dropout", [("x", F, 2), ("ratio", F, []), ("training", B, [])],
                      [("y", F, None), ("mask", B, None)])),
    ("div_i32", model("Div", [("a", I32, 1), ("b", I32, 1)], [("y", I32, None)])),
    ("mod_i64", model("Mod", [("a", I64, 2), ("b", I64, 1)], [("y", I64, None)])),
    ("mod_i8_fmod", model("Mod", [("a", I8, 1), ("b", I8, 1)], [("y", I8, None)], {"fmod": 1})),
    ("pow_i64", model("Pow", [("a", I64, 1), ("b", I64, 1)], [("y", I64, None)])),
    ("bitshift", model("BitShift", [("a", U64, 1), ("b", U64, 1)], [("y", U64, None)], {"direction": "LEFT"})),
    ("clip", model("Clip", [("x", F, 2), ("lo", F, []), ("hi", F, [])], [("y", F, None)])),
    ("quantize", model("QuantizeLinear", [("x", F, 2), ("scale", F, []), ("zero", U8, [])], [("y", U8, None)])),
    ("dequantize", model("DequantizeLinear", [("x", I8, 2), ("scale", F, 1), ("zero", I8, 1)], [("y", F, None)],
                         {"axis": 1})),
    ("cumsum", model("CumSum", [("x", F, 2), ("axis", I64, [])], [("y", F, None)], {"reverse": 1})),
    ("split", model("Split", [("x", F, 2), ("split", I64, 1)], [("a", F, None), ("b", F, None)], {"axis": 1})),
    ("squeeze", model("Squeeze", [("x", F, 3), ("axes", I64, 1)], [("y", F, None)])),
    ("unsqueeze", model("Unsqueeze", [("x", F, 2), ("axes", I64, 1)], [("y", F, None)])),
    ("reducesum", model("ReduceSum", [("x", F, 3), ("axes", I64, 1)], [("y", F, None)],
                        {"noop_with_empty_axes": 1})),
    ("reducemax", model("ReduceMax", [("x", F, 3), ("axes", I64, 1)], [("y", F, None)], {"keepdims": 0})),
    ("nms", model("NonMaxSuppression", [("boxes", F, 3), ("scores", F, 3), ("max", I64, [1]), ("iou", F, [1]),
                                        ("score", F, [1])], [("y", I64, None)])),
    ("trilu", model("Trilu", [("x", F, 3), ("k", I64, [])], [("y", F, None)])),
    ("compress", model("Compress", [("x", F, 2), ("condition", B, 1)], [("y", F, None)], {"axis": 1})),
    ("nonzero", model("NonZero", [("x", F, 3)], [("y", I64, None)])),
    ("where", model("Where", [("c", B, 2), ("a", F, 3), ("b", F, 1)], [("y", F, None)])),
    ("maxunpool", model("MaxUnpool", [("x", F, 4), ("indices", I64, 4), ("shape", I64, [4])], [("y", F, None)],
                        {"kernel_shape": [2, 2], "strides": [2, 2]})),
    ("col2im", model("Col2Im", [("x", F, 3), ("image", I64, [2]), ("block", I64, [2])], [("y", F, None)])),
    ("center_crop_pad", model("CenterCropPad", [("x", F, 3), ("shape", I64, 1)], [("y", F, None)])),
    ("dft", model("DFT", [("x", F, 3), ("length", I64, []), ("axis", I64, [])], [("y", F, None)], opset=20)),
    ("stft", model("STFT", [("x", F, 3), ("step", I64, []), ("window", F, 1), ("length", I64, [])],
                   [("y", F, None)])),
    ("reverse_sequence", model("ReverseSequence", [("x", F, 2), ("lens", I64, 1)], [("y", F, None)],
                               {"batch_axis": 1, "time_axis": 0})),
    ("nll_loss", model("NegativeLogLikelihoodLoss", [("x", F, 2), ("target", I64, 1)], [("y", F, None)],
                       {"ignore_index": -1, "reduction": "mean"})),
    ("softmax_ce_loss", model("SoftmaxCrossEntropyLoss", [("x", F, 3), ("target", I64, 2)], [("y", F, None)])),
    ("lstm_seq_lens", model("LSTM", [("x", F, 3), ("w", F, 3), ("r", F, 3), ("b", F, 2), ("lens", I32, 1)],
                            [("y", F, None)], {"hidden_size": 2})),
    ("conv", model("Conv", [("x", F, 4), ("w", F, 4)], [("y", F, None)], {"pads": [1, 1, 1, 1]})),
    ("conv_group", model("Conv", [("x", F, 4), ("w", F, 4)], [("y", F, None)], {"group": 2, "strides": [2, 1]})),
    ("conv_transpose", model("ConvTranspose", [("x", F, 4), ("w", F, 4)], [("y", F, None)],
                             {"strides": [2, 2], "output_padding": [1, 1]})),
    ("maxpool", model("MaxPool", [("x", F, 4)], [("y", F, None), ("i", I64, None)],
                      {"kernel_shape": [3, 3], "ceil_mode": 1, "dilations": [2, 1]})),
    ("matmul", model("MatMul", [("a", F, 3), ("b", F, 2)], [("y", F, None)])),
    ("gemm", model("Gemm", [("a", F, 2), ("b", F, 2), ("c", F, 1)], [("y", F, None)], {"transB": 1})),
    ("layernorm", model("LayerNormalization", [("x", F, 3), ("scale", F, 1), ("bias", F, 1)], [("y", F, None)])),
    ("batchnorm", model("BatchNormalization", [("x", F, 4), ("s", F, 1), ("b", F, 1), ("m", F, 1), ("v", F, 1)],
                        [("y", F, None)])),
    ("softmax", model("Softmax", [("x", F, 3)], [("y", F, None)], {"axis": -1})),
    ("argmax", model("ArgMax", [("x", F, 2)], [("y", I64, None)], {"select_last_index": 1})),
    ("einsum", model("Einsum", [("a", F, 3), ("b", F, 3)], [("y", F, None)], {"equation": "bij,bjk->bik"})),
    ("eyelike", model("EyeLike", [("x", F, 2)], [("y", F, None)], {"k": -2})),
    ("depth_to_space", model("DepthToSpace", [("x", F, 4)], [("y", F, None)], {"blocksize": 2, "mode": "CRD"})),
    ("sum_broadcast", model("Sum", [("a", F, 1), ("b", F, 2), ("c", F, 3)], [("y", F, None)])),
]


def seed_bytes(index, rng, length):
    """A FuzzSessionRun seed: the model index, then choice bytes (see FuzzTensors)."""
    body = rng.integers(24, 192, size=length, dtype=np.uint8)  # mostly small values: valid-ish runs
    specials = rng.integers(0, 256, size=length // 8, dtype=np.uint8)
    body[rng.integers(0, length, size=length // 8)] = specials
    return bytes([index]) + body.tobytes()


def npy(array):
    out = io.BytesIO()
    np.lib.format.write_array(out, array, allow_pickle=False)
    return out.getvalue()


def npz(arrays, compress=False, zip64=False):
    """An .npz like np.savez writes it, with a fixed timestamp so the bytes are reproducible."""
    out = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", compression=method, allowZip64=True) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            with archive.open(info, "w", force_zip64=zip64) as member:
                member.write(npy(array))
    return out.getvalue()


def loader_models():
    """FuzzONNXLoader seeds beyond the session models: initializers, folding chains, external data."""
    rng = np.random.default_rng(1)
    seeds = {}

    def const(name, array):
        return numpy_helper.from_array(np.asarray(array), name)

    # Constant folding: Range -> Reshape -> Expand -> Tile -> Pad on initializers, then Add to the input.
    nodes = [
        helper.make_node("Range", ["r0", "r1", "r2"], ["r"]),
        helper.make_node("Reshape", ["r", "shape"], ["rs"]),
        helper.make_node("Expand", ["rs", "eshape"], ["e"]),
        helper.make_node("Tile", ["e", "reps"], ["t"]),
        helper.make_node("Pad", ["t", "pads"], ["p"]),
        helper.make_node("ConstantOfShape", ["cshape"], ["c"], value=numpy_helper.from_array(np.array([2.0], np.float32))),
        helper.make_node("Mul", ["p", "c"], ["pc"]),
        helper.make_node("Add", ["x", "pc"], ["y"]),
    ]
    inits = [const("r0", np.float32(0)), const("r1", np.float32(6)), const("r2", np.float32(1)),
             const("shape", np.array([2, 3], np.int64)), const("eshape", np.array([2, 2, 3], np.int64)),
             const("reps", np.array([1, 1, 2], np.int64)), const("pads", np.array([0, 0, 1, 0, 0, 1], np.int64)),
             const("cshape", np.array([2, 2, 8], np.int64))]
    graph = helper.make_graph(nodes, "folding", [helper.make_tensor_value_info("x", F, [2, 2, 8])],
                              [helper.make_tensor_value_info("y", F, [2, 2, 8])], inits)
    seeds["folding_chain"] = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])

    # A small CNN: Conv -> Relu -> MaxPool -> Flatten -> Gemm, weights as initializers.
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["m"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["m"], ["f"]),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], transB=1),
    ]
    inits = [const("w", rng.standard_normal((4, 1, 3, 3)).astype(np.float32)), const("b", np.zeros(4, np.float32)),
             const("fw", rng.standard_normal((3, 16)).astype(np.float32)), const("fb", np.zeros(3, np.float32))]
    graph = helper.make_graph(nodes, "cnn", [helper.make_tensor_value_info("x", F, ["n", 1, 4, 4])],
                              [helper.make_tensor_value_info("y", F, ["n", 3])], inits)
    seeds["cnn"] = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])

    # Identity chain (the elimination pass) and a Constant node with each attribute form.
    nodes = [helper.make_node("Identity", [f"i{k}"], [f"i{k + 1}"]) for k in range(8)]
    nodes.append(helper.make_node("Constant", [], ["k"], value_floats=[1.0, 2.0, 3.0]))
    nodes.append(helper.make_node("Add", ["i8", "k"], ["y"]))
    graph = helper.make_graph(nodes, "identities", [helper.make_tensor_value_info("i0", F, [3])],
                              [helper.make_tensor_value_info("y", F, [3])])
    seeds["identity_chain"] = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])

    # Initializers of many dtypes, raw_data and typed fields, folded through Cast.
    arrays = {"f16": np.array([1.5, -2], np.float16), "i8": np.array([-3, 4], np.int8),
              "u64": np.array([7, 2**40], np.uint64), "bool": np.array([True, False]),
              "f64": np.array([np.nan, np.inf], np.float64)}
    nodes, inits, outputs = [], [], []
    for name, array in arrays.items():
        inits.append(const(name, array))
        nodes.append(helper.make_node("Cast", [name], [name + "_f"], to=F))
        outputs.append(helper.make_tensor_value_info(name + "_f", F, [2]))
    typed = helper.make_tensor("typed", I32, [2], [5, -6])  # int32_data, not raw_data
    inits.append(typed)
    nodes.append(helper.make_node("Cast", ["typed"], ["typed_f"], to=F))
    outputs.append(helper.make_tensor_value_info("typed_f", F, [2]))
    graph = helper.make_graph(nodes, "dtypes", [], outputs, inits)
    seeds["dtypes"] = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])

    # External data: must be refused for a model from memory.
    ext = const("w", np.ones(4, np.float32))
    ext.ClearField("raw_data")
    ext.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "weights.bin"), ("offset", "0"), ("length", "16")):
        entry = ext.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "external",
                              [helper.make_tensor_value_info("x", F, [4])], [helper.make_tensor_value_info("y", F, [4])],
                              [ext])
    seeds["external_data"] = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])

    # A subgraph attribute (If) and a custom-domain node.
    branch = lambda v: helper.make_graph([helper.make_node("Constant", [], ["o"], value_float=v)], "b", [],
                                         [helper.make_tensor_value_info("o", F, [])])
    graph = helper.make_graph([helper.make_node("If", ["c"], ["y"], then_branch=branch(1.0), else_branch=branch(2.0)),
                               helper.make_node("Swish", ["y"], ["z"], domain="com.example")], "if",
                              [helper.make_tensor_value_info("c", B, [])], [helper.make_tensor_value_info("z", F, [])])
    seeds["if_custom"] = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                                 helper.make_opsetid("com.example", 1)])
    for name, m in seeds.items():
        m.ir_version = 10
        if name not in ("if_custom", "external_data"):  # custom domain; data file absent on purpose
            check(m)
    return {name: m.SerializeToString() for name, m in seeds.items()}


def safetensors_seeds():
    rng = np.random.default_rng(2)
    seeds = {
        "two_f32": save_safetensors({"weight": rng.standard_normal((2, 3)).astype(np.float32),
                                     "bias": np.zeros(3, np.float32)}),
        "dtypes": save_safetensors({"f16": np.array([1, 2], np.float16), "i64": np.array([-1], np.int64),
                                    "u8": np.arange(4, dtype=np.uint8), "b": np.array([True]),
                                    "f64": np.array([[np.nan]]), "i32": np.array([1, 2], np.int32)}),
        "scalar_and_empty": save_safetensors({"s": np.array(3.0, np.float32), "e": np.zeros((0, 4), np.float32)}),
        "metadata": save_safetensors({"x": np.ones(2, np.float32)}, metadata={"format": "pt", "note": "fuzz"}),
    }
    # A hand-written header with an escaped name and trailing spaces (allowed padding).
    header = b'{"a\\u00e9\\"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   '
    seeds["handwritten"] = struct.pack("<Q", len(header)) + header + struct.pack("<f", 1.0)
    return seeds


def numpy_seeds():
    seeds = {
        "f32_2d.npy": npy(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "i64_big_endian.npy": npy(np.array([1, -2], dtype=">i8")),
        "f64_fortran.npy": npy(np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3))),
        "bool_0d.npy": npy(np.array(True)),
        "u8_empty.npy": npy(np.zeros((0, 3), np.uint8)),
        "f16_3d.npy": npy(np.ones((1, 2, 2), np.float16)),
        "i32_v3.npy": npy(np.array([5], np.int32)).replace(b"\x01\x00", b"\x03\x00", 1),
        "two_arrays.npz": npz({"x": np.arange(3, dtype=np.float32), "y": np.array([[1, 2]], np.int64)}),
        "zip64.npz": npz({"a": np.array([1.5, 2.5])}, zip64=True),
        "compressed.npz": npz({"a": np.zeros(4, np.float32)}, compress=True),
        "scalar_member.npz": npz({"s": np.array(7, np.int16)}),
    }
    return seeds


def onnx_dictionary():
    """libFuzzer dictionary for FuzzONNXLoader: op, attribute and domain names, so mutations can
    turn one op into another instead of guessing its name byte by byte."""
    words = set()
    for schema in onnx.defs.get_all_schemas():
        if schema.domain in ("", "ai.onnx"):
            words.add(schema.name)
            words.update(schema.attributes.keys())
    words.update(["ai.onnx", "com.example", "location", "offset", "length", "checksum"])
    return "".join(f'"{w}"\n' for w in sorted(words) if w.isascii() and '"' not in w and "\\" not in w)


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    for folder in (MODELS, *[os.path.join(CORPUS, t) for t in ("onnx_loader", "safetensors", "numpy", "session_run")]):
        shutil.rmtree(folder, ignore_errors=True)
    stems = sorted(stem for stem, _ in SESSION_MODELS)
    assert len(stems) == len(set(stems)) <= 256
    by_stem = dict(SESSION_MODELS)
    for stem in stems:
        write(MODELS, stem + ".onnx", by_stem[stem].SerializeToString())
    rng = np.random.default_rng(0)
    for index, stem in enumerate(stems):
        write(os.path.join(CORPUS, "session_run"), stem, seed_bytes(index, rng, 64))
    loader = os.path.join(CORPUS, "onnx_loader")
    for stem in stems[::3]:  # a third of the session models: small one-node graphs with symbolic shapes
        write(loader, stem + ".onnx", by_stem[stem].SerializeToString())
    for name, data in loader_models().items():
        write(loader, name + ".onnx", data)
    for name, data in safetensors_seeds().items():
        write(os.path.join(CORPUS, "safetensors"), name + ".safetensors", data)
    for name, data in numpy_seeds().items():
        write(os.path.join(CORPUS, "numpy"), name, data)
    write(HERE, "onnx_loader.dict", onnx_dictionary().encode())
    print(f"{len(stems)} session models; corpus in {CORPUS}")


if __name__ == "__main__":
    main()
