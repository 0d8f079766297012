"""Winograd F(2×2, 3×3) convolutions (WinogradConvolution: 3×3, stride 1, packed filters, maps at
least 16 wide, AVX-512) against onnxruntime: odd and even sizes, asymmetric and no padding,
rows of tiles past one vector, filter counts that leave every packed block shape, batches,
residuals and activations, NaN inputs, 1 and 2 threads; and against the direct path
(PLX_WINOGRAD=0) in a subprocess."""
import os

import numpy as np
import onnxruntime
import pytest

import conv_models
from other_process import arrays_in_another_process

from plexus_c import Session, SessionOptions

# (x shape, filters, attributes): every case has a 3×3 kernel at stride 1 and an output ≥ 16 wide.
CASES = [
    ((1, 16, 20, 34), 20, {"pads": [1, 1, 1, 1]}),  # 17 tiles a row: a full vector and one more; 20 = 12 + 4 + 4
    ((1, 5, 17, 23), 13, {"pads": [1, 1, 1, 1]}),  # odd rows and columns: the last tiles half outside
    ((2, 7, 12, 31), 3, {"pads": [0, 2, 1, 0]}),  # batch 2, asymmetric pads, 3 filters (one short block)
    ((1, 9, 18, 40), 26, {}),  # no padding: 16 × 38 outputs
    ((1, 70, 16, 16), 24, {"auto_pad": "SAME_UPPER"}),  # 70 channels: bands of a few tile rows
    ((1, 64, 56, 56), 64, {"pads": [1, 1, 1, 1]}),  # ResNet-18's first stage
]


def conv_model(index, activation=None, residual=False):
    shape, filters, attributes = CASES[index]
    return conv_models.conv_model(shape, filters, [3, 3], attributes, index, activation, residual)


def feeds_for(index, residual=False):
    rng = np.random.default_rng(100 + index)
    feeds = {"x": rng.standard_normal(CASES[index][0]).astype(np.float32)}
    if residual:
        shape = reference(conv_model(index), {"x": feeds["x"]}).shape
        feeds["z"] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def reference(model, feeds):
    return onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, feeds)[0]


def outputs(model, feeds, threads=0):
    return Session(model, SessionOptions(intra_op_num_threads=threads)).run(feeds)[0]


def assert_close(got, expected):
    """Winograd's transforms add and subtract inputs before multiplying: rounding relative to the output's scale."""
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=2e-5 * max(1.0, float(np.abs(expected).max())))


@pytest.mark.parametrize("index", range(len(CASES)), ids=lambda i: f"{CASES[i][0]}x{CASES[i][1]}{CASES[i][2]}")
@pytest.mark.parametrize("threads", [1, 2])
def test_winograd_matches_onnxruntime(index, threads):
    model, feeds = conv_model(index, "Relu"), feeds_for(index)
    assert_close(outputs(model, feeds, threads), reference(model, feeds))


@pytest.mark.parametrize("activation", [None, "Clip", "LeakyRelu", "Sigmoid"])
def test_winograd_with_residuals_and_activations(activation):
    model, feeds = conv_model(1, activation, residual=True), feeds_for(1, residual=True)
    assert_close(outputs(model, feeds), reference(model, feeds))


def test_nan_inputs_reach_exactly_the_outputs_whose_windows_hold_them():
    """The transforms only add and subtract the inputs a tile's outputs read, so a NaN spreads
    no further than in a direct convolution."""
    model, feeds = conv_model(0), feeds_for(0)
    feeds["x"][0, 3, 5, 9] = np.nan
    feeds["x"][0, 0, 0, 33] = np.nan
    got, expected = outputs(model, feeds), reference(model, feeds)
    assert np.isnan(expected).any()
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    assert_close(np.nan_to_num(got), np.nan_to_num(expected))


def test_the_direct_path_agrees(tmp_path):
    """PLX_WINOGRAD=0 sends the same convolutions through ShiftedConvolution."""
    direct = arrays_in_another_process("test_winograd", "[outputs(conv_model(i, 'Relu'), feeds_for(i)) for i in range(len(CASES))]",
                                       {"PLX_WINOGRAD": "0"}, tmp_path)
    identical = 0
    for index in range(len(CASES)):
        got = outputs(conv_model(index, "Relu"), feeds_for(index))
        assert_close(got, direct[index])
        identical += np.array_equal(got, direct[index])
    if avx512_kernels_run():  # then the two paths round differently: Winograd did run
        assert identical == 0


def avx512_kernels_run():
    with open("/proc/cpuinfo") as cpuinfo:
        flags = cpuinfo.read()
    return ("avx512f" in flags and os.environ.get("PLEXUS_CPU_PORTABLE", "0") == "0"
            and os.environ.get("PLEXUS_CPU_ISA") != "avx2")
