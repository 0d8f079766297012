"""The direct depthwise Conv path (group = channels = filters, 2-D) against onnxruntime over
strides, dilations, asymmetric pads, batches, bias and float64; plus its gradients."""
import numpy as np
import onnxruntime
import pytest
from onnx import helper

from plexus_c import Tensor, gradient_check, op

RNG = np.random.default_rng(8)


def onnxruntime_conv(x, w, b, attributes):
    dtype = helper.np_dtype_to_tensor_dtype(x.dtype)
    inputs = ["x", "w"] + (["b"] if b is not None else [])
    graph = helper.make_graph([helper.make_node("Conv", inputs, ["y"], **attributes)], "g",
                              [helper.make_tensor_value_info(n, dtype, None) for n in inputs],
                              [helper.make_tensor_value_info("y", dtype, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    feeds = {"x": x, "w": w, **({"b": b} if b is not None else {})}
    return onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)[0]


@pytest.mark.parametrize("attributes", [
    {"pads": [1, 1, 1, 1]},
    {"strides": [2, 2], "pads": [1, 1, 1, 1]},
    {"strides": [2, 1], "pads": [0, 2, 1, 0]},
    {"dilations": [2, 2], "pads": [2, 2, 2, 2]},
    {"kernel_shape": [5, 3], "pads": [2, 1, 2, 1], "strides": [1, 3]},
    {},
], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_depthwise_matches_onnxruntime(attributes, bias):
    kernel = attributes.get("kernel_shape", [3, 3])
    x = RNG.standard_normal((2, 6, 11, 9)).astype(np.float32)
    w = RNG.standard_normal((6, 1, *kernel)).astype(np.float32)
    b = RNG.standard_normal(6).astype(np.float32) if bias else None
    got = op("Conv", [x, w] + ([b] if bias else []), {"group": 6, **attributes})[0].numpy()
    np.testing.assert_allclose(got, onnxruntime_conv(x, w, b, {"group": 6, **attributes}), rtol=1e-5, atol=1e-5)


def test_depthwise_float64_and_gradients():
    x = Tensor.of(RNG.standard_normal((1, 3, 6, 5)), requires_grad=True)
    w = Tensor.of(RNG.standard_normal((3, 1, 3, 3)), requires_grad=True)
    b = Tensor.of(RNG.standard_normal(3), requires_grad=True)
    # onnxruntime has no float64 Conv: compare with its float32 result.
    expected = onnxruntime_conv(*(t.numpy().astype(np.float32) for t in (x, w, b)), {"group": 3, "pads": [1, 1, 1, 1], "strides": [2, 1]})
    got = op("Conv", [x, w, b], {"group": 3, "pads": [1, 1, 1, 1], "strides": [2, 1]})[0].numpy()
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    gradient_check(lambda: op("Conv", [x, w, b], {"group": 3, "pads": [1, 1, 1, 1], "strides": [2, 1]})[0], [x, w, b])
