"""The CNN plugin's layer types with PyTorch's constructor arguments: parameter shapes and
default initialisation, forward results against onnxruntime or numpy written from PyTorch's
definitions, running statistics, finite-difference gradient checks in float64, and errors."""
import numpy as np
import pytest
from safetensors.numpy import load_file

from plexus_c import Layer, PlexusError, Tensor, gradient_check, lib, write_numpy
from plexus_c import check as check_status
from test_cnn_ops import reference

FLOAT64 = 11
rng = np.random.default_rng(11)


def normal(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def parameters(layer):
    return {name: tensor.numpy() for name, tensor in layer.parameters()}


def state(layer, tmp_path):
    """Parameters and buffers, as the layer's checkpoint holds them."""
    path = tmp_path / "state.safetensors"
    check_status(lib.plx_state_save(layer.handle, str(path).encode()))
    return load_file(str(path))


def check_layer_gradients(layer, x):
    """Gradient check of a float64 layer with respect to its input and every parameter."""
    leaf = Tensor.of(x.astype(np.float64), requires_grad=True)
    params = [t for _, t in layer.parameters()]
    gradient_check(lambda: layer(leaf), [leaf] + params)


# ------------------------------------------------------------------------------ convolution

@pytest.mark.parametrize("name,attrs,x_shape", [
    ("Conv1d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3}, (2, 3, 9)),
    ("Conv1d", {"in_channels": 4, "out_channels": 6, "kernel_size": 2, "stride": 2, "padding": 1, "dilation": 2, "groups": 2},
     (2, 4, 11)),
    ("Conv2d", {"in_channels": 1, "out_channels": 16, "kernel_size": 3, "padding": 1}, (4, 1, 8, 8)),
    ("Conv2d", {"in_channels": 4, "out_channels": 4, "kernel_size": 3, "groups": 4, "bias": 0}, (2, 4, 6, 5)),
    ("Conv2d", {"in_channels": 2, "out_channels": 3, "kernel_size": 2, "stride": 2, "padding": 1, "dilation": 2}, (1, 2, 7, 7)),
    ("Conv2d", {"in_channels": 2, "out_channels": 3, "kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 0],
                "dilation": [1, 2]}, (1, 2, 7, 7)),
])
def test_conv_layers_match_onnx_conv(name, attrs, x_shape):
    layer = Layer(name, attrs)
    p = parameters(layer)
    rank = len(x_shape) - 2

    def spread(name, default):  # PyTorch's int-or-tuple arguments
        value = attrs.get(name, default)
        return list(value) if isinstance(value, list) else [value] * rank
    groups, kernel = attrs.get("groups", 1), spread("kernel_size", None)
    assert p["weight"].shape == (attrs["out_channels"], attrs["in_channels"] // groups) + tuple(kernel)
    bound = 1 / np.sqrt(attrs["in_channels"] // groups * np.prod(kernel))
    assert np.abs(p["weight"]).max() <= bound and np.abs(p["weight"]).max() > bound / 2
    assert ("bias" in p) == (attrs.get("bias", 1) == 1)
    if "bias" in p:
        assert p["bias"].shape == (attrs["out_channels"],) and np.abs(p["bias"]).max() <= bound
    x = normal(*x_shape)
    onnx_attrs = {"strides": spread("stride", 1), "pads": spread("padding", 0) * 2, "dilations": spread("dilation", 1), "group": groups}
    expected = reference("Conv", [x, p["weight"]] + ([p["bias"]] if "bias" in p else []), onnx_attrs)[0]
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,attrs,x_shape", [
    ("Conv1d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "padding": 1}, (2, 2, 5)),
    ("Conv2d", {"in_channels": 4, "out_channels": 2, "kernel_size": 2, "stride": 2, "groups": 2}, (2, 4, 4, 5)),
    ("ConvTranspose2d", {"in_channels": 2, "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1,
                         "groups": 2}, (1, 2, 3, 2)),
])
def test_conv_layer_gradients(name, attrs, x_shape):
    check_layer_gradients(Layer(name, dict(attrs, dtype=FLOAT64)), normal(*x_shape))


def test_conv_transpose2d_matches_onnx_and_pytorch_sizes():
    attrs = {"in_channels": 4, "out_channels": 6, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1,
             "groups": 2, "dilation": 2}
    layer = Layer("ConvTranspose2d", attrs)
    p = parameters(layer)
    assert p["weight"].shape == (4, 3, 3, 3) and p["bias"].shape == (6,)
    assert np.abs(p["weight"]).max() <= 1 / np.sqrt(3 * 9)
    x = normal(2, 4, 5, 4)
    y = layer(x).numpy()
    # PyTorch: (in − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1
    assert y.shape == (2, 6, (5 - 1) * 2 - 2 + 2 * 2 + 1 + 1, (4 - 1) * 2 - 2 + 2 * 2 + 1 + 1)
    expected = reference("ConvTranspose", [x, p["weight"], p["bias"]],
                         {"strides": [2, 2], "pads": [1, 1, 1, 1], "output_padding": [1, 1], "group": 2, "dilations": [2, 2]})[0]
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,attrs,message", [
    ("Conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "groups": 2}, "divisible by groups"),
    ("Conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": 0}, "kernel_size"),
    ("Conv2d", {"in_channels": 3, "out_channels": 4}, "kernel_size"),
    ("Conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "dtype": 7}, "dtype"),
    ("Conv1d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "padding": -1}, "padding"),
    ("Conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": [3, 3, 3]}, "1 or 2 values"),
    ("ConvTranspose2d", {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "output_padding": 1}, "output_padding"),
])
def test_conv_layers_reject_bad_settings(name, attrs, message):
    with pytest.raises(PlexusError, match=message):
        layer = Layer(name, attrs)
        layer(normal(1, attrs["in_channels"], 6, 6))


@pytest.mark.parametrize("name,x,message", [
    ("Conv2d", normal(1, 2, 6, 6), "channels"),
    ("Conv2d", normal(3, 6, 6), r"\[N, C, H, W\]"),
    ("Conv1d", normal(1, 3, 6, 6), r"\[N, C, L\]"),
])
def test_conv_layers_reject_bad_input(name, x, message):
    layer = Layer(name, {"in_channels": 3, "out_channels": 2, "kernel_size": 3})
    with pytest.raises(PlexusError, match=message):
        layer(x)


# ---------------------------------------------------------------------------------- pooling

@pytest.mark.parametrize("name,attrs,x_shape,onnx_attrs", [
    ("MaxPool2d", {"kernel_size": 2}, (2, 3, 8, 8), {"kernel_shape": [2, 2], "strides": [2, 2]}),
    ("MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": 1}, (1, 2, 8, 7),
     {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1}),
    ("MaxPool2d", {"kernel_size": 2, "stride": 1, "dilation": 2}, (1, 2, 6, 6), {"kernel_shape": [2, 2], "dilations": [2, 2]}),
    ("MaxPool1d", {"kernel_size": 3, "stride": 2}, (2, 3, 9), {"kernel_shape": [3], "strides": [2]}),
    ("MaxPool2d", {"kernel_size": [2, 3], "stride": [1, 2], "padding": [1, 0]}, (1, 2, 6, 7),
     {"kernel_shape": [2, 3], "strides": [1, 2], "pads": [1, 0, 1, 0]}),
    ("AvgPool2d", {"kernel_size": 2}, (2, 3, 8, 8), {"kernel_shape": [2, 2], "strides": [2, 2], "count_include_pad": 1}),
    ("AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": 1}, (1, 2, 8, 7),
     {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1, "count_include_pad": 1}),
    ("AvgPool2d", {"kernel_size": 3, "padding": 1, "count_include_pad": 0}, (1, 2, 6, 6),
     {"kernel_shape": [3, 3], "strides": [3, 3], "pads": [1, 1, 1, 1]}),
    ("AvgPool1d", {"kernel_size": 2, "padding": 1}, (2, 3, 7), {"kernel_shape": [2], "strides": [2], "pads": [1, 1], "count_include_pad": 1}),
])
def test_pool_layers_match_onnx(name, attrs, x_shape, onnx_attrs):
    layer, x = Layer(name, attrs), normal(*x_shape)
    expected = reference("MaxPool" if name.startswith("Max") else "AveragePool", [x], onnx_attrs)[0]
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-6, atol=1e-6)
    check_layer_gradients(layer, normal(*x_shape))


def adaptive_average(x, out_h, out_w):
    """PyTorch's adaptive windows: cell i averages ⌊i·n/out⌋ ..< ⌈(i+1)·n/out⌉."""
    h, w = x.shape[2:]
    result = np.zeros(x.shape[:2] + (out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(i * h // out_h, -(-(i + 1) * h // out_h))
            columns = slice(j * w // out_w, -(-(j + 1) * w // out_w))
            result[:, :, i, j] = x[:, :, rows, columns].mean(axis=(2, 3))
    return result


@pytest.mark.parametrize("output_size,x_shape", [(1, (2, 3, 5, 7)), (2, (2, 3, 6, 4)), (3, (1, 2, 7, 5)), (4, (1, 2, 3, 3)),
                                                 ([2, 3], (1, 2, 5, 9))])
def test_adaptive_avg_pool2d(output_size, x_shape):
    layer, x = Layer("AdaptiveAvgPool2d", {"output_size": output_size}), normal(*x_shape)
    out_h, out_w = output_size if isinstance(output_size, list) else (output_size, output_size)
    np.testing.assert_allclose(layer(x).numpy(), adaptive_average(x, out_h, out_w), rtol=1e-5, atol=1e-6)
    check_layer_gradients(layer, normal(*x_shape))


@pytest.mark.parametrize("name,attrs,x,message", [
    ("MaxPool2d", {"kernel_size": 2, "padding": 2}, normal(1, 1, 6, 6), "at most half"),
    ("MaxPool2d", {"kernel_size": 2}, normal(1, 6, 6), r"\[N, C, H, W\]"),
    ("AvgPool1d", {"kernel_size": 0}, normal(1, 1, 6), "kernel_size"),
    ("AdaptiveAvgPool2d", {"output_size": 0}, normal(1, 1, 6, 6), "output_size"),
])
def test_pool_layers_reject_bad_input(name, attrs, x, message):
    with pytest.raises(PlexusError, match=message):
        Layer(name, attrs)(x)


# ----------------------------------------------------------------------------- batch norm

def test_batch_norm2d_trains_and_updates_running_statistics_like_pytorch(tmp_path):
    layer = Layer("BatchNorm2d", {"num_features": 3, "momentum": 0.2, "eps": 1e-3})
    assert {name: p.shape for name, p in parameters(layer).items()} == {"weight": (3,), "bias": (3,)}
    start = state(layer, tmp_path)
    np.testing.assert_array_equal(start["running_mean"], np.zeros(3))
    np.testing.assert_array_equal(start["running_var"], np.ones(3))
    x = normal(4, 3, 5, 2) * 2 + 1
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    y = layer(x).numpy()
    expected = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-3)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)
    after = state(layer, tmp_path)
    count = x.size / 3
    np.testing.assert_allclose(after["running_mean"], 0.2 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(after["running_var"], 0.8 + 0.2 * var * count / (count - 1), rtol=1e-5)
    layer.train(False)
    z = normal(2, 3, 2, 2)
    running = (z - after["running_mean"][None, :, None, None]) / np.sqrt(after["running_var"][None, :, None, None] + 1e-3)
    np.testing.assert_allclose(layer(z).numpy(), running, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(state(layer, tmp_path)["running_mean"], after["running_mean"])


@pytest.mark.parametrize("x_shape", [(5, 3), (4, 3, 6)])
def test_batch_norm1d_without_affine_or_tracking(x_shape, tmp_path):
    x = normal(*x_shape)
    axes = (0,) if len(x_shape) == 2 else (0, 2)
    expected = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + 1e-5)
    plain = Layer("BatchNorm1d", {"num_features": 3, "affine": 0})
    assert plain.parameters() == []
    np.testing.assert_allclose(plain(x).numpy(), expected, rtol=1e-4, atol=1e-4)
    untracked = Layer("BatchNorm1d", {"num_features": 3, "track_running_stats": 0})
    untracked.train(False)
    assert set(state(untracked, tmp_path)) == {"weight", "bias"}
    np.testing.assert_allclose(untracked(x).numpy(), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name,x_shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (3, 3, 4)), ("BatchNorm2d", (2, 3, 3, 2))])
def test_batch_norm_gradients(name, x_shape):
    layer = Layer(name, {"num_features": 3, "dtype": FLOAT64})
    for _, parameter in layer.parameters():  # away from the initial ones and zeros
        write_numpy(parameter, rng.standard_normal(3))
    check_layer_gradients(layer, normal(*x_shape))
    layer.train(False)
    check_layer_gradients(layer, normal(*x_shape))


@pytest.mark.parametrize("name,attrs,x,message", [
    ("BatchNorm2d", {"num_features": 3}, normal(2, 4, 3, 3), "channels"),
    ("BatchNorm2d", {"num_features": 3}, normal(2, 3, 3), r"\[N, C, H, W\]"),
    ("BatchNorm1d", {"num_features": 3}, normal(1, 3), "more than one value"),
    ("BatchNorm1d", {"num_features": 0}, normal(2, 3), "num_features"),
    ("BatchNorm1d", {"num_features": 3, "momentum": 2.0}, normal(2, 3), "momentum"),
])
def test_batch_norm_rejects_bad_input(name, attrs, x, message):
    with pytest.raises(PlexusError, match=message):
        Layer(name, attrs)(x)


# ------------------------------------------------------------------------ flatten, upsample

@pytest.mark.parametrize("attrs,shape", [({}, (2, 12)), ({"start_dim": 0}, (24,)), ({"start_dim": 1, "end_dim": 2}, (2, 6, 2)),
                                         ({"start_dim": -2}, (2, 3, 4))])
def test_flatten(attrs, shape):
    layer, x = Layer("Flatten", attrs), normal(2, 3, 2, 2)
    np.testing.assert_array_equal(layer(x).numpy(), x.reshape(shape))
    check_layer_gradients(layer, x)
    with pytest.raises(PlexusError, match="start_dim"):
        Layer("Flatten", {"start_dim": 3, "end_dim": 1})(x)


def bilinear(x, out_h, out_w, align_corners):
    """PyTorch's bilinear interpolation (source index clamped at 0 without align_corners)."""
    def taps(n, out):
        if align_corners:
            source = np.arange(out) * ((n - 1) / (out - 1) if out > 1 else 0)
        else:
            source = np.maximum((np.arange(out) + 0.5) * n / out - 0.5, 0)
        low = np.minimum(np.floor(source).astype(int), n - 1)
        return low, np.minimum(low + 1, n - 1), source - low
    (r0, r1, wr), (c0, c1, wc) = taps(x.shape[2], out_h), taps(x.shape[3], out_w)
    rows = x[:, :, r0] * (1 - wr)[:, None] + x[:, :, r1] * wr[:, None]
    return rows[..., c0] * (1 - wc) + rows[..., c1] * wc


def test_upsample():
    x = normal(2, 3, 3, 4)
    np.testing.assert_array_equal(Layer("Upsample", {"scale_factor": 2.0})(x).numpy(), x.repeat(2, axis=2).repeat(2, axis=3))
    np.testing.assert_array_equal(Layer("Upsample", {"size": 6, "mode": "nearest"})(x[..., :3]).numpy(),
                                  x[..., :3].repeat(2, axis=2).repeat(2, axis=3))
    for align in (0, 1):
        for target in ({"scale_factor": 2.0}, {"size": 5}):
            layer = Layer("Upsample", dict(target, mode="bilinear", align_corners=align))
            out = 5 if "size" in target else None
            expected = bilinear(x, out or 6, out or 8, align)
            np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(Layer("Upsample", {"scale_factor": [2.0, 3.0]})(x).numpy(), x.repeat(2, axis=2).repeat(3, axis=3))
    np.testing.assert_allclose(Layer("Upsample", {"size": [4, 7], "mode": "bilinear", "align_corners": 1})(x).numpy(),
                               bilinear(x, 4, 7, True), rtol=1e-5, atol=1e-6)
    line = normal(2, 3, 5)
    linear = Layer("Upsample", {"scale_factor": 3.0, "mode": "linear"})(line).numpy()
    np.testing.assert_allclose(linear, bilinear(line[:, :, None, :], 1, 15, 0)[:, :, 0], rtol=1e-5, atol=1e-6)
    check_layer_gradients(Layer("Upsample", {"scale_factor": 2.0, "mode": "bilinear"}), normal(1, 2, 3, 3))
    check_layer_gradients(Layer("Upsample", {"scale_factor": 1.5}), normal(1, 2, 3, 3))


@pytest.mark.parametrize("attrs,x,message", [
    ({}, normal(1, 2, 3, 3), "exactly one"),
    ({"size": 4, "scale_factor": 2.0}, normal(1, 2, 3, 3), "exactly one"),
    ({"scale_factor": 2.0, "mode": "area"}, normal(1, 2, 3, 3), "mode"),
    ({"scale_factor": 2.0, "align_corners": 1}, normal(1, 2, 3, 3), "align_corners"),
    ({"scale_factor": 2.0, "mode": "bilinear"}, normal(1, 2, 3), "rank"),
    ({"size": [2, 3, 4]}, normal(1, 2, 3, 3), "1 or 2 values"),
])
def test_upsample_rejects_bad_settings(attrs, x, message):
    with pytest.raises(PlexusError, match=message):
        Layer("Upsample", attrs)(x)
