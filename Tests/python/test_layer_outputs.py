"""Layers that return several outputs (an LSTM's output, h_n and c_n) through the C ABI, and
gradients through a Split whose other outputs were never used."""
import numpy as np
import pytest

from plexus_c import Layer, PlexusError, Tensor, op


def test_lstm_returns_output_and_final_states():
    lstm = Layer("LSTM", {"input_size": 3, "hidden_size": 4, "batch_first": 1})
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
    output, h_n, c_n = lstm(x, outputs=3)
    assert output.numpy().shape == (2, 5, 4)
    assert h_n.numpy().shape == (1, 2, 4) and c_n.numpy().shape == (1, 2, 4)
    np.testing.assert_allclose(h_n.numpy()[0], output.numpy()[:, -1, :], rtol=1e-6)
    only_output = lstm(x)
    np.testing.assert_allclose(only_output.numpy(), output.numpy(), rtol=1e-6)
    with pytest.raises(PlexusError, match="outputs"):
        lstm(x, outputs=4)


def test_split_gradient_with_unused_outputs():
    x = Tensor.of(np.arange(6.0).reshape(2, 3), requires_grad=True)
    first, _unused = op("Split", [x, np.array([1, 2])], {"axis": 1}, outputs=2)
    del _unused  # the output the graph never reads is freed before backward
    (total,) = op("ReduceSum", [first])
    total.backward()
    np.testing.assert_array_equal(x.grad, [[1, 0, 0], [1, 0, 0]])
