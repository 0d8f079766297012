"""ONNX import and sessions: results against onnxruntime, older opset semantics, every
initializer storage form, Constant nodes, and clear errors for malformed models."""
import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from plexus_c import PlexusError, Session

RNG = np.random.default_rng(7)


def model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def same_as_onnxruntime(m, feeds, rtol=1e-5, atol=1e-6):
    bytes_ = m.SerializeToString()
    expected = onnxruntime.InferenceSession(bytes_, providers=["CPUExecutionProvider"]).run(None, feeds)
    got = Session(bytes_).run(feeds)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)


def f(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def test_mlp_matches_onnxruntime():
    w1, w2 = RNG.standard_normal((8, 16)).astype(np.float32), RNG.standard_normal((16, 4)).astype(np.float32)
    nodes = [helper.make_node("Gemm", ["x", "w1"], ["h"]), helper.make_node("Tanh", ["h"], ["t"]),
             helper.make_node("MatMul", ["t", "w2"], ["logits"]), helper.make_node("Softmax", ["logits"], ["p"], axis=-1)]
    m = model(nodes, [f("x", ["n", 8])], [f("p", ["n", 4])], [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
    same_as_onnxruntime(m, {"x": RNG.standard_normal((5, 8)).astype(np.float32)})


@pytest.mark.parametrize("opset", [11, 13])
def test_softmax_before_13_flattens_around_axis(opset):
    m = model([helper.make_node("Softmax", ["x"], ["y"], axis=1)], [f("x", [2, 3, 4])], [f("y", [2, 3, 4])], opset=opset)
    same_as_onnxruntime(m, {"x": RNG.standard_normal((2, 3, 4)).astype(np.float32)})


def test_attributes_that_became_inputs():
    x = RNG.standard_normal((3, 5)).astype(np.float32)
    clip = model([helper.make_node("Clip", ["x"], ["y"], min=-0.5, max=0.5)], [f("x", [3, 5])], [f("y", [3, 5])], opset=6)
    same_as_onnxruntime(clip, {"x": x})
    sl = model([helper.make_node("Slice", ["x"], ["y"], starts=[1, 0], ends=[3, 4], axes=[0, 1])], [f("x", [3, 5])], [f("y", [2, 4])], opset=9)
    same_as_onnxruntime(sl, {"x": x})
    pad = model([helper.make_node("Pad", ["x"], ["y"], pads=[0, 1, 1, 0], value=2.0)], [f("x", [3, 5])], [f("y", [4, 6])], opset=2)
    same_as_onnxruntime(pad, {"x": x})
    topk = model([helper.make_node("TopK", ["x"], ["v", "i"], k=2)], [f("x", [3, 5])],
                 [f("v", [3, 2]), helper.make_tensor_value_info("i", TensorProto.INT64, [3, 2])], opset=1)
    got = Session(topk.SerializeToString()).run({"x": x})
    np.testing.assert_allclose(got[0], -np.sort(-x, axis=1)[:, :2])


@pytest.mark.parametrize("axis", [None, 2])
def test_dft_opset_17_axis_attribute_and_its_default(axis):
    """Opset 17 DFT reads `axis` (default 1) as an attribute; opset 20 moved it to an input (default -2)."""
    attributes = {} if axis is None else {"axis": axis}
    m = model([helper.make_node("DFT", ["x"], ["y"], **attributes)], [f("x", [2, 3, 4, 1])], [f("y", None)])
    same_as_onnxruntime(m, {"x": RNG.standard_normal((2, 3, 4, 1)).astype(np.float32)}, rtol=1e-4, atol=1e-5)


def test_initializer_storage_forms_and_constants():
    ints = helper.make_tensor("i8", TensorProto.INT8, [3], [1, -2, 3])          # int32_data holds int8
    halves = helper.make_tensor("h", TensorProto.FLOAT16, [2], [1.5, -2.0])  # stored as bits in int32_data
    doubles = helper.make_tensor("d", TensorProto.DOUBLE, [2], [0.25, 4.0])
    nodes = [helper.make_node("Constant", [], ["c"], value_floats=[1.0, 2.0, 3.0]),
             helper.make_node("Cast", ["i8"], ["i8f"], to=TensorProto.FLOAT), helper.make_node("Add", ["i8f", "c"], ["y"]),
             helper.make_node("Cast", ["h"], ["hf"], to=TensorProto.DOUBLE), helper.make_node("Mul", ["hf", "d"], ["z"])]
    m = model(nodes, [], [f("y", [3]), helper.make_tensor_value_info("z", TensorProto.DOUBLE, [2])], [ints, halves, doubles])
    y, z = Session(m.SerializeToString()).run({})
    np.testing.assert_array_equal(y, [2, 0, 6])
    np.testing.assert_array_equal(z, [0.375, -8.0])


def test_malformed_models_are_clear_errors():
    good = model([helper.make_node("Relu", ["x"], ["y"])], [f("x", [2])], [f("y", [2])])
    data = good.SerializeToString()
    for broken in [data[: len(data) // 2], b"\x08\x07garbage" * 3, b""]:
        with pytest.raises(PlexusError, match="ONNX model|empty"):
            Session(broken)
    short = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[3], raw_data=np.ones(2, np.float32).tobytes())
    wrong_dims = model([helper.make_node("Add", ["x", "w"], ["y"])], [f("x", [2])], [f("y", [2])], [short])
    with pytest.raises(PlexusError, match="'w' holds 8 bytes"):
        Session(wrong_dims.SerializeToString())
    unknown = model([helper.make_node("Frobnicate", ["x"], ["t"]), helper.make_node("Zap", ["t"], ["y"])], [f("x", [2])], [f("y", [2])])
    with pytest.raises(PlexusError, match=r"2 operator\(s\).*Frobnicate.*Zap"):
        Session(unknown.SerializeToString())
    foreign = helper.make_model(helper.make_graph([helper.make_node("Op", ["x"], ["y"], domain="com.example")], "g",
                                                  [f("x", [2])], [f("y", [2])]), opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(PlexusError, match="com.example"):
        Session(foreign.SerializeToString())
    session = Session(data)
    with pytest.raises(PlexusError, match="input 'x'"):
        session.run({"x": np.ones(3, np.float32)})
    with pytest.raises(PlexusError, match="input 'x'"):
        session.run({"x": np.ones(2, np.int64)})
