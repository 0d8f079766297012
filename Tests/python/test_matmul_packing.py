"""MatMul weight packing (PLX_OPTIMIZE_PREPACK_WEIGHTS, onnxruntime's pre-packing of MatMul's B): a
session packs a constant float32 matrix once (`ai.plexus` PackMatMulWeights) and runs the node as
`ai.plexus` PackedMatMul. Checked against numpy and the unpacked session over row counts that
leave every packed block (12, 4, 1-3 rows), column counts off the 32-column panels, depths past
one chunk of k, batched and 1-D inputs, 1 and 2 threads; plus the switch, shared and fed weights,
NaNs and the ops' errors."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from plexus_c import PlexusError, Session, SessionOptions, bench, op

PACK_FILTERS = 64


def packing_available():
    """The ops are registered only where the CPU plugin's AVX-512 kernel runs."""
    try:
        op("PackMatMulWeights", [np.ones((2, 3), np.float32)], domain="ai.plexus")
        return True
    except PlexusError:
        return False


needs_packing = pytest.mark.skipif(not packing_available(), reason="PackMatMulWeights needs a CPU with AVX-512")

# (x shape, weight shape)
CASES = [
    ((128, 768), (768, 96)),  # BERT-like rows; 128 = 10·12 + 4 + 4
    ((2, 7, 300), (300, 70)),  # batched; 14 rows = 12 + 2; 70 columns = 2 panels and 6
    ((5, 1030), (1030, 33)),  # k past 1024 (a heap offset table) and several chunks; 33 = 32 + 1
    ((300,), (300, 17)),  # a vector input: one row, a result of rank 1
    ((3, 1, 4, 16), (16, 64)),  # rank 4
]


def matmul_model(x_shape, w, feed_weights=False, shared=False):
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"])]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    if shared:
        nodes.append(helper.make_node("MatMul", ["x2", "w"], ["y2"]))
        inputs.append(helper.make_tensor_value_info("x2", TensorProto.FLOAT, list(x_shape)))
        outputs.append(helper.make_tensor_value_info("y2", TensorProto.FLOAT, None))
    if feed_weights:
        inputs.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, list(w.shape)))
    graph = helper.make_graph(nodes, "g", inputs, outputs, [numpy_helper.from_array(w, "w")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def case(index):
    x_shape, w_shape = CASES[index]
    rng = np.random.default_rng(index)
    return rng.standard_normal(x_shape).astype(np.float32), (rng.standard_normal(w_shape) / np.sqrt(w_shape[0])).astype(np.float32)


def run(model, feeds, disabled=0, threads=0):
    return Session(model, SessionOptions(disabled_optimizations=disabled, intra_op_num_threads=threads)).run(feeds)


@pytest.mark.parametrize("index", range(len(CASES)), ids=lambda i: f"{CASES[i][0]}x{CASES[i][1]}")
@pytest.mark.parametrize("threads", [1, 2])
def test_packed_matmul_matches_numpy_and_the_unpacked_session(index, threads):
    x, w = case(index)
    model = matmul_model(x.shape, w)
    got = run(model, {"x": x}, threads=threads)[0]
    expected = (x.astype(np.float64) @ w.astype(np.float64)).astype(np.float32)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got, run(model, {"x": x}, disabled=PACK_FILTERS, threads=threads)[0], rtol=1e-5, atol=1e-5)


@needs_packing
def test_packing_shows_in_the_profile_and_can_be_turned_off(tmp_path):
    x, w = case(0)
    assert bench(matmul_model(x.shape, w), tmp_path)[1] == {"ai.plexus:PackedMatMul"}
    assert bench(matmul_model(x.shape, w), tmp_path, "--disable", "packing")[1] == {"MatMul"}


@needs_packing
def test_weights_a_caller_can_feed_stay_a_plain_matmul(tmp_path):
    x, w = case(1)
    model = matmul_model(x.shape, w, feed_weights=True)
    assert bench(model, tmp_path)[1] == {"MatMul"}
    other = np.random.default_rng(9).standard_normal(w.shape).astype(np.float32)
    np.testing.assert_allclose(run(model, {"x": x, "w": other})[0], x @ other, rtol=1e-4, atol=1e-4)


def test_shared_weights_pack_once_and_serve_both_products():
    x, w = case(1)
    x2 = np.random.default_rng(11).standard_normal(x.shape).astype(np.float32)
    first, second = run(matmul_model(x.shape, w, shared=True), {"x": x, "x2": x2})
    np.testing.assert_allclose(first, x @ w, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(second, x2 @ w, rtol=1e-4, atol=1e-4)


def test_nan_reaches_its_row_only():
    x, w = case(0)
    x[5, 17] = np.nan
    got = run(matmul_model(x.shape, w), {"x": x})[0]
    assert np.isnan(got[5]).all() and not np.isnan(np.delete(got, 5, axis=0)).any()


@needs_packing
def test_the_ops_themselves_and_their_errors():
    w = np.arange(2 * 35, dtype=np.float32).reshape(2, 35)
    panels = op("PackMatMulWeights", [w], domain="ai.plexus")[0].numpy()
    assert panels.shape == (2, 2, 32)  # two panels of 32 columns over k = 2, zeros past column 35
    assert np.array_equal(panels[0], w[:, :32]) and np.array_equal(panels[1, :, :3], w[:, 32:]) and not panels[1, :, 3:].any()
    x = np.random.default_rng(3).standard_normal((3, 2)).astype(np.float32)
    got = op("PackedMatMul", [x, panels], {"columns": 35}, domain="ai.plexus")[0].numpy()
    np.testing.assert_allclose(got, x @ w, rtol=1e-5)
    empty = op("PackedMatMul", [x[:0], panels], {"columns": 35}, domain="ai.plexus")[0].numpy()
    assert empty.shape == (0, 35)
    with pytest.raises(PlexusError, match="does not match"):
        op("PackedMatMul", [np.ones((3, 5), np.float32), panels], {"columns": 35}, domain="ai.plexus")
    with pytest.raises(PlexusError, match="does not match"):
        op("PackedMatMul", [x, panels], {"columns": 70}, domain="ai.plexus")
    with pytest.raises(PlexusError, match="columns"):
        op("PackedMatMul", [x, panels], {}, domain="ai.plexus")
    with pytest.raises(PlexusError, match="matrix"):
        op("PackMatMulWeights", [np.ones((2, 3, 4), np.float32)], domain="ai.plexus")
