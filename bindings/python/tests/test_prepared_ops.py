"""Tensor operators and ``plexus.op`` run through prepared ops (``plx_op_prepare`` once, then
``plx_prepared_op_call``): the results equal numpy's, the errors equal ``plx_op_call``'s, the
cache is bounded and keyed exactly, and threads, autograd and the Python tracer still work."""
import threading

import numpy as np
import pytest

import plexus
from plexus import _ops, _prepared_op


def _count_prepared_calls(monkeypatch):
    """Records every plx_prepared_op_call from now on; returns the list of their arguments."""
    calls = []
    real = _ops._raw_call
    monkeypatch.setattr(_ops, "_raw_call", lambda *args: calls.append(args) or real(*args))
    return calls


@pytest.fixture
def counted_calls(monkeypatch):
    """Counts plx_prepared_op_call calls and makes any plx_op_call fail the test."""

    def unprepared(*args):
        raise AssertionError(f"plx_op_call was used for {args[0]!r}")

    monkeypatch.setattr(_ops, "_unprepared", unprepared)
    return _count_prepared_calls(monkeypatch)


def _floats(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


BINARY = [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("truediv", lambda a, b: a / b), ("matmul", lambda a, b: a @ b),
    ("eq", lambda a, b: a == b), ("ne", lambda a, b: a != b), ("lt", lambda a, b: a < b),
    ("le", lambda a, b: a <= b), ("gt", lambda a, b: a > b), ("ge", lambda a, b: a >= b),
]


@pytest.mark.parametrize("name,function", BINARY, ids=[name for name, _ in BINARY])
def test_binary_operators_make_one_prepared_call_and_match_numpy(rng, counted_calls, name, function):
    x, y = _floats(rng, 4, 4), _floats(rng, 4, 4)
    y[0, 0] = x[0, 0]  # an equal pair for the comparisons
    a, b = plexus.tensor(x), plexus.tensor(y)
    function(a, b)  # prepares on first use
    counted_calls.clear()
    got = function(a, b)
    assert len(counted_calls) == (2 if name == "ne" else 1)
    expected = function(x, y)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)


def test_every_routed_operator_matches_numpy(rng, counted_calls):
    x, y = _floats(rng, 2, 5) + 3, _floats(rng, 2, 5) + 3
    a, b = plexus.tensor(x), plexus.tensor(y)
    cases = {
        "a ** b": (a ** b, x ** y), "a // b": (a // b, x // y), "a % b": (a % b, np.mod(x, y)),
        "2 - a": (2 - a, 2 - x), "2 / a": (2 / a, 2 / x), "a * 0.5": (a * 0.5, x * np.float32(0.5)),
        "2 ** a": (2 ** a, np.float32(2) ** x), "-a": (-a, -x), "abs": (abs(-a), np.abs(x)), "+a": (+a, x),
        "exp": (a.exp(), np.exp(x)), "log": (a.log(), np.log(x)), "sqrt": (a.sqrt(), np.sqrt(x)),
        "sin": (a.sin(), np.sin(x)), "cos": (a.cos(), np.cos(x)), "floor": (a.floor(), np.floor(x)),
        "ceil": (a.ceil(), np.ceil(x)), "round": (a.round(), np.round(x)), "sign": ((a - 3).sign(), np.sign(x - 3)),
        "relu": ((a - 3).relu(), np.maximum(x - 3, 0)), "sigmoid": (a.sigmoid(), 1 / (1 + np.exp(-x))),
        "tanh": (a.tanh(), np.tanh(x)),
    }
    for label, (got, expected) in cases.items():
        assert got.dtype == np.asarray(expected).dtype, label
        np.testing.assert_allclose(got.numpy(), expected, rtol=2e-6, atol=1e-6, err_msg=label)
    i, j = plexus.tensor([5, -7, 12]), plexus.tensor([3, 2, -5])
    ints = {"i // j": (i // j, np.array([5, -7, 12]) // np.array([3, 2, -5])), "i % j": (i % j, np.mod([5, -7, 12], [3, 2, -5])),
            "i & j": (i & j, np.array([5, -7, 12]) & np.array([3, 2, -5])), "i | j": (i | j, np.array([5, -7, 12]) | [3, 2, -5]),
            "i ^ j": (i ^ j, np.array([5, -7, 12]) ^ np.array([3, 2, -5])), "~i": (~i, ~np.array([5, -7, 12])),
            "3 & i": (3 & i, 3 & np.array([5, -7, 12]))}
    for label, (got, expected) in ints.items():
        assert got.dtype == plexus.int64, label
        np.testing.assert_array_equal(got.numpy(), expected, err_msg=label)
    p, q = plexus.tensor([True, False, True]), plexus.tensor([True, True, False])
    np.testing.assert_array_equal((p & q).numpy(), [True, False, False])
    np.testing.assert_array_equal((p | q).numpy(), [True, True, True])
    np.testing.assert_array_equal((p ^ q).numpy(), [False, True, True])
    np.testing.assert_array_equal((~p).numpy(), [False, True, False])


def test_promotion_is_unchanged():
    ints, floats = plexus.tensor([1, 2]), plexus.tensor([0.5, 1.5])
    assert (ints + 1.5).dtype == plexus.float32 and (ints + 1.5).tolist() == [2.5, 3.5]
    assert (ints + floats).dtype == plexus.float32 and (floats + ints).tolist() == [1.5, 3.5]
    assert (ints + 1).dtype == plexus.int64 and (2 * ints).tolist() == [2, 4]
    flags = plexus.tensor([True, False])
    assert (flags + 1).dtype == plexus.int64 and (flags + 1).tolist() == [2, 1]
    assert (flags & True).dtype == plexus.bool_
    wide = plexus.tensor(np.array([1.0], np.float64))
    assert (wide + floats[:1]).dtype == plexus.float64
    assert (plexus.tensor(np.array([1], np.int32)) + np.int64(2)).dtype == plexus.int32
    assert (plexus.tensor(np.array([1.0], np.float16)) * np.float64(2)).dtype == plexus.float16


def test_scalar_constants_keep_the_sign_of_zero_and_the_dtype():
    negative_zero = plexus.tensor([-0.0])
    assert not np.signbit((negative_zero + 0.0).numpy()[0])
    assert np.signbit((negative_zero + -0.0).numpy()[0])
    assert np.signbit((negative_zero + 0.0 + -0.0).numpy()[0]) == bool(np.signbit(np.float32(0.0) + np.float32(-0.0)))
    # The same value for tensors of different dtypes gives constants of each dtype.
    assert (plexus.tensor([1.0]) + 1).dtype == plexus.float32
    assert (plexus.tensor(np.array([1.0])) + 1).dtype == plexus.float64
    assert (plexus.tensor([1]) + True).tolist() == [2]
    assert (plexus.tensor([1.0]) / 3).item() == pytest.approx(1 / 3)
    big = plexus.tensor(np.array([0], np.int64)) + (2 ** 62)
    assert big.item() == 2 ** 62


def test_errors_equal_plx_op_call_errors():
    a, b = plexus.ones(2, 3), plexus.ones(4)

    def message(function):
        with pytest.raises(plexus.PlexusError) as raised:
            function()
        return type(raised.value), str(raised.value)

    def unprepared(op_type, inputs, attrs=None):
        return lambda: _ops._unprepared(op_type.encode(), None, inputs, attrs, 1)

    assert message(lambda: a + b) == message(unprepared("Add", [a, b]))
    assert message(lambda: plexus.op("Nope", a)) == message(unprepared("Nope", [a]))
    assert message(lambda: plexus.op("Add", a)) == message(unprepared("Add", [a]))
    assert message(lambda: plexus.op("Softmax", a, bogus=1)) == message(unprepared("Softmax", [a], {"bogus": 1}))
    assert message(lambda: plexus.op("Softmax", a, axis=1.0)) == message(unprepared("Softmax", [a], {"axis": 1.0}))
    text = plexus.tensor(np.array(["x"]))
    assert message(lambda: text + text) == message(unprepared("Add", [text, text]))
    with pytest.raises(TypeError, match="the op type must be a str"):
        plexus.op(5, a)
    with pytest.raises(plexus.InvalidArgumentError, match="NUL"):
        plexus.op("Add\0", a, a)
    with pytest.raises(plexus.InvalidArgumentError, match="outputs must be an int"):
        plexus.op("Add", a, a, outputs=True)


def test_op_calls_are_cached_from_their_second_use(monkeypatch):
    x = plexus.tensor([[1.0, -2.0], [3.0, -4.0]])
    before = _prepared_op.cache_size()
    first = plexus.op("LeakyRelu", x, alpha=0.25)
    assert _prepared_op.cache_size() == before  # a one-off shape (a fresh dropout seed) stays out
    for _ in range(3):
        plexus.op("LeakyRelu", x, alpha=0.25)
        assert _prepared_op.cache_size() == before + 1
    np.testing.assert_array_equal(first.numpy(), [[1.0, -0.5], [3.0, -1.0]])
    # Keys tell apart what the attribute set tells apart: the float's sign of zero, and types.
    for _ in range(2):
        negative_zero = plexus.op("LeakyRelu", plexus.tensor([-1.0]), alpha=-0.0)
        positive_zero = plexus.op("LeakyRelu", plexus.tensor([-1.0]), alpha=0.0)
        assert not np.signbit(negative_zero.numpy()[0]) and np.signbit(positive_zero.numpy()[0])
    assert _prepared_op.attrs_key({"axis": 1}) != _prepared_op.attrs_key({"axis": 1.0}) != _prepared_op.attrs_key({"axis": True})
    assert _prepared_op.attrs_key({"perm": [1, 0]}) == _prepared_op.attrs_key({"perm": (1, 0)})
    assert _prepared_op.attrs_key({"value": np.ones(2)}) is None
    # Reductions and casts with fixed attributes: prepared calls once warm.
    def methods():
        return x.sum().item(), x.sum(dim=1, keepdim=True).shape, x.to("float64").dtype, x.mean().item()

    expected = methods()
    methods()
    calls = _count_prepared_calls(monkeypatch)
    assert methods() == expected == (-2.0, (2, 1), plexus.float64, -0.5)
    assert len(calls) == 4


def test_tensor_attributes_use_plx_op_call():
    filled = plexus.op("ConstantOfShape", plexus.tensor([2, 3]), value=np.array([7], np.float32))
    np.testing.assert_array_equal(filled.numpy(), np.full((2, 3), 7, np.float32))


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(_prepared_op, "MAX_CACHED", 8)
    _prepared_op.clear_cache()
    x = plexus.tensor([-1.0])
    results = [[plexus.op("LeakyRelu", x, alpha=float(k)).item() for _ in range(2)] for k in range(20)]
    assert results == [[-float(k)] * 2 for k in range(20)]
    assert _prepared_op.cache_size() == 8
    monkeypatch.setattr(_prepared_op, "MAX_SEEN", 4)
    for k in range(10):
        plexus.op("LeakyRelu", x, alpha=100.0 + k)
    assert len(_prepared_op._seen_once) <= 4
    held = _prepared_op.prepared("LeakyRelu", "", 1, {"alpha": 0.5}, 1, _prepared_op.attrs_key({"alpha": 0.5}))
    _prepared_op.clear_cache()
    assert _prepared_op.cache_size() == 0
    assert _ops._run(held, [x])[0].item() == -0.5  # a holder's prepared op outlives its eviction


def test_operators_record_autograd():
    x = plexus.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x + 3 * x - x / 2).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.0, 2.0, 3.0]) + 2.5)


def test_many_threads_share_the_prepared_ops(rng):
    errors = []
    inputs = [(_floats(rng, 4, 8), _floats(rng, 4, 8)) for _ in range(8)]

    def work(x, y):
        try:
            a, b = plexus.tensor(x), plexus.tensor(y)
            for _ in range(300):
                got = ((a + b) * b - a).relu()
            np.testing.assert_allclose(got.numpy(), np.maximum((x + y) * y - x, 0), rtol=1e-6)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=pair) for pair in inputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_exporting_is_a_per_thread_flag():
    assert not _ops.is_exporting()
    with _ops.exporting():
        assert _ops.is_exporting()
        with _ops.exporting():
            assert _ops.is_exporting()
        assert _ops.is_exporting()
        seen = []
        thread = threading.Thread(target=lambda: seen.append(_ops.is_exporting()))
        thread.start()
        thread.join()
        assert seen == [False]
    assert not _ops.is_exporting()


def test_results_cache_their_dtype_and_released_inputs_are_refused():
    a = plexus.tensor([1.0, 2.0])
    assert (a < a).dtype == plexus.bool_ and (a < a)._dtype_code == 9 and (a + a)._dtype_code == 1
    gone = plexus.tensor([1.0, 2.0])
    gone.__del__()
    with pytest.raises(plexus.ClosedError):
        a + gone
    with pytest.raises(plexus.ClosedError):
        plexus.op("Relu", gone)
