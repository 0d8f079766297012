"""Recent-opset operators of the CPU plugin (RMSNormalization, RotaryEmbedding, SwiGLU,
GroupNormalization, CausalConvWithState, LinearAttention, TensorScatter) and Attention's
nonpad_kv_seqlen / sliding window: float64 forward results against the ONNX reference
implementation, finite-difference gradients of the trainable ones, and error cases. (float32
forward results are covered by the ONNX conformance run.)"""
import numpy as np
import onnx
import pytest
from onnx import helper
from onnx.reference import ReferenceEvaluator

from plexus_c import PlexusError, Tensor, gradient_check, op

RNG = np.random.default_rng(7)


def reference(name, inputs, attrs, opset, outputs=1):
    """The ONNX reference implementation of one op (None inputs are omitted)."""
    names = ["" if x is None else f"x{i}" for i, x in enumerate(inputs)]
    while names and names[-1] == "":
        names.pop()
    graph_inputs = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(x.dtype), x.shape)
                    for n, x in zip(names, inputs) if n]
    outs = [f"y{i}" for i in range(outputs)]
    node = helper.make_node(name, names, outs, **attrs)
    graph = helper.make_graph([node], "g", graph_inputs, [helper.make_tensor_value_info(o, 0, None) for o in outs])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    feeds = {n: x for n, x in zip(names, inputs) if n}
    return ReferenceEvaluator(model).run(None, feeds)


def tensors(*arrays):
    """float64 Tensors requiring grad."""
    return [Tensor.of(a, requires_grad=True) for a in arrays]


def normal(*shape):
    return RNG.standard_normal(shape)


# RMSNormalization

@pytest.mark.parametrize("axis", [0, 1, -1])
def test_rms_normalization_matches_reference_and_trains(axis):
    x, scale = normal(2, 3, 4), normal(*(2, 3, 4)[axis:])
    (y,) = op("RMSNormalization", [x, scale], {"axis": axis, "epsilon": 1e-3})
    (want,) = reference("RMSNormalization", [x, scale], {"axis": axis, "epsilon": 1e-3}, 23)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10)
    tx, ts = tensors(x, scale)
    gradient_check(lambda: op("RMSNormalization", [tx, ts], {"axis": axis})[0], [tx, ts])


def test_rms_normalization_errors():
    x = normal(2, 3)
    with pytest.raises(PlexusError, match="axis"):
        op("RMSNormalization", [x, normal(3)], {"axis": 2})
    with pytest.raises(PlexusError, match="stash_type"):
        op("RMSNormalization", [x, normal(3)], {"stash_type": 11})


# SwiGLU

def test_swiglu_matches_reference_and_trains():
    a, b = normal(3, 4), normal(3, 4)
    (y,) = op("SwiGLU", [a, b], {"alpha": 1.7})
    (want,) = reference("SwiGLU", [a, b], {"alpha": 1.7}, 28)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-6)  # alpha is a float32 attribute
    ta, tb = tensors(a, b)
    gradient_check(lambda: op("SwiGLU", [ta, tb], {"alpha": 0.5})[0], [ta, tb])


def test_swiglu_rejects_broadcasting():
    with pytest.raises(PlexusError, match="same shape"):
        op("SwiGLU", [normal(3, 4), normal(1, 4)])


# RotaryEmbedding

ROTARY_CASES = [
    ({}, (2, 3, 4, 8), True),
    ({"interleaved": 1, "rotary_embedding_dim": 4}, (2, 3, 4, 8), True),
    ({"num_heads": 2}, (2, 4, 12), False),
    ({"num_heads": 2, "interleaved": 1}, (2, 4, 12), True),
]


@pytest.mark.parametrize("attrs,shape,positions", ROTARY_CASES)
def test_rotary_embedding_matches_reference_and_trains(attrs, shape, positions):
    batch, sequence = shape[0], shape[2] if len(shape) == 4 else shape[1]
    head = shape[3] if len(shape) == 4 else shape[2] // attrs["num_heads"]
    half = attrs.get("rotary_embedding_dim", head) // 2
    if positions:
        cos, sin = normal(10, half), normal(10, half)
        ids = RNG.integers(0, 10, (batch, sequence)).astype(np.int64)
    else:
        cos, sin, ids = normal(batch, sequence, half), normal(batch, sequence, half), None
    x = normal(*shape)
    (y,) = op("RotaryEmbedding", [x, cos, sin, ids], attrs)
    (want,) = reference("RotaryEmbedding", [x, cos, sin, ids], attrs, 23)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10, atol=1e-12)
    tx, tc, ts = tensors(x, cos, sin)
    gradient_check(lambda: op("RotaryEmbedding", [tx, tc, ts, ids], attrs)[0], [tx, tc, ts])


def test_rotary_embedding_errors():
    cos = sin = normal(2, 3, 4)
    with pytest.raises(PlexusError, match="num_heads"):
        op("RotaryEmbedding", [normal(2, 3, 8), cos, sin])
    with pytest.raises(PlexusError, match="3-D or 4-D"):
        op("RotaryEmbedding", [normal(3, 8), cos, sin])
    with pytest.raises(PlexusError, match="even"):
        op("RotaryEmbedding", [normal(2, 1, 3, 8), cos, sin], {"rotary_embedding_dim": 3})
    with pytest.raises(PlexusError, match="caches"):
        op("RotaryEmbedding", [normal(2, 1, 3, 8), normal(2, 3, 3), normal(2, 3, 3)])


# GroupNormalization

def test_group_normalization_matches_numpy_and_trains():
    x, scale, bias = normal(2, 6, 3), normal(6), normal(6)
    (y,) = op("GroupNormalization", [x, scale, bias], {"num_groups": 3, "epsilon": 1e-3})
    groups = x.reshape(2, 3, -1)
    normalized = (groups - groups.mean(-1, keepdims=True)) / np.sqrt(groups.var(-1, keepdims=True) + 1e-3)
    want = normalized.reshape(x.shape) * scale[:, None] + bias[:, None]
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10)
    tx, ts, tb = tensors(x, scale, bias)
    gradient_check(lambda: op("GroupNormalization", [tx, ts, tb], {"num_groups": 2})[0], [tx, ts, tb])


def test_group_normalization_errors():
    with pytest.raises(PlexusError, match="num_groups"):
        op("GroupNormalization", [normal(2, 6, 3), normal(6), normal(6)], {"num_groups": 4})
    with pytest.raises(PlexusError, match="scale and bias"):
        op("GroupNormalization", [normal(2, 6, 3), normal(3), normal(3)], {"num_groups": 3})


# CausalConvWithState

@pytest.mark.parametrize("activation,with_past", [("none", False), ("silu", True)])
def test_causal_conv_with_state_matches_reference_and_trains(activation, with_past):
    x, weight, bias = normal(2, 3, 5), normal(3, 1, 3), normal(3)
    past = normal(2, 3, 2) if with_past else None
    attrs = {"activation": activation}
    got = op("CausalConvWithState", [x, weight, bias, past], attrs, outputs=2)
    want = reference("CausalConvWithState", [x, weight, bias, past], attrs, 27, outputs=2)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-6)  # the reference's SiLU runs in float32
    grads = tensors(x, weight, bias) + (tensors(past) if with_past else [None])
    gradient_check(lambda: op("CausalConvWithState", grads, attrs)[0], [t for t in grads if t is not None])


def test_causal_conv_with_state_errors():
    with pytest.raises(PlexusError, match="activation"):
        op("CausalConvWithState", [normal(1, 2, 4), normal(2, 1, 2)], {"activation": "relu"})
    with pytest.raises(PlexusError, match="weight"):
        op("CausalConvWithState", [normal(1, 2, 4), normal(2, 2, 2)])
    with pytest.raises(PlexusError, match="past_state"):
        op("CausalConvWithState", [normal(1, 2, 4), normal(2, 1, 3), None, normal(1, 2, 1)])


# LinearAttention

@pytest.mark.parametrize("rule,decay_width,beta_width", [("linear", 0, 0), ("gated", 1, 0), ("delta", 0, 2),
                                                          ("gated_delta", 3, 1)])
def test_linear_attention_matches_reference(rule, decay_width, beta_width):
    batch, time, q_heads, kv_heads, dk, dv = 2, 3, 4, 2, 3, 2
    q, k, v = normal(batch, time, q_heads * dk), normal(batch, time, kv_heads * dk), normal(batch, time, kv_heads * dv)
    past = normal(batch, kv_heads, dk, dv)
    decay = -np.abs(normal(batch, time, kv_heads * decay_width)) if decay_width else None
    beta = 1 / (1 + np.exp(-normal(batch, time, beta_width))) if beta_width else None
    attrs = {"q_num_heads": q_heads, "kv_num_heads": kv_heads, "update_rule": rule}
    inputs = [q, k, v, past, decay, beta]
    got = op("LinearAttention", inputs, attrs, outputs=2)
    want = reference("LinearAttention", inputs, attrs, 27, outputs=2)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-5, atol=1e-6)


def test_linear_attention_errors():
    q = normal(1, 2, 4)
    with pytest.raises(PlexusError, match="decay is not allowed"):
        op("LinearAttention", [q, q, q, None, normal(1, 2, 2)], {"q_num_heads": 2, "kv_num_heads": 2, "update_rule": "linear"})
    with pytest.raises(PlexusError, match="multiple"):
        op("LinearAttention", [q, q, q], {"q_num_heads": 2, "kv_num_heads": 4, "update_rule": "linear"})
    with pytest.raises(PlexusError, match="update_rule"):
        op("LinearAttention", [q, q, q], {"q_num_heads": 2, "kv_num_heads": 2, "update_rule": "softmax"})


# TensorScatter

@pytest.mark.parametrize("mode,dtype", [("linear", np.float64), ("circular", np.int32)])
def test_tensor_scatter_matches_reference(mode, dtype):
    cache, update = (normal(2, 3, 5, 2) * 10).astype(dtype), (normal(2, 3, 3, 2) * 10).astype(dtype)
    indices = np.array([2, 1] if mode == "linear" else [4, 3], dtype=np.int64)
    (y,) = op("TensorScatter", [cache, update, indices], {"mode": mode})
    (want,) = reference("TensorScatter", [cache, update, indices], {"mode": mode}, 24)
    np.testing.assert_array_equal(y.numpy(), want)


def test_tensor_scatter_errors():
    cache = normal(2, 4, 3)
    with pytest.raises(PlexusError, match="mode"):
        op("TensorScatter", [cache, normal(2, 1, 3)], {"mode": "ring"})
    with pytest.raises(PlexusError, match="does not fit"):
        op("TensorScatter", [cache, normal(2, 5, 3)])
    with pytest.raises(PlexusError, match="outside"):
        op("TensorScatter", [cache, normal(2, 2, 3), np.array([3, 0], dtype=np.int64)])


# Attention with nonpad_kv_seqlen and a sliding window

ATTENTION_CASES = [
    ({"is_causal": 1}, True),
    ({}, True),
    ({"left_window_size": 1, "right_window_size": 0}, False),
    ({"is_causal": 1, "left_window_size": 2}, True),
]


@pytest.mark.parametrize("attrs,nonpad", ATTENTION_CASES)
def test_attention_padding_and_window_match_reference_and_train(attrs, nonpad):
    q, k, v = normal(2, 4, 2, 3), normal(2, 2, 5, 3), normal(2, 2, 5, 2)
    lengths = np.array([5, 3], dtype=np.int64) if nonpad else None
    inputs = [q, k, v, None, None, None, lengths]
    (y,) = op("Attention", inputs, attrs)
    (want,) = reference("Attention", inputs, attrs, 25)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10, atol=1e-12)
    tq, tk, tv = tensors(q, k, v)
    gradient_check(lambda: op("Attention", [tq, tk, tv, None, None, None, lengths], attrs)[0], [tq, tk, tv])


def test_attention_nonpad_errors():
    q = normal(1, 2, 2, 3)
    with pytest.raises(PlexusError, match="nonpad_kv_seqlen cannot"):
        op("Attention", [q, q, q, None, q, q, np.array([2], dtype=np.int64)])
    with pytest.raises(PlexusError, match="nonpad_kv_seqlen must"):
        op("Attention", [q, q, q, None, None, None, np.array([2, 2], dtype=np.int64)])
    with pytest.raises(PlexusError, match="window"):
        op("Attention", [q, q, q], {"left_window_size": -2})
