"""The panel Conv path (float32, group 1, 1-D and 2-D: unfold an L2-sized panel, multiply by the
C micro-kernel into Y, finish with bias / residual / activation) against onnxruntime over
strides, dilations, pads, auto_pad, batches, pointwise and large-K shapes, with the AVX-512,
AVX2 and portable kernels; and the Conv → Add (→ Relu) residual fusion of sessions."""

import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from other_process import arrays_in_another_process
from plexus_c import Session, SessionOptions, bench, op

RNG = np.random.default_rng(44)

# (x shape, filters, kernel, attributes): odd sizes so panels, strips and row blocks have tails.
CASES = [
    ((1, 16, 13, 11), 20, [3, 3], {"pads": [1, 1, 1, 1]}),
    ((2, 17, 12, 9), 13, [3, 3], {"strides": [2, 2], "pads": [1, 0, 0, 1]}),
    ((1, 8, 15, 14), 25, [5, 3], {"strides": [1, 3], "dilations": [2, 1], "pads": [4, 1, 3, 1]}),
    ((1, 3, 33, 31), 16, [7, 7], {"strides": [2, 2], "pads": [3, 3, 3, 3]}),
    ((1, 24, 10, 10), 30, [3, 3], {"auto_pad": "SAME_UPPER", "strides": [3, 3]}),
    ((2, 40, 7, 9), 37, [1, 1], {}),
    ((1, 40, 9, 9), 24, [1, 1], {"strides": [2, 2]}),
    ((1, 300, 5, 6), 14, [3, 3], {"pads": [1, 1, 1, 1]}),  # k = 2700: panels of the minimum width
    ((2, 9, 50), 11, [4], {"pads": [2, 1], "strides": [2]}),  # 1-D
]


def onnxruntime_conv(x, w, b, attributes):
    inputs = ["x", "w"] + (["b"] if b is not None else [])
    graph = helper.make_graph([helper.make_node("Conv", inputs, ["y"], **attributes)], "g",
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in inputs],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    feeds = {"x": x, "w": w, **({"b": b} if b is not None else {})}
    return onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)[0]


def case_data(index):
    shape, filters, kernel, attributes = CASES[index]
    rng = np.random.default_rng(index)
    x = rng.standard_normal(shape).astype(np.float32)
    w = (rng.standard_normal((filters, shape[1], *kernel)) / np.sqrt(shape[1] * np.prod(kernel))).astype(np.float32)
    b = rng.standard_normal(filters).astype(np.float32)
    return x, w, b, attributes


@pytest.mark.parametrize("index", range(len(CASES)), ids=lambda i: f"{CASES[i][0]}x{CASES[i][2]}{CASES[i][3]}")
@pytest.mark.parametrize("bias", [True, False])
def test_panel_conv_matches_onnxruntime(index, bias):
    x, w, b, attributes = case_data(index)
    b = b if bias else None
    got = op("Conv", [x, w] + ([b] if bias else []), attributes)[0].numpy()
    np.testing.assert_allclose(got, onnxruntime_conv(x, w, b, attributes), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("setting", [{"PLEXUS_CPU_ISA": "avx2"}, {"PLEXUS_CPU_PORTABLE": "1"}], ids=["avx2", "portable"])
def test_other_kernels_agree(tmp_path, setting):
    """The AVX2 micro-kernel (with its scalar column tail) and, without either, the im2col path."""
    outputs = arrays_in_another_process(
        "test_panel_convolution", "[op('Conv', list(d[:3]), d[3])[0].numpy() for d in map(case_data, range(len(CASES)))]",
        setting, tmp_path)
    for index in range(len(CASES)):
        x, w, b, attributes = case_data(index)
        np.testing.assert_allclose(outputs[index], onnxruntime_conv(x, w, b, attributes), rtol=1e-4, atol=1e-4)


def residual_block(z_shape=(1, 12, 9, 9), conv_first=True, relu=True, conv_output_read=False, dtype=np.float32):
    """x → Conv → Add(·, z) → Relu → y, z a graph input."""
    inits = [numpy_helper.from_array((RNG.standard_normal((12, 16, 3, 3)) * 0.1).astype(dtype), "w"),
             numpy_helper.from_array(RNG.standard_normal(12).astype(dtype), "b")]
    add_inputs = ["c", "z"] if conv_first else ["z", "c"]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]), helper.make_node("Add", add_inputs, ["s"])]
    last = "s"
    if relu:
        nodes.append(helper.make_node("Relu", ["s"], ["y"]))
        last = "y"
    outputs = [helper.make_tensor_value_info(last, TensorProto.FLOAT, None)]
    if conv_output_read:
        outputs.append(helper.make_tensor_value_info("c", TensorProto.FLOAT, None))
    element = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    outputs = [helper.make_tensor_value_info(output.name, element, None) for output in outputs]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", element, [1, 16, 9, 9]),
                                           helper.make_tensor_value_info("z", element, list(z_shape))], outputs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("z_shape", [(1, 12, 9, 9), (1, 12, 1, 1), (2, 12, 9, 9)], ids=["same", "broadcast", "larger"])
@pytest.mark.parametrize("conv_first", [True, False])
@pytest.mark.parametrize("relu", [True, False])
def test_residual_fusion_matches_unfused_and_onnxruntime(z_shape, conv_first, relu):
    model = residual_block(z_shape, conv_first, relu)
    feeds = {"x": RNG.standard_normal((1, 16, 9, 9)).astype(np.float32), "z": RNG.standard_normal(z_shape).astype(np.float32)}
    fused = Session(model.SerializeToString()).run(feeds)[0]
    unfused = Session(model.SerializeToString(), SessionOptions(disabled_optimizations=8)).run(feeds)[0]
    reference = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    assert fused.shape == reference.shape
    np.testing.assert_allclose(fused, unfused, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(fused, reference, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("z_shape", [(1, 12, 9, 9), (1, 12, 1, 1)], ids=["same", "broadcast"])
def test_half_precision_residual_fusion_matches_unfused(z_shape):
    model = residual_block(z_shape, dtype=np.float16)
    feeds = {"x": RNG.standard_normal((1, 16, 9, 9)).astype(np.float16), "z": RNG.standard_normal(z_shape).astype(np.float16)}
    fused = Session(model.SerializeToString()).run(feeds)[0]
    unfused = Session(model.SerializeToString(), SessionOptions(disabled_optimizations=8)).run(feeds)[0]
    assert fused.dtype == np.float16 and fused.shape == (1, 12, 9, 9)
    np.testing.assert_allclose(fused.astype(np.float32), unfused.astype(np.float32), rtol=2e-3, atol=2e-3)


def test_residual_fusion_shows_in_the_profile_and_can_be_turned_off(tmp_path):
    model = residual_block()
    ops = lambda *arguments: bench(model.SerializeToString(), tmp_path, "--disable", "packing", *arguments)[1]
    assert ops() == {"ai.plexus:FusedConv"}
    assert ops("--disable", "residuals") == {"Conv", "Add", "Relu"}
    assert ops("--disable", "activations") == {"ai.plexus:FusedConv", "Relu"}


def test_a_conv_output_read_elsewhere_is_not_fused_into_the_add(tmp_path):
    model = residual_block(conv_output_read=True)
    assert bench(model.SerializeToString(), tmp_path, "--disable", "packing")[1] == {"Conv", "Add", "Relu"}
    feeds = {"x": RNG.standard_normal((1, 16, 9, 9)).astype(np.float32), "z": RNG.standard_normal((1, 12, 9, 9)).astype(np.float32)}
    got = Session(model.SerializeToString()).run(feeds)
    want = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
