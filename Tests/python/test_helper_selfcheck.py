"""The ctypes helper itself: round trips and a gradient check that must fail when it should."""
import numpy as np
import pytest

from plexus_c import Layer, PlexusError, Tensor, gradient_check, op


def test_round_trip_and_op():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(Tensor.of(x).numpy(), x)
    (y,) = op("Softmax", [x], {"axis": 1})
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(y.numpy(), e / e.sum(1, keepdims=True), rtol=1e-6)
    with pytest.raises(PlexusError, match="unknown operator"):
        op("NoSuchOp", [x])


def test_gradient_check_passes_and_catches_a_wrong_gradient():
    x = Tensor.of(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    gradient_check(lambda: op("Tanh", [x])[0], [x])
    layer = Layer("Linear", {"in_features": 4, "out_features": 2, "dtype": 11})
    params = [t for _, t in layer.parameters()]
    gradient_check(lambda: layer(x), [x] + params)
    with pytest.raises(AssertionError):
        _mismatched(x)


def _mismatched(x):
    """A function whose recorded graph (x², slope 2x) differs from what finite differences
    evaluate (x, slope 1): the check must report it."""
    calls = {"n": 0}

    def f():
        calls["n"] += 1
        if calls["n"] == 1:
            return op("Mul", [x, x])[0]      # recorded: gradient 2x
        return op("Identity", [x])[0]        # evaluated: slope 1
    gradient_check(f, [x], max_elements=2)
