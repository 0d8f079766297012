"""Quantization, sampling, signal and geometry ops of the CPU plugin (SignalAndQuantization):
forward results against onnxruntime running the single ONNX op (numpy where onnxruntime lacks
the op), finite-difference gradients of the composed differentiable ops, and error cases."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper
from onnx.reference import ReferenceEvaluator

from plexus_c import PlexusError, Tensor, gradient_check, op

RNG = np.random.default_rng(7)


def ort_run(name, inputs, attrs=None, opset=21, outputs=1, reference=False):
    """Runs one ONNX op in onnxruntime (or ONNX's reference evaluator where onnxruntime departs
    from the spec); None entries are omitted optional inputs."""
    inputs = [None if x is None else np.asarray(x) for x in inputs]
    names = [f"i{k}" if x is not None else "" for k, x in enumerate(inputs)]
    node = helper.make_node(name, names, [f"o{k}" for k in range(outputs)], **(attrs or {}))
    graph_inputs = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(x.dtype), x.shape)
                    for n, x in zip(names, inputs) if x is not None]
    graph = helper.make_graph([node], "g", graph_inputs, [helper.make_empty_tensor_value_info(f"o{k}") for k in range(outputs)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    session = ReferenceEvaluator(model) if reference else ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {n: x for n, x in zip(names, inputs) if x is not None})


def check(name, inputs, attrs=None, opset=21, outputs=1, rtol=1e-5, atol=1e-6, reference=False):
    """Plexus and onnxruntime (or the reference evaluator) agree on every output (dtype, shape, values)."""
    inputs = [None if x is None else np.asarray(x) for x in inputs]
    expected = ort_run(name, inputs, attrs, opset, outputs, reference)
    got = [t.numpy() for t in op(name, inputs, attrs, outputs=outputs)]
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.shape == e.shape, (g.dtype, g.shape, e.dtype, e.shape)
        np.testing.assert_allclose(g.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol)


# Quantization ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int16])
def test_quantize_dequantize_per_tensor(dtype):
    x = (RNG.standard_normal((3, 4)) * 50).astype(np.float32)
    x[0, :3] = [2.5, 3.5, -2.5]      # ties round to even
    scale, zero = np.float32(0.5), np.array(3, dtype=dtype)
    check("QuantizeLinear", [x, scale, zero])
    q = op("QuantizeLinear", [x, scale, zero])[0].numpy()
    check("DequantizeLinear", [q, scale, zero])
    check("QuantizeLinear", [x, scale], {"output_dtype": int(helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))})


def test_quantize_per_axis_and_blocked():
    x = (RNG.standard_normal((2, 6, 3)) * 10).astype(np.float32)
    scale, zero = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], np.float32), np.arange(6, dtype=np.int8)
    check("QuantizeLinear", [x, scale, zero], {"axis": 1})
    check("DequantizeLinear", [op("QuantizeLinear", [x, scale, zero], {"axis": 1})[0].numpy(), scale, zero], {"axis": 1})
    blocked_scale = (RNG.random((2, 3, 3)) + 0.1).astype(np.float32)
    blocked_zero = RNG.integers(0, 20, (2, 3, 3)).astype(np.uint8)
    check("QuantizeLinear", [x, blocked_scale, blocked_zero], {"axis": 1, "block_size": 2})
    q = RNG.integers(0, 255, (2, 6, 3)).astype(np.uint8)
    check("DequantizeLinear", [q, blocked_scale, blocked_zero], {"axis": 1, "block_size": 2})
    check("DequantizeLinear", [np.array([-5, 7, 100], np.int32), np.float32(0.25)])


def test_dynamic_quantize_linear():
    for x in [RNG.standard_normal((3, 5)).astype(np.float32), np.array([1.0, 2.0, 5.0], np.float32)]:
        check("DynamicQuantizeLinear", [x], outputs=3, opset=11)


def test_quantization_errors():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(PlexusError, match="per-axis"):
        op("QuantizeLinear", [x, np.ones(4, np.float32)], {"axis": 1})
    with pytest.raises(PlexusError, match="blocked"):
        op("QuantizeLinear", [x, np.ones((2, 3), np.float32)], {"axis": 1, "block_size": 2})
    with pytest.raises(PlexusError, match="output_dtype"):
        op("QuantizeLinear", [x, np.float32(1)], {"output_dtype": 1})
    with pytest.raises(PlexusError, match="zero point dtype"):
        op("DequantizeLinear", [np.ones(3, np.uint8), np.float32(1), np.int8(0)])


# Quantized matrix products and convolutions -------------------------------------------------

@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
def test_qlinear_matmul_and_matmul_integer(dtype):
    info = np.iinfo(dtype)
    a = RNG.integers(info.min, info.max, (2, 3, 4)).astype(dtype)
    b = RNG.integers(info.min, info.max, (4, 5)).astype(dtype)
    zp = lambda v: np.array([v], dtype)
    check("QLinearMatMul", [a, np.array([0.05], np.float32), zp(3), b, np.array([0.02], np.float32), zp(2),
                            np.array([0.4], np.float32), zp(5)])
    check("MatMulInteger", [a, b, zp(3), zp(2)], opset=10)
    row_zero, column_zero = np.array([1, 2, 3], dtype), np.arange(5).astype(dtype)
    got = op("MatMulInteger", [a[0], b, row_zero, column_zero])[0].numpy()
    want = (a[0].astype(np.int32) - row_zero[:, None]) @ (b.astype(np.int32) - column_zero)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, want)


def test_conv_integer_and_qlinear_conv():
    x = RNG.integers(0, 255, (1, 2, 5, 5)).astype(np.uint8)
    w = RNG.integers(0, 255, (3, 2, 3, 3)).astype(np.uint8)
    check("ConvInteger", [x, w, np.uint8(10), np.uint8(3)], {"pads": [1, 1, 1, 1], "strides": [2, 1]}, opset=10)
    bias = RNG.integers(-1000, 1000, 3).astype(np.int32)
    check("QLinearConv", [x, np.float32(0.02), np.uint8(4), w, np.array([0.01, 0.02, 0.03], np.float32),
                          np.array([1, 2, 3], np.uint8), np.float32(1.5), np.uint8(7), bias], {"pads": [1, 0, 1, 0]}, opset=10)


# Sampling and geometry --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["linear", "nearest", "cubic"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [0, 1])
def test_grid_sample_2d(mode, padding, align):
    x = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    grid = (RNG.random((2, 3, 6, 2)) * 2.6 - 1.3).astype(np.float32)
    # onnxruntime's cubic/border sampling departs from the spec's reference implementation.
    check("GridSample", [x, grid], {"mode": mode, "padding_mode": padding, "align_corners": align}, opset=22, rtol=1e-4, atol=1e-5,
          reference=(mode, padding) == ("cubic", "border"))


@pytest.mark.parametrize("mode", ["linear", "nearest"])
def test_grid_sample_3d(mode):
    x = RNG.standard_normal((1, 2, 3, 4, 5)).astype(np.float32)
    grid = (RNG.random((1, 2, 3, 4, 3)) * 2.4 - 1.2).astype(np.float32)
    for padding in ["zeros", "border", "reflection"]:
        check("GridSample", [x, grid], {"mode": mode, "padding_mode": padding}, opset=22, rtol=1e-4, atol=1e-5)


def test_affine_grid_forward_and_gradient():
    for size, align in [([2, 1, 3, 4], 0), ([2, 1, 3, 4], 1), ([1, 1, 2, 3, 4], 0)]:
        theta = RNG.standard_normal((size[0], len(size) - 2, len(size) - 1)).astype(np.float32)
        check("AffineGrid", [theta, np.array(size, np.int64)], {"align_corners": align}, opset=20)
    theta = Tensor.of(RNG.standard_normal((2, 2, 3)), requires_grad=True)
    gradient_check(lambda: op("AffineGrid", [theta, np.array([2, 1, 3, 2], np.int64)])[0], [theta])


def test_center_crop_pad_and_col2im():
    x = RNG.standard_normal((4, 5, 3)).astype(np.float32)
    check("CenterCropPad", [x, np.array([7, 2], np.int64)], {"axes": [0, 1]}, opset=18)
    check("CenterCropPad", [x, np.array([3, 8, 3], np.int64)], opset=18)
    cols = RNG.standard_normal((2, 2 * 4, 6)).astype(np.float32)
    check("Col2Im", [cols, np.array([4, 5], np.int64), np.array([2, 2], np.int64)],
          {"strides": [2, 1], "pads": [1, 0, 0, 0], "dilations": [1, 2]}, opset=18)


def test_scatter_alias():
    data = np.zeros((3, 3), np.float32)
    indices, updates = np.array([[1, 0, 2]], np.int64), np.array([[1.0, 2.0, 3.0]], np.float32)
    check("Scatter", [data, indices, updates], {"axis": 1}, opset=10)


# Pooling -------------------------------------------------------------------------------------------

def test_lp_pool_forward_and_gradient():
    x = RNG.standard_normal((1, 2, 6, 5)).astype(np.float32)
    check("LpPool", [x], {"kernel_shape": [2, 3], "p": 3, "strides": [2, 1], "pads": [1, 0, 1, 1]}, opset=18, rtol=1e-4)
    check("LpPool", [x], {"kernel_shape": [2, 2], "auto_pad": "SAME_UPPER"}, opset=18, rtol=1e-4)
    t = Tensor.of(RNG.standard_normal((1, 1, 4, 4)) + 3, requires_grad=True)
    gradient_check(lambda: op("LpPool", [t], {"kernel_shape": [2, 2], "p": 2, "strides": [1, 1]})[0], [t])
    with pytest.raises(PlexusError, match="p must be positive"):
        op("LpPool", [x], {"kernel_shape": [2, 2], "p": 0})



def test_global_lp_pool_forward_and_gradient():
    for shape, p in (((2, 3, 5, 4), 2), ((1, 2, 7), 3), ((2, 3, 2, 3, 2), 1)):
        check("GlobalLpPool", [RNG.standard_normal(shape).astype(np.float32)], {"p": p}, opset=18, rtol=1e-4)
    flat = RNG.standard_normal((2, 3)).astype(np.float32)  # no spatial dims: the norm of one element
    np.testing.assert_allclose(op("GlobalLpPool", [flat], {"p": 2})[0].numpy(), np.abs(flat), rtol=1e-6)
    t = Tensor.of(RNG.standard_normal((1, 2, 3, 3)) + 3, requires_grad=True)
    gradient_check(lambda: op("GlobalLpPool", [t], {"p": 3})[0], [t])
    with pytest.raises(PlexusError, match="p must be positive"):
        op("GlobalLpPool", [RNG.standard_normal((1, 1, 2, 2)).astype(np.float32)], {"p": 0})
    with pytest.raises(PlexusError, match="batch and a channel"):
        op("GlobalLpPool", [np.ones(3, np.float32)])


# Detection ----------------------------------------------------------------------------------------

def test_non_max_suppression():
    boxes = RNG.random((2, 6, 4)).astype(np.float32)
    scores = RNG.random((2, 3, 6)).astype(np.float32)
    limits = [np.array([3], np.int64), np.array([0.3], np.float32), np.array([0.2], np.float32)]
    check("NonMaxSuppression", [boxes, scores] + limits, opset=11)
    check("NonMaxSuppression", [boxes, scores] + limits, {"center_point_box": 1}, opset=11)
    with pytest.raises(PlexusError, match="boxes must be"):
        op("NonMaxSuppression", [boxes[0], scores])


# Signal processing -------------------------------------------------------------------------------

def test_dft_variants():
    real = RNG.standard_normal((2, 8, 3, 1)).astype(np.float32)
    complex_ = RNG.standard_normal((2, 8, 3, 2)).astype(np.float32)
    axis1 = np.array(1, np.int64)
    check("DFT", [real, None, axis1], opset=20, rtol=1e-4, atol=1e-5)
    check("DFT", [real, None, axis1], {"onesided": 1}, opset=20, rtol=1e-4, atol=1e-5)
    check("DFT", [complex_, np.array(6, np.int64), np.array(-2, np.int64)], {"inverse": 1}, opset=20, rtol=1e-4, atol=1e-5)
    check("DFT", [complex_, np.array(10, np.int64), axis1], opset=20, rtol=1e-4, atol=1e-5)
    half = np.fft.rfft(RNG.standard_normal(8))
    spectrum = np.stack([half.real, half.imag], -1)[None, :, :].astype(np.float32)
    got = op("DFT", [spectrum, None, axis1], {"inverse": 1, "onesided": 1})[0].numpy()
    np.testing.assert_allclose(got[0, :, 0], np.fft.irfft(half, 8), atol=1e-5)
    with pytest.raises(PlexusError, match="last dim"):
        op("DFT", [np.ones((2, 3, 4), np.float32)])


def test_stft_and_windows():
    signal = RNG.standard_normal((2, 32, 1)).astype(np.float32)
    window = np.hanning(8).astype(np.float32)
    check("STFT", [signal, np.array(4, np.int64), window], opset=17, rtol=1e-4, atol=1e-5)
    check("STFT", [signal, np.array(5, np.int64), None, np.array(8, np.int64)], {"onesided": 0}, opset=17, rtol=1e-4, atol=1e-5)
    for name in ["HannWindow", "HammingWindow", "BlackmanWindow"]:
        for periodic in [0, 1]:
            check(name, [np.array(10, np.int64)], {"periodic": periodic}, opset=17)
        check(name, [np.array(6, np.int32)], {"output_datatype": 11}, opset=17)


def test_bit_cast():
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_array_equal(op("BitCast", [x], {"to": 6})[0].numpy(), x.view(np.int32))
    np.testing.assert_array_equal(op("BitCast", [np.array([-1, 5], np.int8)], {"to": 2})[0].numpy(), np.array([255, 5], np.uint8))
    with pytest.raises(PlexusError, match="width"):
        op("BitCast", [x], {"to": 11})


def test_max_unpool():
    x = RNG.standard_normal((1, 2, 4, 4)).astype(np.float32)
    pooled, indices = ort_run("MaxPool", [x], {"kernel_shape": [2, 2], "strides": [2, 2]}, opset=22, outputs=2)
    check("MaxUnpool", [pooled, indices], {"kernel_shape": [2, 2], "strides": [2, 2]}, opset=22)
    got = op("MaxUnpool", [pooled, indices, np.array([1, 2, 5, 5], np.int64)], {"kernel_shape": [2, 2], "strides": [2, 2]})[0].numpy()
    np.testing.assert_array_equal(got[:, :, :4, :4], op("MaxUnpool", [pooled, indices], {"kernel_shape": [2, 2], "strides": [2, 2]})[0].numpy())
    with pytest.raises(PlexusError, match="outside"):
        op("MaxUnpool", [pooled, indices + 100], {"kernel_shape": [2, 2], "strides": [2, 2]})


@pytest.mark.parametrize("mode", ["avg", "max"])
@pytest.mark.parametrize("transform", ["half_pixel", "output_half_pixel"])
def test_roi_align(mode, transform):
    x = RNG.standard_normal((2, 3, 8, 9)).astype(np.float32)
    rois = np.array([[0.5, 1.0, 6.0, 7.5], [2.0, 0.0, 3.0, 2.0], [-1.0, 5.0, 10.0, 9.0]], np.float32)
    attrs = {"mode": mode, "coordinate_transformation_mode": transform, "output_height": 3, "output_width": 2, "spatial_scale": 0.9}
    check("RoiAlign", [x, rois, np.array([0, 1, 1], np.int64)], attrs, opset=16, rtol=1e-4, atol=1e-5)
    check("RoiAlign", [x, rois, np.array([1, 0, 0], np.int64)], dict(attrs, sampling_ratio=2), opset=16, rtol=1e-4, atol=1e-5)
    with pytest.raises(PlexusError, match="batch index"):
        op("RoiAlign", [x, rois, np.array([0, 1, 2], np.int64)])


def test_mel_weight_matrix():
    inputs = [np.array(8, np.int32), np.array(64, np.int32), np.array(8000, np.int32), np.float32(100), np.float32(3000)]
    check("MelWeightMatrix", inputs, opset=17, reference=True)
    with pytest.raises(PlexusError, match="num_mel_bins"):
        op("MelWeightMatrix", [np.array(0, np.int32)] + inputs[1:])
