"""Float32 Exp, Sigmoid and Tanh run through the vectorised kernels of Plugins/cpu-kernels/
exponential.c (AVX-512, AVX2 or the portable loop). Each is checked in ulps against float64 numpy
over its whole useful range, at the values where its method switches, and at the special values,
on all three paths; and the recurrent cells, whose gates now use the same kernels, still match a
float64 reference."""
import numpy as np
import pytest

from plexus_c import op
from other_process import check_in_another_process


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# The largest error in ulps each kernel may show (measured over all 2^32 inputs: 1.02, 2.40, 1.47).
BOUNDS = {"Exp": 1.1, "Sigmoid": 2.5, "Tanh": 1.5}
EXACT = {"Exp": np.exp, "Sigmoid": sigmoid, "Tanh": np.tanh}


def grid():
    """Dense values across every range the methods treat differently, shuffled so that each range
    reaches the vector lanes and the scalar tail alike."""
    parts = [np.linspace(-110, 95, 400001), np.linspace(-1, 1, 200001), np.geomspace(1e-38, 1e-2, 20001),
             -np.geomspace(1e-38, 1e-2, 20001), np.linspace(0.62, 0.63, 2001), np.linspace(-0.63, -0.62, 2001),
             np.linspace(88.7, 88.8, 2001), np.linspace(-104.1, -103.9, 2001), np.linspace(8.9, 9.1, 2001)]
    x = np.concatenate(parts).astype(np.float32)
    return x[np.random.default_rng(5).permutation(len(x))]


def ulps(got, exact):
    """|got − exact| in units of the float32 spacing at `exact` (float64)."""
    spacing = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - exact) / spacing


def check_float32_kernels():
    x = grid()
    for name, bound in BOUNDS.items():
        exact = EXACT[name](x.astype(np.float64))
        got = op(name, [x])[0].numpy()
        finite = np.isfinite(exact) & (np.abs(exact) < np.finfo(np.float32).max)
        worst = ulps(got[finite], exact[finite]).max()
        assert worst <= bound, f"{name}: {worst:.2f} ulp"
        assert np.all(got[~finite] == np.float32(np.inf)), name  # e^x past 88.72
    # The special values in the vector lanes (the first 32) and in the scalar tail (the last 4).
    special = np.float32([np.inf, -np.inf, np.nan, -0.0] * 8 + [np.inf, -np.inf, np.nan, -0.0])
    expected = {"Exp": [np.inf, 0, np.nan, 1], "Sigmoid": [1, 0, np.nan, 0.5], "Tanh": [1, -1, np.nan, -0.0]}
    for name, values in expected.items():
        got = op(name, [special])[0].numpy()
        for i in range(0, len(special), 4):
            np.testing.assert_array_equal(got[i:i + 4], np.float32(values), err_msg=name)
            assert np.signbit(got[i + 3]) == (name == "Tanh"), name  # tanh(−0) = −0
    # e^x rounds to the right subnormal, and to 0 and +inf just past its range.
    edges = np.float32([-88.0, -100.0, -103.972, -103.9721, 88.72283, 88.72284])
    got = op("Exp", [edges])[0].numpy()
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(got, np.exp(edges.astype(np.float64)).astype(np.float32))


def test_float32_exp_sigmoid_and_tanh_are_within_their_ulp_bounds():
    check_float32_kernels()


@pytest.mark.parametrize("isa", [{"PLEXUS_CPU_ISA": "avx2"}, {"PLEXUS_CPU_PORTABLE": "1"}], ids=["avx2", "portable"])
def test_float32_exp_sigmoid_and_tanh_on_the_other_instruction_sets(isa):
    check_in_another_process("test_exponential_kernels", "check_float32_kernels", isa)


def test_in_place_chains_give_the_same_values():
    """A session runs a chain of these in place; each output is the kernel applied once more."""
    from onnx import TensorProto, helper
    from plexus_c import Session
    names = ["Tanh", "Sigmoid", "Exp", "Tanh"]
    nodes = [helper.make_node(name, [f"v{i}"], [f"v{i + 1}"]) for i, name in enumerate(names)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("v0", TensorProto.FLOAT, [3, 1001])],
                              [helper.make_tensor_value_info("v4", TensorProto.FLOAT, [3, 1001])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    x = np.random.default_rng(6).normal(0, 3, (3, 1001)).astype(np.float32)
    expected = x
    for name in names:
        expected = op(name, [expected])[0].numpy()
    np.testing.assert_array_equal(Session(model).run({"v0": x})[0], expected)


@pytest.mark.parametrize("cell,linear_before_reset", [("LSTM", 0), ("GRU", 0), ("GRU", 1), ("RNN", 0)])
def test_recurrent_cells_with_vectorised_gates_match_a_float64_reference(cell, linear_before_reset):
    """The gates of each cell run through the kernels a whole gate row at a time; a hidden size of
    37 puts values in both the vector lanes and the scalar tail."""
    rng = np.random.default_rng(7)
    steps, batch, inputs, hidden = 5, 3, 11, 37
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[cell]
    x = rng.normal(0, 1, (steps, batch, inputs)).astype(np.float32)
    w = rng.normal(0, 0.5, (1, gates * hidden, inputs)).astype(np.float32)
    r = rng.normal(0, 0.5, (1, gates * hidden, hidden)).astype(np.float32)
    b = rng.normal(0, 0.5, (1, 2 * gates * hidden)).astype(np.float32)
    attributes = {"hidden_size": hidden}
    if cell == "GRU":
        attributes["linear_before_reset"] = linear_before_reset
    y = op(cell, [x, w, r, b], attributes)[0].numpy()
    X, W, R, B = (a.astype(np.float64) for a in (x, w[0], r[0], b[0]))
    h = np.zeros((batch, hidden)); c = np.zeros((batch, hidden)); expected = []
    for t in range(steps):
        projected = X[t] @ W.T + B[:gates * hidden]
        recurrent = h @ R.T + B[gates * hidden:]
        if cell == "LSTM":
            z = projected + recurrent
            i, o, f, g = (z[:, k * hidden:(k + 1) * hidden] for k in range(4))
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
        elif cell == "GRU":
            update = sigmoid(projected[:, :hidden] + recurrent[:, :hidden])
            reset = sigmoid(projected[:, hidden:2 * hidden] + recurrent[:, hidden:2 * hidden])
            if linear_before_reset:
                candidate = np.tanh(projected[:, 2 * hidden:] + reset * recurrent[:, 2 * hidden:])
            else:
                candidate = np.tanh(projected[:, 2 * hidden:] + (reset * h) @ R[2 * hidden:].T + B[5 * hidden:])
            h = (1 - update) * candidate + update * h
        else:
            h = np.tanh(projected + recurrent)
        expected.append(h)
    np.testing.assert_allclose(y[:, 0], np.stack(expected), rtol=2e-5, atol=2e-6)
