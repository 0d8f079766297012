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
    {"kernel_shape": [5, 5], "pads": [2, 2, 2, 2]},
    {"kernel_shape": [5, 5], "strides": [2, 2], "dilations": [1, 2], "pads": [1, 3, 2, 4]},
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


@pytest.mark.parametrize("kernel", [3, 5])
@pytest.mark.parametrize("stride", [1, 2])
def test_wide_planes_span_several_blocks_of_sixteen(kernel, stride):
    """Rows of 16k + r outputs: the vector kernels' full blocks and a masked last one, every tap row."""
    attributes = {"group": 4, "strides": [stride, stride], "pads": [kernel // 2] * 4}
    x = RNG.standard_normal((1, 4, 23, 70)).astype(np.float32)
    w = RNG.standard_normal((4, 1, kernel, kernel)).astype(np.float32)
    b = RNG.standard_normal(4).astype(np.float32)
    got = op("Conv", [x, w, b], attributes)[0].numpy()
    np.testing.assert_allclose(got, onnxruntime_conv(x, w, b, attributes), rtol=1e-5, atol=1e-5)


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


def test_the_swift_loops_agree_too(tmp_path):
    """PLEXUS_CPU_ISA=avx2 keeps the AVX-512 C kernel out, so the Swift per-tap loops run."""
    import os
    import pathlib
    import subprocess
    import sys

    cases = [{"pads": [1, 1, 1, 1]}, {"strides": [2, 2], "pads": [0, 1, 1, 0]}, {"strides": [1, 3], "dilations": [2, 1]}]
    x, w = RNG.standard_normal((1, 4, 9, 11)).astype(np.float32), RNG.standard_normal((4, 1, 3, 3)).astype(np.float32)
    np.savez(tmp_path / "in.npz", x=x, w=w)
    script = ("import numpy as np, sys; from plexus_c import op\n"
              f"data = np.load({str(tmp_path / 'in.npz')!r}); cases = {cases!r}\n"
              "np.savez(sys.argv[1], *[op('Conv', [data['x'], data['w']], {'group': 4, **c})[0].numpy() for c in cases])\n")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "out.npz")], cwd=pathlib.Path(__file__).parent,
                            env={**os.environ, "PLEXUS_CPU_ISA": "avx2"}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    outputs = np.load(tmp_path / "out.npz")
    for index, attributes in enumerate(cases):
        np.testing.assert_allclose(outputs[f"arr_{index}"], onnxruntime_conv(x, w, None, {"group": 4, **attributes}), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("activation", ["Relu", "Clip"])
@pytest.mark.parametrize("strides", [[1, 1], [2, 2]])
def test_fused_relu_and_relu6_are_clamped_by_the_kernel(activation, strides):
    """A session fuses Depthwise Conv → Relu / Clip(0, 6) (MobileNet's ReLU6) into one FusedConv
    whose kernel clamps as it stores: same values as unfused and onnxruntime, NaN kept."""
    from onnx import TensorProto, numpy_helper

    from plexus_c import Session, SessionOptions
    inits = [numpy_helper.from_array(RNG.standard_normal((8, 1, 3, 3)).astype(np.float32) * 3, "w"),
             numpy_helper.from_array(RNG.standard_normal(8).astype(np.float32), "b"),
             numpy_helper.from_array(np.array(0, np.float32), "low"), numpy_helper.from_array(np.array(6, np.float32), "high")]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], group=8, pads=[1, 1, 1, 1], strides=strides),
             helper.make_node("Relu", ["c"], ["y"]) if activation == "Relu" else helper.make_node("Clip", ["c", "low", "high"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 19, 37])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    x = RNG.standard_normal((1, 8, 19, 37)).astype(np.float32)
    x[0, 3, 5, 7] = np.nan
    fused = Session(model).run({"x": x})[0]
    plain = Session(model, SessionOptions(disabled_optimizations=4)).run({"x": x})[0]
    reference = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_array_equal(np.isnan(fused), np.isnan(plain))
    assert np.isnan(fused).any()
    np.testing.assert_allclose(fused, plain, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fused, reference, rtol=1e-5, atol=1e-5)
    assert np.nanmin(fused) >= 0 and (activation == "Relu" or np.nanmax(fused) <= 6)
