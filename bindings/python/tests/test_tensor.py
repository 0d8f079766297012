"""Tensors: creation, dtypes, operators against numpy, indexing, autograd, no_grad."""
import numpy as np
import pytest

import plexus


def test_creation_and_metadata():
    t = plexus.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.dtype == plexus.float32 and t.dtype == np.float32 and t.dtype == "float32"
    assert t.shape == (2, 2) and t.ndim == 2 and t.size() == (2, 2) and t.size(1) == 2 and t.numel() == 4
    assert t.device == "cpu" and t.nbytes == 16
    assert plexus.tensor([1, 2]).dtype == plexus.int64
    assert plexus.tensor(np.arange(3, dtype=np.float64)).dtype == plexus.float64
    assert plexus.tensor([1, 2], dtype=plexus.float64).dtype == np.float64
    assert plexus.Tensor([1.5]).dtype == plexus.float32
    assert plexus.tensor(3.5).shape == () and plexus.tensor(3.5).item() == 3.5
    assert plexus.tensor(np.zeros((0, 3), np.float32)).shape == (0, 3)
    assert plexus.tensor([True, False]).dtype == plexus.bool_
    assert plexus.tensor(np.array([1, 2], np.float16)).dtype == plexus.float16
    strings = plexus.tensor(np.array(["ab", "ç"]))
    assert strings.dtype == plexus.string and strings.tolist() == ["ab", "ç"]
    assert repr(plexus.tensor([1.0], requires_grad=True)) == "tensor([1.], dtype=plexus.float32, requires_grad=True)"


def test_bfloat16_round_trip():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    values = np.array([1.5, -2.0], dtype=ml_dtypes.bfloat16)
    t = plexus.from_numpy(values)
    assert t.dtype == plexus.bfloat16
    np.testing.assert_array_equal(t.numpy().astype(np.float32), [1.5, -2.0])


def test_factories():
    plexus.manual_seed(3)
    a = plexus.randn(2, 3)
    plexus.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), plexus.randn(2, 3).numpy())
    assert plexus.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert plexus.ones((2,), dtype="int32").dtype == plexus.int32
    assert plexus.full((2,), 7).tolist() == [7, 7] and plexus.full(3, 0.5).tolist() == [0.5] * 3
    assert plexus.arange(4).tolist() == [0, 1, 2, 3] and plexus.arange(0, 1, 0.5).dtype == plexus.float32
    assert plexus.eye(2).tolist() == [[1, 0], [0, 1]]
    assert plexus.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    assert 0 <= plexus.rand(10).numpy().min() and plexus.rand(10).numpy().max() < 1
    assert plexus.randint(0, 3, (20,)).numpy().max() < 3
    assert plexus.zeros_like(a).shape == a.shape and plexus.ones_like(a).sum().item() == 6
    assert plexus.full_like(a, 2.0).numpy().max() == 2.0 and plexus.empty(2).shape == (2,)
    np.testing.assert_array_equal(plexus.cat([plexus.ones(1, 2), plexus.zeros(1, 2)]).numpy(), [[1, 1], [0, 0]])
    assert plexus.stack([plexus.ones(2), plexus.zeros(2)], dim=1).shape == (2, 2)
    np.testing.assert_array_equal(plexus.where(plexus.tensor([True, False]), 1.0, plexus.tensor([5.0, 6.0])).numpy(), [1, 6])


def test_arithmetic_matches_numpy(rng):
    a_np = rng.standard_normal((3, 4)).astype(np.float32)
    b_np = rng.standard_normal((4,)).astype(np.float32) + 3
    a, b = plexus.tensor(a_np), plexus.tensor(b_np)
    cases = {
        "add": (a + b, a_np + b_np), "radd": (1 + a, 1 + a_np), "sub": (a - b, a_np - b_np), "rsub": (2 - a, 2 - a_np),
        "mul": (a * b, a_np * b_np), "rmul": (2 * a, 2 * a_np), "div": (a / b, a_np / b_np), "rdiv": (1 / b, 1 / b_np),
        "neg": (-a, -a_np), "abs": (abs(a), np.abs(a_np)), "pow": (b ** 2, b_np ** 2), "rpow": (2 ** b, 2 ** b_np),
        "matmul": (a @ a.T, a_np @ a_np.T), "rmatmul": (a_np.T @ a, a_np.T @ a_np), "numpy_left": (a_np + a, a_np * 2),
        "floordiv": (a // 0.5, a_np // 0.5), "mod": (a % 0.7, a_np % np.float32(0.7)),
        "exp": (a.exp(), np.exp(a_np)), "sqrt": (b.sqrt(), np.sqrt(b_np)), "log": (b.log(), np.log(b_np)),
        "relu": (a.relu(), np.maximum(a_np, 0)), "sigmoid": (a.sigmoid(), 1 / (1 + np.exp(-a_np))), "tanh": (a.tanh(), np.tanh(a_np)),
        "clamp": (a.clamp(-0.5, 0.5), np.clip(a_np, -0.5, 0.5)), "softmax": (a.softmax(-1), np.exp(a_np) / np.exp(a_np).sum(-1, keepdims=True)),
        "sum": (a.sum(), a_np.sum()), "sum1": (a.sum(1, keepdim=True), a_np.sum(1, keepdims=True)), "mean": (a.mean(0), a_np.mean(0)),
        "max": (a.max(), a_np.max()), "min": (a.min(), a_np.min()), "prod": (b.prod(), b_np.prod()),
        "reshape": (a.reshape(4, 3), a_np.reshape(4, 3)), "view": (a.view(-1), a_np.reshape(-1)),
        "flatten": (a.reshape(1, 3, 4).flatten(1), a_np.reshape(1, 12)), "permute": (a.permute(1, 0), a_np.T),
        "transpose": (a.transpose(0, 1), a_np.T), "t": (a.t(), a_np.T), "unsqueeze": (a.unsqueeze(0), a_np[None]),
        "squeeze": (a.unsqueeze(0).squeeze(0), a_np), "squeeze_all": (a.reshape(1, 12, 1).squeeze(), a_np.reshape(12)),
        "expand": (b.expand(2, -1), np.broadcast_to(b_np, (2, 4))), "floor": (a.floor(), np.floor(a_np)), "sign": (a.sign(), np.sign(a_np)),
    }
    for name, (got, want) in cases.items():
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5, err_msg=name)
    values, indices = a.max(dim=1)
    np.testing.assert_array_equal(indices.numpy(), a_np.argmax(1))
    np.testing.assert_allclose(values.numpy(), a_np.max(1))
    assert a.argmax().item() == a_np.argmax() and a.argmin(dim=0).tolist() == a_np.argmin(0).tolist()
    pieces = plexus.arange(5).split(2)
    assert [p.tolist() for p in pieces] == [[0, 1], [2, 3], [4]]


def test_type_promotion_and_integer_division():
    ints = plexus.tensor([7, -7])
    assert (ints + 1).dtype == plexus.int64
    assert (ints + 0.5).dtype == plexus.float32
    assert (ints / 2).tolist() == [3.5, -3.5]
    assert (ints // 2).tolist() == [3, -4] and (ints % 3).tolist() == [1, 2]
    assert (plexus.tensor([1.0]) + plexus.tensor([1], dtype="int32")).dtype == plexus.float32
    assert (plexus.tensor([1.0]) + plexus.tensor([1.0], dtype="float64")).dtype == plexus.float64
    assert (plexus.tensor([True]) + 1).dtype == plexus.int64
    assert plexus.tensor([1.5, 2.5]).long().tolist() == [1, 2] and plexus.tensor([1]).float().dtype == plexus.float32
    assert plexus.tensor([1]).double().dtype == plexus.float64 and plexus.tensor([1.0]).half().dtype == plexus.float16
    assert plexus.tensor([0, 2]).bool().tolist() == [False, True] and plexus.tensor([1.7]).int().tolist() == [1]
    assert plexus.tensor([1.0]).to(plexus.float64).dtype == np.float64 and plexus.tensor([1.0]).type("int64").dtype == plexus.int64


def test_comparisons_and_logic():
    a = plexus.tensor([1.0, 2.0, 3.0])
    assert (a == 2).tolist() == [False, True, False] and (a != 2).tolist() == [True, False, True]
    assert (a < 2).tolist() == [True, False, False] and (a <= 2).tolist() == [True, True, False]
    assert (a > 2).tolist() == [False, False, True] and (a >= 2).tolist() == [False, True, True]
    mask = a > 1
    assert (mask & (a < 3)).tolist() == [False, True, False] and (mask | (a < 2)).tolist() == [True, True, True]
    assert (~mask).tolist() == [True, False, False] and (mask ^ True).tolist() == [True, False, False]
    assert (plexus.tensor([6]) & 3).tolist() == [2] and (~plexus.tensor([0], dtype="int32")).tolist() == [-1]
    assert len({a, a}) == 1  # hashable by identity, like torch tensors


def test_indexing_matches_numpy():
    n = np.arange(60).reshape(3, 4, 5)
    x = plexus.tensor(n)
    keys = [0, -1, (1, 2), (1, 2, 3), (slice(None), 1), (..., -1), slice(None, None, -1), (1, slice(3, 0, -2)), (None, 0),
            [2, 0], (slice(None), [3, 0, 1]), (0, ..., None), (slice(1, None), None, slice(None, 2)), np.array([[0, 1], [2, 2]]),
            (Ellipsis,), (slice(-2, None), -1, slice(None, None, 2)), n[..., 0, 0] > 10, (slice(5, 9),)]
    for key in keys:
        np.testing.assert_array_equal(x[key].numpy(), n[key], err_msg=str(key))
    np.testing.assert_array_equal(x[plexus.tensor([1, 0])].numpy(), n[[1, 0]])
    np.testing.assert_array_equal(x[plexus.tensor(2)].numpy(), n[2])
    assert [row.shape for row in x] == [(4, 5)] * 3 and len(x) == 3
    with pytest.raises(IndexError):
        x[3]
    with pytest.raises(IndexError):
        x[0, 0, 0, 0]
    with pytest.raises(plexus.UnsupportedError):
        x[[0, 1], [0, 1]]


def test_indexing_is_differentiable():
    x = plexus.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (x[1, ::2].sum() + x[:, -1].sum() * 2).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 2], [1, 0, 3]])


def test_item_tolist_conversions():
    t = plexus.tensor([[1, 2]])
    assert t.tolist() == [[1, 2]] and plexus.tensor([5]).item() == 5 and isinstance(plexus.tensor([5]).item(), int)
    assert float(plexus.tensor([2.5])) == 2.5 and int(plexus.tensor([3])) == 3 and bool(plexus.tensor([1]))
    assert [10, 20, 30][plexus.tensor(1)] == 20
    with pytest.raises(plexus.InvalidArgumentError):
        t.item()
    with pytest.raises(TypeError):
        len(plexus.tensor(1.0))


def test_in_place_updates():
    t = plexus.zeros(3)
    t += 1
    t -= plexus.tensor([0.0, 1.0, 0.0])
    t *= 2
    t /= 2
    assert t.tolist() == [1.0, 0.0, 1.0]
    t.add_(plexus.ones(3), alpha=2).sub_(1).mul_(2).div_(4)
    assert t.tolist() == [1.0, 0.5, 1.0]
    t[1] = 9
    assert t.tolist() == [1.0, 9.0, 1.0]
    t.copy_(np.array([4.0, 5.0, 6.0]))
    assert t.tolist() == [4, 5, 6] and t.fill_(2).tolist() == [2, 2, 2] and t.zero_().tolist() == [0, 0, 0]
    p = plexus.ones(2, requires_grad=True)
    with pytest.raises(plexus.InvalidArgumentError, match="in place"):
        p += 1
    with plexus.no_grad():
        p -= 0.5
    assert p.tolist() == [0.5, 0.5] and p.requires_grad
    with pytest.raises(plexus.ShapeMismatchError):
        plexus.zeros(2).__iadd__(plexus.zeros(3, 2))


def test_autograd_backward_grad_detach():
    a_np = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    a = plexus.tensor(a_np, requires_grad=True)
    assert a.requires_grad and a.grad is None
    loss = ((a @ a + 1) * 2 - a / 2).sum()
    loss.backward()
    ones = np.ones((2, 2), np.float32)
    np.testing.assert_allclose(a.grad.numpy(), 2 * (ones @ a_np.T + a_np.T @ ones) - 0.5)
    loss2 = (a * 3).sum()
    loss2.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * (ones @ a_np.T + a_np.T @ ones) - 0.5 + 3)
    a.grad = None
    assert a.grad is None
    (a * a).backward(gradient=np.ones((2, 2), np.float32))
    np.testing.assert_allclose(a.grad.numpy(), 2 * a_np)
    a.zero_grad()
    d = a.detach()
    assert not d.requires_grad and np.shares_memory(d.numpy(), a.numpy())
    assert a.clone().requires_grad
    c = a.clone()
    c.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), ones)
    plain = plexus.ones(2)
    assert not np.shares_memory(plain.clone().numpy(), plain.numpy())
    a.requires_grad = False
    assert not a.requires_grad


def test_no_grad_context_and_decorator():
    w = plexus.ones(2, requires_grad=True)
    assert plexus.is_grad_enabled()
    with plexus.no_grad():
        assert not plexus.is_grad_enabled()
        assert not (w * 2).requires_grad
    assert (w * 2).requires_grad

    @plexus.no_grad()
    def scaled(x):
        return x * 2

    @plexus.no_grad
    def shifted(x):
        return x + 1

    assert not scaled(w).requires_grad and not shifted(w).requires_grad and plexus.is_grad_enabled()
    assert scaled.__name__ == "scaled"


def test_op_escape_hatch():
    a = plexus.tensor(np.arange(6.0).reshape(2, 3))
    out = plexus.op("Gemm", a, plexus.ones(3, 2, dtype="float64"), transB=0, alpha=2.0)
    np.testing.assert_allclose(out.numpy(), 2 * np.arange(6.0).reshape(2, 3) @ np.ones((3, 2)))
    top_values, top_indices = plexus.op("TopK", plexus.tensor([3.0, 1.0, 2.0]), plexus.tensor([2]), outputs=2)
    assert top_values.tolist() == [3.0, 2.0] and top_indices.tolist() == [0, 2]


def test_settings_and_version():
    assert plexus.version().count(".") == 2 and plexus.__version__ == plexus.version()
    assert plexus.abi_version() >= 1
    before = plexus.get_num_threads()
    plexus.set_num_threads(1)
    assert plexus.get_num_threads() == 1
    plexus.set_num_threads(0)
    assert plexus.get_num_threads() >= 1 and before >= 1
    plexus.set_backend_order(["cpu"])
    assert (plexus.ones(2, 2) @ plexus.ones(2, 2)).tolist() == [[2, 2], [2, 2]]
    plexus.set_backend_order(None)
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.set_num_threads(-1)


def test_narrow_dtypes_round_trip_through_numpy_and_sessions():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    from onnx import TensorProto, helper
    values = np.array([-8, -1, 0, 3, 7], dtype=ml_dtypes.int4)
    t = plexus.tensor(values)
    assert t.dtype == plexus.int4 and t.numpy().dtype == values.dtype
    np.testing.assert_array_equal(t.numpy().astype(np.int8), values.astype(np.int8))
    graph = helper.make_graph([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT8E4M3FN)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT8E4M3FN, [3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    session = plexus.InferenceSession(model.SerializeToString())
    assert session.get_outputs()[0].type == "tensor(float8e4m3fn)"
    (y,) = session.run(None, {"x": np.float32([0.3, 500, -2])})
    assert y.dtype == np.dtype(ml_dtypes.float8_e4m3fn)
    np.testing.assert_array_equal(y.astype(np.float32), [0.3125, 448, -2])  # nearest, saturated at 448
    with pytest.raises(plexus.DTypeMismatchError, match="DLPack"):
        t.__dlpack__()
