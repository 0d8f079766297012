"""Filter packing (PLX_OPTIMIZE_PREPACK_WEIGHTS): a session packs constant float32 Conv filters once
(`ai.plexus` PackFilters) and runs the node as a FusedConv with `packed_filters = 1`, through the
packed GEMM kernel — straight from a padded copy of the image split by stride phase
(ShiftedConvolution), or over unfolded panels (pointwise, and under the AVX2 kernel). Checked against the unpacked session and onnxruntime over
filter counts that leave every kind of packed block (12, 4 and 1-3 rows), strides, dilations,
pads, 1-D, pointwise, activations and residuals, with 1 and 2 threads and the AVX2 kernel."""

import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

import conv_models
from other_process import arrays_in_another_process

from plexus_c import PlexusError, Session, SessionOptions, bench, op

PACK_FILTERS = 64


def packing_available():
    """PackFilters is registered only where the CNN plugin's AVX2/AVX-512 kernels run (not under
    PLEXUS_CPU_PORTABLE=1); elsewhere sessions keep plain Conv nodes and the results stay equal."""
    try:
        op("PackFilters", [np.ones((1, 1, 1), np.float32)], domain="ai.plexus")
        return True
    except PlexusError:
        return False


needs_packing = pytest.mark.skipif(not packing_available(), reason="PackFilters needs a CPU with AVX2")

# (x shape, filters, kernel, attributes)
CASES = [
    ((1, 16, 13, 11), 20, [3, 3], {"pads": [1, 1, 1, 1]}),  # stride 1: the shifted path; 20 = 12 + 4 + 4
    ((1, 5, 9, 40), 13, [3, 3], {"pads": [2, 0, 1, 3]}),  # asymmetric pads; 13 = 12 + 1
    ((2, 6, 11, 10), 27, [3, 2], {"dilations": [2, 3], "pads": [2, 1, 2, 2]}),  # batch 2, dilation; 27 = 24 + 3
    ((1, 7, 12, 9), 3, [3, 3], {"strides": [2, 2], "pads": [1, 0, 0, 1]}),  # stride 2: four phase planes; 3 rows only
    ((1, 4, 17, 19), 8, [3, 3], {"strides": [3, 2], "dilations": [2, 1], "pads": [2, 1, 1, 3]}),  # six phases, dilated
    ((1, 8, 10, 10), 16, [3, 3], {"auto_pad": "SAME_UPPER"}),
    ((1, 3, 33, 31), 64, [7, 7], {"strides": [2, 2], "pads": [3, 3, 3, 3]}),  # a ResNet stem
    ((1, 3, 20, 75), 8, [3, 3], {"strides": [2, 2], "pads": [1, 1, 1, 1]}),  # rows split into phases 16 at a time, and a tail
    ((1, 40, 9, 9), 26, [1, 1], {}),  # pointwise; 81 positions: the last one through the column kernel
    ((1, 300, 7, 7), 28, [1, 1], {}),  # pointwise, two chunks of k: the column kernel accumulates
    ((1, 24, 6, 6), 40, [1, 1], {}),  # 36 = 32 + 4 positions: a strip of the column kernel alone
    ((1, 300, 5, 6), 14, [3, 3], {"pads": [1, 1, 1, 1]}),  # k = 2,700: several chunks of k
    ((1, 130, 7, 7), 200, [3, 3], {"pads": [1, 1, 1, 1]}),  # more filters than one group of rows
    ((2, 9, 50), 11, [4], {"pads": [2, 1]}),  # 1-D, stride 1
    ((1, 9, 50), 6, [3], {"strides": [2]}),  # 1-D, strided
]


def conv_model(index, activation=None, residual=False, feed_filters=False):
    shape, filters, kernel, attributes = CASES[index]
    return conv_models.conv_model(shape, filters, kernel, attributes, index, activation, residual, feed_filters)


def feeds_for(index, residual=False, seed=7):
    rng = np.random.default_rng(seed + index)
    feeds = {"x": rng.standard_normal(CASES[index][0]).astype(np.float32)}
    if residual:
        reference = onnxruntime.InferenceSession(conv_model(index), providers=["CPUExecutionProvider"])
        feeds["z"] = rng.standard_normal(reference.run(None, {"x": feeds["x"]})[0].shape).astype(np.float32)
    return feeds


def outputs(model, feeds, disabled=0, threads=0):
    return Session(model, SessionOptions(disabled_optimizations=disabled, intra_op_num_threads=threads)).run(feeds)[0]


def reference(model, feeds):
    return onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, feeds)[0]


@pytest.mark.parametrize("index", range(len(CASES)), ids=lambda i: f"{CASES[i][0]}x{CASES[i][1]}{CASES[i][2]}{CASES[i][3]}")
@pytest.mark.parametrize("threads", [1, 2])
def test_packed_filters_match_unpacked_and_onnxruntime(index, threads):
    model, feeds = conv_model(index, "Relu"), feeds_for(index)
    packed = outputs(model, feeds, threads=threads)
    np.testing.assert_allclose(packed, outputs(model, feeds, disabled=PACK_FILTERS, threads=threads), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(packed, reference(model, feeds), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("activation", [None, "Clip", "LeakyRelu", "Sigmoid"])
@pytest.mark.parametrize("index", [0, 3, 8, 9, 10], ids=["shifted", "strided", "pointwise", "pointwise-deep", "pointwise-narrow"])
def test_packed_filters_with_residuals_and_activations(index, activation):
    model, feeds = conv_model(index, activation, residual=True), feeds_for(index, residual=True)
    np.testing.assert_allclose(outputs(model, feeds), reference(model, feeds), rtol=1e-4, atol=1e-4)


def test_nan_input_stays_nan_through_the_packed_paths():
    for index in (0, 3, 8, 9, 10):
        model, feeds = conv_model(index, "Relu"), feeds_for(index)
        feeds["x"][0, 0, 2, 2] = np.nan
        got = outputs(model, feeds)
        assert np.array_equal(np.isnan(got), np.isnan(reference(model, feeds)))


@needs_packing
def test_filters_a_caller_can_feed_are_not_packed(tmp_path):
    model, feeds = conv_model(0, "Relu", feed_filters=True), feeds_for(0)
    assert bench(model, tmp_path)[1] == {"ai.plexus:FusedConv"}  # the Relu fused; the filters stay a plain input
    other = np.random.default_rng(3).standard_normal((20, 16, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(outputs(model, {**feeds, "w": other}), reference(model, {**feeds, "w": other}), rtol=1e-4, atol=1e-4)


@needs_packing
def test_packing_shows_in_the_profile_and_can_be_turned_off(tmp_path):
    model = conv_model(0)  # a Conv without activation: packing alone makes it a FusedConv
    assert bench(model, tmp_path)[1] == {"ai.plexus:FusedConv"}
    assert bench(model, tmp_path, "--disable", "packing")[1] == {"Conv"}


def test_shared_filters_pack_once_and_serve_both_convolutions():
    shape, filters, kernel, attributes = CASES[0]
    w = np.random.default_rng(5).standard_normal((filters, shape[1], *kernel)).astype(np.float32) * 0.1
    nodes = [helper.make_node("Conv", ["x", "w"], ["a"], **attributes), helper.make_node("Conv", ["x2", "w"], ["b"], **attributes)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(shape)) for n in ("x", "x2")],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("a", "b")],
                              [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    rng = np.random.default_rng(6)
    feeds = {"x": rng.standard_normal(shape).astype(np.float32), "x2": rng.standard_normal(shape).astype(np.float32)}
    got = Session(model).run(feeds)
    expected = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, feeds)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4)


@needs_packing
def test_pack_filters_op_and_a_hand_built_packed_fused_conv():
    x = np.random.default_rng(8).standard_normal((1, 5, 8, 8)).astype(np.float32)
    w = np.random.default_rng(9).standard_normal((17, 5, 3, 3)).astype(np.float32)
    packed = op("PackFilters", [w], domain="ai.plexus")[0].numpy()
    assert packed.shape == w.shape and packed.dtype == np.float32
    assert not np.array_equal(packed, w) and np.array_equal(np.sort(packed.ravel()), np.sort(w.ravel()))
    # The layout: blocks of 12 rows then 4 then 1, element (first + i, p) at first·k + p·rows + i.
    k = 5 * 9
    flat, rows = packed.reshape(-1), w.reshape(17, k)
    assert flat[0 * k + 1 * 12 + 3] == rows[3, 1] and flat[12 * k + 2 * 4 + 1] == rows[13, 2] and flat[16 * k + 7] == rows[16, 7]
    got = op("FusedConv", [x, packed], {"pads": [1, 1, 1, 1], "activation": "None", "packed_filters": 1}, domain="ai.plexus")[0]
    np.testing.assert_allclose(got.numpy(), op("Conv", [x, w], {"pads": [1, 1, 1, 1]})[0].numpy(), rtol=1e-5, atol=1e-5)
    empty = op("FusedConv", [x[:0], packed], {"strides": [2, 2], "activation": "None", "packed_filters": 1}, domain="ai.plexus")[0]
    assert empty.numpy().shape == (0, 17, 3, 3)
    assert op("Conv", [x[:0], w], {"strides": [2, 2]})[0].numpy().shape == (0, 17, 3, 3)  # the unpacked panel path too


def test_packed_filters_refuse_what_only_the_unpacked_path_runs():
    x = np.ones((1, 4, 6, 6), np.float32)
    w = np.ones((4, 2, 3, 3), np.float32)
    with pytest.raises(PlexusError, match="packed_filters needs"):
        op("FusedConv", [x, w], {"group": 2, "activation": "None", "packed_filters": 1}, domain="ai.plexus")
    with pytest.raises(PlexusError, match="packed_filters must be 0 or 1"):
        op("FusedConv", [x, np.ones((4, 4, 3, 3), np.float32)], {"activation": "None", "packed_filters": 2}, domain="ai.plexus")
    if packing_available():
        with pytest.raises(PlexusError, match="rank 3 or 4"):
            op("PackFilters", [np.ones((4, 4), np.float32)], domain="ai.plexus")


def test_the_avx2_kernel_reads_packed_filters_too(tmp_path):
    """Under PLEXUS_CPU_ISA=avx2 the packed product runs the AVX2 kernel through strides (and
    every convolution unfolds panels, the shifted path being AVX-512 only)."""
    got = arrays_in_another_process("test_filter_packing", "[outputs(conv_model(i, 'Relu'), feeds_for(i)) for i in range(len(CASES))]",
                                    {"PLEXUS_CPU_ISA": "avx2"}, tmp_path)
    for index in range(len(CASES)):
        model, feeds = conv_model(index, "Relu"), feeds_for(index)
        np.testing.assert_allclose(got[index], reference(model, feeds), rtol=1e-4, atol=1e-4)
