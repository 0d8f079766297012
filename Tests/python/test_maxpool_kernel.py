"""The AVX-512 MaxPool plane kernel (float32, 1-D/2-D, no dilation or Indices) against onnxruntime,
and against the portable path (PLEXUS_CPU_PORTABLE=1, the scalar rule) where NaNs sit at a
window's first tap, at a later tap, and in the padding's shadow — over strides 1, 2 and 3, pads,
ceil_mode and rows of more than sixteen outputs."""

import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper

from other_process import arrays_in_another_process
from plexus_c import op

CASES = [
    ((1, 3, 112, 112), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),  # ResNet's stem pool
    ((2, 2, 9, 37), {"kernel_shape": [2, 3], "strides": [1, 1]}),
    ((1, 4, 10, 41), {"kernel_shape": [3, 3], "strides": [3, 3], "pads": [1, 2, 0, 1]}),  # gather path
    ((1, 2, 11, 35), {"kernel_shape": [3, 2], "strides": [2, 2], "ceil_mode": 1}),  # windows past the edge
    ((1, 3, 7, 7), {"kernel_shape": [5, 5], "strides": [1, 1], "pads": [2, 2, 2, 2]}),
    ((2, 3, 50), {"kernel_shape": [4], "strides": [2], "pads": [1, 2]}),  # 1-D
]


def case_input(index, nans=False, ties=False):
    rng = np.random.default_rng(index)
    if ties:  # windows of zeros of both signs, −1 and −∞: which tap wins shows in the bits
        return rng.choice(np.array([-0.0, 0.0, -1.0, -np.inf], np.float32), CASES[index][0])
    x = rng.standard_normal(CASES[index][0]).astype(np.float32)
    if nans:
        flat = x.reshape(-1, x.shape[-1])
        flat[::3, 0] = np.nan  # the first tap of border windows
        flat[1::4, 5] = np.nan  # a later tap
        flat[2::5, -1] = np.nan  # next to the padding
    return x


def onnxruntime_pool(x, attributes):
    graph = helper.make_graph([helper.make_node("MaxPool", ["x"], ["y"], **attributes)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


@pytest.mark.parametrize("index", range(len(CASES)), ids=lambda i: f"{CASES[i][0]}{CASES[i][1]}")
def test_vector_max_pool_matches_onnxruntime(index):
    x, attributes = case_input(index), CASES[index][1]
    np.testing.assert_array_equal(op("MaxPool", [x], attributes)[0].numpy(), onnxruntime_pool(x, attributes))


@pytest.mark.parametrize("kind", ["nans", "ties"])
def test_vector_max_pool_keeps_the_scalar_rule(kind, tmp_path):
    """Bit for bit: a NaN in any tap makes the window NaN, and of equal taps (−0 and +0) the first wins."""
    flag = "nans=True" if kind == "nans" else "ties=True"
    portable = arrays_in_another_process(
        "test_maxpool_kernel", f"[op('MaxPool', [case_input(i, {flag})], CASES[i][1])[0].numpy() for i in range(len(CASES))]",
        {"PLEXUS_CPU_PORTABLE": "1"}, tmp_path)
    for index in range(len(CASES)):
        got = op("MaxPool", [case_input(index, nans=kind == "nans", ties=kind == "ties")], CASES[index][1])[0].numpy()
        assert np.isnan(got).any() == (kind == "nans")
        if kind == "ties":
            assert (np.signbit(got) & (got == 0)).any() and (~np.signbit(got) & (got == 0)).any()
        np.testing.assert_array_equal(got.view(np.uint32), portable[index].view(np.uint32))
