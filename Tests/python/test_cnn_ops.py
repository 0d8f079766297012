"""The CNN plugin's operators: forward results against onnxruntime running the single ONNX op
(opset 19; Upsample at opset 9) or against numpy, finite-difference gradient checks in float64,
and clear errors for bad input."""
import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper

from plexus_c import PlexusError, Tensor, gradient_check, op

OPSET = 19
FLOAT, INT64 = TensorProto.FLOAT, TensorProto.INT64
rng = np.random.default_rng(7)


def reference(name, inputs, attrs, outputs=(FLOAT,), opset=OPSET):
    """Runs one ONNX node in onnxruntime; None inputs are omitted optional inputs."""
    names = [f"x{i}" if x is not None else "" for i, x in enumerate(inputs)]
    node = helper.make_node(name, names, [f"y{i}" for i in range(len(outputs))], **attrs)
    given = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(x.dtype), x.shape)
             for n, x in zip(names, inputs) if x is not None]
    produced = [helper.make_tensor_value_info(f"y{i}", t, None) for i, t in enumerate(outputs)]
    model = helper.make_model(helper.make_graph([node], "single", given, produced),
                              opset_imports=[helper.make_opsetid("", opset)], ir_version=9 if opset >= 13 else 4)
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {n: x for n, x in zip(names, inputs) if x is not None})


def check(name, inputs, attrs, outputs=(FLOAT,), opset=OPSET, atol=1e-5):
    """Plexus and onnxruntime agree on every output (shapes exactly, values to `atol`)."""
    expected = reference(name, inputs, attrs, outputs, opset)
    got = [t.numpy() for t in op(name, inputs, attrs, outputs=len(outputs))]
    for e, g in zip(expected, got):
        assert e.shape == g.shape, f"{name} {attrs}: shape {g.shape}, onnxruntime {e.shape}"
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=atol, err_msg=f"{name} {attrs}")


def normal(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def leaves(*arrays):
    """float64 Tensors that require grad."""
    return [Tensor.of(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]


# --------------------------------------------------------------------------------------- Conv

CONV_CASES = [
    ((2, 3, 10), (4, 3, 3), {}),
    ((2, 3, 7, 6), (4, 3, 3, 3), {}),
    ((2, 4, 9, 8), (6, 2, 3, 2), {"strides": [2, 1], "pads": [1, 0, 2, 1], "dilations": [1, 2], "group": 2}),
    ((1, 3, 7, 8), (2, 3, 4, 3), {"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
    ((1, 3, 7, 8), (2, 3, 4, 3), {"auto_pad": "SAME_LOWER", "strides": [2, 2]}),
    ((1, 3, 7, 8), (2, 3, 3, 3), {"auto_pad": "VALID", "strides": [2, 3]}),
    ((2, 4, 5, 5), (4, 1, 3, 3), {"group": 4, "pads": [1, 1, 1, 1]}),
    ((2, 4, 5, 5), (8, 1, 3, 3), {"group": 4, "kernel_shape": [3, 3]}),
    ((1, 2, 5, 6, 7), (3, 2, 3, 2, 3), {"strides": [2, 1, 2], "pads": [1, 0, 1, 0, 1, 1]}),
]


@pytest.mark.parametrize("x_shape,w_shape,attrs", CONV_CASES)
def test_conv_matches_onnxruntime(x_shape, w_shape, attrs):
    x, w, b = normal(*x_shape), normal(*w_shape), normal(w_shape[0])
    check("Conv", [x, w, b], attrs)
    check("Conv", [x, w], attrs)


@pytest.mark.parametrize("x_shape,w_shape,attrs", [CONV_CASES[i] for i in (0, 2, 4, 6, 8)])
def test_conv_gradient(x_shape, w_shape, attrs):
    x, w, b = leaves(normal(1, *x_shape[1:]), normal(*w_shape), normal(w_shape[0]))
    gradient_check(lambda: op("Conv", [x, w, b], attrs)[0], [x, w, b])


def test_conv_runs_large_batches_in_chunks():
    # 70 items of 4·9·4096 column entries each exceed the 2^24-element column budget.
    x, w = normal(70, 4, 64, 64), normal(2, 4, 3, 3)
    check("Conv", [x, w], {"pads": [1, 1, 1, 1]}, atol=1e-4)


def test_conv_float16_runs_in_float32():
    x, w = normal(2, 3, 6, 6), normal(4, 3, 3, 3)
    (wide,) = op("Conv", [x, w])
    (half,) = op("Conv", [x.astype(np.float16), w.astype(np.float16)])
    assert half.numpy().dtype == np.float16
    np.testing.assert_allclose(half.numpy().astype(np.float32), wide.numpy(), rtol=1e-2, atol=2e-2)


@pytest.mark.parametrize("inputs,attrs,message", [
    ([normal(1, 3, 5, 5), normal(2, 4, 3, 3)], {}, "channels"),
    ([normal(3, 5), normal(2, 3, 3)], {}, "spatial"),
    ([normal(1, 3, 5, 5), normal(2, 3, 3)], {}, "rank"),
    ([normal(1, 4, 5, 5), normal(3, 2, 3, 3)], {"group": 2}, "groups"),
    ([normal(1, 3, 5, 5), normal(2, 3, 3, 3)], {"kernel_shape": [2, 2]}, "kernel_shape"),
    ([normal(1, 3, 5, 5), normal(2, 3, 3, 3)], {"auto_pad": "SAME"}, "auto_pad"),
    ([normal(1, 3, 5, 5), normal(2, 3, 3, 3)], {"strides": [1]}, "strides"),
    ([normal(1, 3, 5, 5), normal(2, 3, 3, 3)], {"pads": [-1, 0, 0, 0]}, "pads"),
    ([normal(1, 3, 5, 5), normal(2, 3, 3, 3)], {"dilations": [2 ** 40, 1]}, "dilations"),
    ([normal(1, 3, 2, 2), normal(2, 3, 3, 3)], {}, "does not fit"),
    ([normal(1, 3, 5, 5), normal(2, 3, 3, 3), normal(3)], {}, "B must"),
    ([normal(1, 3, 5, 5), normal(2, 3, 3, 3).astype(np.float64)], {}, "dtype"),
])
def test_conv_rejects_bad_input(inputs, attrs, message):
    with pytest.raises(PlexusError, match=message):
        op("Conv", inputs, attrs)


# ------------------------------------------------------------------------------ ConvTranspose

TRANSPOSE_CASES = [
    ((2, 3, 6), (3, 2, 3), {}),
    ((2, 3, 4, 5), (3, 2, 3, 3), {}),
    ((1, 4, 4, 3), (4, 3, 3, 2), {"strides": [2, 3], "pads": [1, 0, 0, 1], "output_padding": [1, 2], "group": 2}),
    ((1, 2, 4, 4), (2, 3, 2, 3), {"dilations": [2, 1], "strides": [2, 2]}),
    ((1, 2, 3, 4), (2, 2, 3, 3), {"strides": [2, 2], "output_shape": [7, 8]}),
    ((1, 2, 3, 4), (2, 2, 3, 3), {"strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 2, 3, 4), (2, 2, 4, 4), {"strides": [2, 2], "auto_pad": "SAME_LOWER"}),
    ((1, 3, 4, 4), (3, 1, 3, 3), {"group": 3, "pads": [1, 1, 1, 1]}),
]


@pytest.mark.parametrize("x_shape,w_shape,attrs", TRANSPOSE_CASES)
def test_conv_transpose_matches_onnxruntime(x_shape, w_shape, attrs):
    x, w, b = normal(*x_shape), normal(*w_shape), normal(w_shape[1] * attrs.get("group", 1))
    check("ConvTranspose", [x, w, b], attrs)


@pytest.mark.parametrize("x_shape,w_shape,attrs", [TRANSPOSE_CASES[i] for i in (0, 2, 3, 4, 7)])
def test_conv_transpose_gradient(x_shape, w_shape, attrs):
    x, w, b = leaves(normal(*x_shape), normal(*w_shape), normal(w_shape[1] * attrs.get("group", 1)))
    gradient_check(lambda: op("ConvTranspose", [x, w, b], attrs)[0], [x, w, b])


@pytest.mark.parametrize("attrs,message", [
    ({"strides": [2, 2], "output_padding": [2, 0]}, "output_padding"),
    ({"output_shape": [2, 2, 2]}, "output_shape"),
    ({"output_shape": [40, 40]}, "negative padding"),
])
def test_conv_transpose_rejects_bad_attributes(attrs, message):
    with pytest.raises(PlexusError, match=message):
        op("ConvTranspose", [normal(1, 2, 3, 3), normal(2, 2, 3, 3)], attrs)


# -------------------------------------------------------------------------------- pooling

POOL_CASES = [
    ((2, 3, 9), {"kernel_shape": [3]}),
    ((2, 3, 8, 8), {"kernel_shape": [2, 2]}),
    ((2, 3, 7, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ((1, 2, 8, 7), {"kernel_shape": [3, 2], "strides": [2, 2], "ceil_mode": 1}),
    ((1, 2, 4, 4), {"kernel_shape": [2, 2], "strides": [3, 3], "pads": [1, 1, 1, 1], "ceil_mode": 1}),  # last window dropped
    ((1, 2, 9, 9), {"kernel_shape": [2, 3], "dilations": [2, 2], "strides": [1, 2]}),
    ((1, 2, 10, 9), {"kernel_shape": [3, 3], "dilations": [2, 1], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1}),
    ((1, 2, 7, 8), {"kernel_shape": [3, 3], "auto_pad": "SAME_UPPER", "strides": [2, 2]}),
    ((1, 2, 7, 8), {"kernel_shape": [3, 3], "auto_pad": "SAME_LOWER", "strides": [2, 2]}),
    ((1, 2, 7, 8), {"kernel_shape": [3, 3], "auto_pad": "VALID", "strides": [2, 2]}),
    ((1, 2, 5, 4, 6), {"kernel_shape": [2, 2, 2], "strides": [2, 1, 2]}),
]


@pytest.mark.parametrize("shape,attrs", POOL_CASES)
def test_max_pool_and_indices_match_onnxruntime(shape, attrs):
    x = normal(*shape)
    check("MaxPool", [x], attrs, outputs=(FLOAT, INT64))
    if len(shape) == 4:
        check("MaxPool", [x], dict(attrs, storage_order=1), outputs=(FLOAT, INT64))


@pytest.mark.parametrize("shape,attrs", POOL_CASES)
@pytest.mark.parametrize("include_pad", [0, 1])
def test_average_pool_matches_onnxruntime(shape, attrs, include_pad):
    check("AveragePool", [normal(*shape)], dict(attrs, count_include_pad=include_pad))


@pytest.mark.parametrize("shape,attrs", [POOL_CASES[i] for i in (0, 2, 4, 6, 8)])
def test_pool_gradients(shape, attrs):
    (x,) = leaves(normal(1, *shape[1:]))
    gradient_check(lambda: op("MaxPool", [x], attrs)[0], [x])
    for include_pad in (0, 1):
        gradient_check(lambda: op("AveragePool", [x], dict(attrs, count_include_pad=include_pad))[0], [x])


def test_max_pool_of_int8_and_float16():
    x = rng.integers(-100, 100, (1, 2, 6, 6)).astype(np.int8)
    (y,) = op("MaxPool", [x], {"kernel_shape": [2, 2], "strides": [2, 2]})
    np.testing.assert_array_equal(y.numpy(), x.reshape(1, 2, 3, 2, 3, 2).max(axis=(3, 5)))
    h = normal(1, 2, 6, 6).astype(np.float16)
    (y, indices) = op("MaxPool", [h], {"kernel_shape": [3, 3]}, outputs=2)
    expected = reference("MaxPool", [h.astype(np.float32)], {"kernel_shape": [3, 3]}, outputs=(FLOAT, INT64))
    np.testing.assert_array_equal(y.numpy(), expected[0].astype(np.float16))
    np.testing.assert_array_equal(indices.numpy(), expected[1])


@pytest.mark.parametrize("name", ["GlobalAveragePool", "GlobalMaxPool"])
@pytest.mark.parametrize("shape", [(2, 3, 7), (2, 3, 4, 5), (1, 2, 3, 2, 4)])
def test_global_pools(name, shape):
    x = normal(*shape)
    check(name, [x], {})
    (t,) = leaves(x)
    gradient_check(lambda: op(name, [t])[0], [t])


@pytest.mark.parametrize("name,inputs,attrs,message", [
    ("MaxPool", [normal(1, 2, 5, 5)], {}, "kernel_shape"),
    ("MaxPool", [normal(1, 2, 5, 5)], {"kernel_shape": [2, 2], "pads": [2, 0, 0, 0]}, "smaller than kernel_shape"),
    ("MaxPool", [normal(1, 2, 5, 5)], {"kernel_shape": [2, 2], "storage_order": 2}, "storage_order"),
    ("MaxPool", [normal(2, 5)], {"kernel_shape": [2]}, "spatial"),
    ("AveragePool", [normal(1, 2, 5, 5)], {"kernel_shape": [2, 2], "count_include_pad": 3}, "count_include_pad"),
    ("AveragePool", [normal(1, 2, 5, 5)], {"kernel_shape": [2, 2], "ceil_mode": 2}, "ceil_mode"),
    ("AveragePool", [normal(1, 2, 5, 5)], {"kernel_shape": [6, 2]}, "does not fit"),
    ("GlobalAveragePool", [normal(2, 5)], {}, "spatial"),
])
def test_pools_reject_bad_input(name, inputs, attrs, message):
    with pytest.raises(PlexusError, match=message):
        op(name, inputs, attrs)


# -------------------------------------------------------------------------- normalisation

def test_batch_normalization_inference_and_training_match_onnxruntime():
    for shape in [(3, 4, 5, 2), (6, 4), (2, 4, 3)]:
        x, scale, bias, mean = normal(*shape), normal(4), normal(4), normal(4)
        var = rng.random(4).astype(np.float32) + 0.5
        check("BatchNormalization", [x, scale, bias, mean, var], {"epsilon": 1e-3})
        check("BatchNormalization", [x, scale, bias, mean, var], {"training_mode": 1, "momentum": 0.8}, outputs=(FLOAT,) * 3)
        # Plexus also allows training mode with Y alone (onnxruntime insists on all three outputs).
        expected = reference("BatchNormalization", [x, scale, bias, mean, var], {"training_mode": 1}, outputs=(FLOAT,) * 3)[0]
        (y,) = op("BatchNormalization", [x, scale, bias, mean, var], {"training_mode": 1})
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-5)


def test_batch_normalization_gradients():
    x, scale, bias, mean = leaves(normal(3, 4, 3, 2), normal(4), normal(4), normal(4))
    (var,) = leaves(rng.random(4) + 0.5)
    gradient_check(lambda: op("BatchNormalization", [x, scale, bias, mean, var], {"epsilon": 1e-3})[0], [x, scale, bias, mean, var])
    gradient_check(lambda: op("BatchNormalization", [x, scale, bias, mean, var], {"training_mode": 1})[0], [x, scale, bias])


def test_instance_normalization():
    x, scale, bias = normal(2, 3, 4, 5), normal(3), normal(3)
    check("InstanceNormalization", [x, scale, bias], {"epsilon": 1e-3})
    check("InstanceNormalization", [normal(2, 3, 7), scale, bias], {})
    t, s, b = leaves(normal(2, 3, 3, 2), scale, bias)
    gradient_check(lambda: op("InstanceNormalization", [t, s, b])[0], [t, s, b])


def lrn_reference(x, size, alpha, beta, bias):
    squares = np.pad(x * x, [(0, 0), ((size - 1) // 2, size // 2)] + [(0, 0)] * (x.ndim - 2))
    window = sum(squares[:, i:i + x.shape[1]] for i in range(size))
    return x / (bias + alpha / size * window) ** beta


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_lrn(size):
    x, attrs = normal(2, 6, 3, 4), {"size": size, "alpha": 0.1, "beta": 0.6, "bias": 2.0}
    if size % 2:  # onnxruntime only implements odd sizes
        check("LRN", [x], attrs)
    np.testing.assert_allclose(op("LRN", [x], attrs)[0].numpy(), lrn_reference(x, size, 0.1, 0.6, 2.0), rtol=1e-5, atol=1e-6)
    (t,) = leaves(normal(2, 5, 2, 3))
    gradient_check(lambda: op("LRN", [t], attrs)[0], [t])


@pytest.mark.parametrize("name,inputs,attrs,message", [
    ("BatchNormalization", [normal(2, 3, 4), normal(4), normal(3), normal(3), normal(3)], {}, "scale must have shape"),
    ("BatchNormalization", [normal(3), normal(3), normal(3), normal(3), normal(3)], {}, "N, C"),
    ("BatchNormalization", [normal(2, 3, 4), normal(3), normal(3), normal(3), normal(3).astype(np.float64)], {}, "dtype"),
    ("InstanceNormalization", [normal(2, 3), normal(3), normal(3)], {}, "spatial"),
    ("InstanceNormalization", [normal(2, 3, 4), normal(2), normal(3)], {}, "scale must have shape"),
    ("LRN", [normal(2, 3, 4)], {"size": 0}, "size must be positive"),
])
def test_normalizations_reject_bad_input(name, inputs, attrs, message):
    with pytest.raises(PlexusError, match=message):
        op(name, inputs, attrs)


def test_batch_normalization_running_outputs_need_training_mode():
    x = normal(2, 3, 4)
    with pytest.raises(PlexusError, match="training mode"):
        op("BatchNormalization", [x, normal(3), normal(3), normal(3), normal(3)], {}, outputs=3)


# -------------------------------------------------------------------------------- resizing

def floats(*values):
    return np.array(values, np.float32)


def ints(*values):
    return np.array(values, np.int64)


RESIZE_TARGETS = [(floats(1, 1, 2, 3), None), (floats(1, 1, 0.5, 0.6), None), (floats(1, 1, 1.7, 0.8), None),
                  (None, ints(2, 3, 3, 14)), (None, ints(2, 3, 8, 5))]
COORDINATES = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"]


@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("coordinates", COORDINATES)
def test_resize_interpolation_matches_onnxruntime(mode, coordinates):
    x = normal(2, 3, 5, 7)
    crop = coordinates == "tf_crop_and_resize"
    roi = floats(0, 0, 0.2, 0.1, 1, 1, 0.9, 0.7) if crop else None
    for scales, sizes in RESIZE_TARGETS:
        for exclude in ([0, 1] if mode == "cubic" else [0]):
            attrs = {"mode": mode, "coordinate_transformation_mode": coordinates, "exclude_outside": exclude}
            if crop:
                attrs["extrapolation_value"] = -3.0
            check("Resize", [x, roi, scales, sizes], attrs, atol=5e-5)


# Nearest rounding is exact at ties, where float32 rounding in onnxruntime may differ; these
# targets keep source coordinates away from ties for every coordinate mode.
@pytest.mark.parametrize("rounding", ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"])
@pytest.mark.parametrize("coordinates", ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"])
def test_resize_nearest_matches_onnxruntime(rounding, coordinates):
    x = normal(2, 3, 5, 7)
    roi = floats(0, 0, 0.2, 0.1, 1, 1, 0.9, 0.7) if coordinates == "tf_crop_and_resize" else None
    for scales, sizes in [(floats(1, 1, 2, 3), None), (None, ints(2, 3, 3, 14)), (None, ints(2, 3, 9, 5))]:
        check("Resize", [x, roi, scales, sizes], {"mode": "nearest", "coordinate_transformation_mode": coordinates, "nearest_mode": rounding})


@pytest.mark.parametrize("policy", ["stretch", "not_larger", "not_smaller"])
def test_resize_axes_and_aspect_policies(policy):
    x = normal(2, 3, 5, 7)
    check("Resize", [x, None, None, ints(10, 9)], {"mode": "linear", "axes": [2, 3], "keep_aspect_ratio_policy": policy})
    check("Resize", [x, None, floats(2.5)], {"mode": "nearest", "axes": [-1]})


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_upsample_matches_onnxruntime_opset_9(mode):
    x = normal(2, 3, 4, 5)
    check("Upsample", [x, floats(1, 1, 2, 3)], {"mode": mode}, opset=9)
    check("Upsample", [x, floats(1, 1, 1.5, 2.5)], {"mode": mode}, opset=9)


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
def test_resize_gradients(mode):
    (x,) = leaves(normal(1, 2, 5, 7))
    gradient_check(lambda: op("Resize", [x, None, floats(1, 1, 1.5, 0.6)], {"mode": mode})[0], [x])
    crop = {"mode": mode, "coordinate_transformation_mode": "tf_crop_and_resize", "extrapolation_value": 2.0}
    gradient_check(lambda: op("Resize", [x, floats(0, 0, -0.2, 0.1, 1, 1, 0.9, 1.2), None, ints(1, 2, 4, 9)], crop)[0], [x])
    gradient_check(lambda: op("Upsample", [x, floats(1, 1, 2, 2)], {"mode": "linear" if mode == "cubic" else mode})[0], [x])


@pytest.mark.parametrize("name,inputs,attrs,message", [
    ("Resize", [normal(1, 2, 3, 3), None, floats(1, 1, 2, 2), ints(1, 2, 6, 6)], {}, "exactly one"),
    ("Resize", [normal(1, 2, 3, 3), None, floats(1, 1, 2)], {}, "scales must hold"),
    ("Resize", [normal(1, 2, 3, 3), None, floats(1, 1, 2, 2)], {"mode": "area"}, "unknown mode"),
    ("Resize", [normal(1, 2, 3, 3), None, floats(1, 1, 2, 2)], {"antialias": 1}, "antialias"),
    ("Resize", [normal(1, 2, 3, 3), None, floats(1, 1, 2, 2)], {"coordinate_transformation_mode": "tf_crop_and_resize"}, "roi"),
    ("Resize", [normal(1, 2, 3, 3), None, floats(1, 1, 0.1, 1)], {}, "empty"),
    ("Upsample", [normal(1, 2, 3, 3), floats(1, 1, 0.5, 2)], {}, "at least 1"),
    ("Upsample", [normal(1, 2, 3, 3), floats(1, 1, 2, 2)], {"mode": "cubic"}, "mode"),
])
def test_resize_rejects_bad_input(name, inputs, attrs, message):
    with pytest.raises(PlexusError, match=message):
        op(name, inputs, attrs)


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_to_space(mode):
    x = normal(2, 8, 3, 4)
    check("DepthToSpace", [x], {"blocksize": 2, "mode": mode})
    index = np.arange(x.size, dtype=np.int64).reshape(x.shape)
    (moved,) = op("DepthToSpace", [index], {"blocksize": 2, "mode": mode})
    np.testing.assert_array_equal(x.reshape(-1)[moved.numpy()], reference("DepthToSpace", [x], {"blocksize": 2, "mode": mode})[0])
    (t,) = leaves(x)
    gradient_check(lambda: op("DepthToSpace", [t], {"blocksize": 2, "mode": mode})[0], [t])


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_space_to_depth(mode):
    """DCR against onnxruntime; CRD (opset 25's `mode`, which onnxruntime lacks) as the inverse
    of DepthToSpace in the same mode (the ONNX node tests check its values too)."""
    x = normal(2, 3, 4, 6)
    if mode == "DCR":
        check("SpaceToDepth", [x], {"blocksize": 2})
    (y,) = op("DepthToSpace", [op("SpaceToDepth", [x], {"blocksize": 2, "mode": mode})[0]], {"blocksize": 2, "mode": mode})
    np.testing.assert_array_equal(y.numpy(), x)
    (t,) = leaves(x)
    gradient_check(lambda: op("SpaceToDepth", [t], {"blocksize": 2, "mode": mode})[0], [t])


@pytest.mark.parametrize("name,inputs,attrs,message", [
    ("DepthToSpace", [normal(1, 6, 2, 2)], {"blocksize": 2}, "divisible"),
    ("DepthToSpace", [normal(1, 8, 2, 2)], {"blocksize": 2, "mode": "XYZ"}, "mode"),
    ("SpaceToDepth", [normal(1, 2, 3, 4)], {"blocksize": 2}, "divisible"),
    ("SpaceToDepth", [normal(2, 4, 4)], {"blocksize": 2}, "N, C, H, W"),
    ("SpaceToDepth", [normal(1, 2, 4, 4)], {"blocksize": 0}, "positive"),
    ("DepthToSpace", [normal(1, 4, 2, 2)], {"blocksize": 2 ** 40}, "fit the input"),
])
def test_depth_space_reject_bad_input(name, inputs, attrs, message):
    with pytest.raises(PlexusError, match=message):
        op(name, inputs, attrs)
