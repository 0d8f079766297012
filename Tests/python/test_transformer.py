"""The transformer plugin: LayerNormalization (opset 17) and Attention (opset 23) against
onnxruntime running the single ONNX op, their gradients (finite differences in float64), and the
layers (Embedding, LayerNorm, MultiHeadAttention, TransformerEncoderLayer,
TransformerDecoderLayer, PositionalEncoding, LearnedPositionalEmbedding) against numpy
re-implementations of PyTorch's equations."""
import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from plexus_c import Layer, PlexusError, Tensor, gradient_check, lib, op, write_numpy

RNG = np.random.default_rng(7)
ONNX_TYPES = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE,
              np.dtype(np.float16): TensorProto.FLOAT16, np.dtype(np.bool_): TensorProto.BOOL}


def run_onnx(op_type, inputs, attrs, output_types, opset, reference=False):
    """Runs one ONNX node on onnxruntime (or, with `reference`, on the onnx package's reference
    evaluator); `inputs` is a list of arrays (None = omitted), `output_types` the numpy dtypes
    of the outputs."""
    names = [f"in{i}" if x is not None else "" for i, x in enumerate(inputs)]
    while names and names[-1] == "":
        names.pop()
    outputs = [f"out{i}" for i in range(len(output_types))]
    node = helper.make_node(op_type, names, outputs, **attrs)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, ONNX_TYPES[x.dtype], x.shape) for n, x in zip(names, inputs) if n],
        [helper.make_tensor_value_info(n, ONNX_TYPES[np.dtype(t)], None) for n, t in zip(outputs, output_types)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    if reference:
        return ReferenceEvaluator(model).run(None, {n: x for n, x in zip(names, inputs) if n})
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {n: x for n, x in zip(names, inputs) if n})


def plexus(op_type, inputs, attrs, output_count, recorded=False):
    """Runs the op in Plexus; `recorded` makes the float inputs require grad, so the
    decomposition (or the recorded kernel) runs instead of the plain kernel."""
    tensors = [None if x is None else Tensor.of(x, requires_grad=recorded and x.dtype.kind == "f") for x in inputs]
    return [t.numpy() for t in op(op_type, tensors, attrs, outputs=output_count)]


def randn(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


# ------------------------------------------------------------------------------------------
# LayerNormalization
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("axis", [-1, -2, 0, 1, 2])
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_normalization_matches_onnxruntime(axis, with_bias, dtype):
    x = randn(2, 3, 4, dtype=dtype) * 3 + 1
    normalized = x.shape[axis % 3:]
    scale, bias = randn(*normalized, dtype=dtype), randn(*normalized, dtype=dtype)
    inputs = [x, scale, bias if with_bias else None]
    attrs = {"axis": axis, "epsilon": 1e-3}
    expected = run_onnx("LayerNormalization", inputs[:3 if with_bias else 2], attrs, [dtype, np.float32, np.float32], 17)
    got = plexus("LayerNormalization", inputs[:3 if with_bias else 2], attrs, 3)
    tolerance = 1e-5 if dtype == np.float32 else 1e-8
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=tolerance, atol=tolerance)


def test_layer_normalization_broadcast_scale_one_output_and_float16():
    x = randn(3, 2, 5)
    scale, bias = randn(1, 5), randn(5)  # unidirectionally broadcast over the normalised dims
    expected = run_onnx("LayerNormalization", [x, scale, bias], {"axis": -2}, [np.float32], 17)[0]
    np.testing.assert_allclose(plexus("LayerNormalization", [x, scale, bias], {"axis": -2}, 1)[0], expected, rtol=1e-5, atol=1e-5)
    per_row = randn(3, 1, 5)  # Scale may also vary over the leading (not normalised) dims
    normalized = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(plexus("LayerNormalization", [x, per_row, bias], {}, 1)[0], normalized * per_row + bias, rtol=1e-5, atol=1e-5)
    half = [a.astype(np.float16) for a in (x, scale, bias)]
    expected = run_onnx("LayerNormalization", half, {}, [np.float16], 17)[0]
    got = plexus("LayerNormalization", half, {}, 1)[0]
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float32), expected.astype(np.float32), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("axis", [-1, 1])
def test_layer_normalization_gradient(axis):
    x = Tensor.of(RNG.standard_normal((2, 3, 4)), requires_grad=True)
    shape = (3, 4) if axis == 1 else (4,)
    scale = Tensor.of(RNG.standard_normal(shape), requires_grad=True)
    bias = Tensor.of(RNG.standard_normal(shape), requires_grad=True)
    gradient_check(lambda: op("LayerNormalization", [x, scale, bias], {"axis": axis})[0], [x, scale, bias])


def test_layer_normalization_gradient_through_mean_and_inverse_std():
    x = Tensor.of(RNG.standard_normal((3, 5)), requires_grad=True)
    scale = Tensor.of(RNG.standard_normal((1, 5)), requires_grad=True)

    def f():
        y, mean, inverse = op("LayerNormalization", [x, scale], {"stash_type": 11}, outputs=3)
        return op("Add", [op("Mul", [y, mean])[0], inverse])[0]
    gradient_check(f, [x, scale])


def test_layer_normalization_errors():
    x = randn(2, 4)
    with pytest.raises(PlexusError, match="axis"):
        op("LayerNormalization", [x, randn(4)], {"axis": 2})
    with pytest.raises(PlexusError, match="broadcast"):
        op("LayerNormalization", [x, randn(3)])
    with pytest.raises(PlexusError, match="stash_type"):
        op("LayerNormalization", [x, randn(4)], {"stash_type": 7})
    with pytest.raises(PlexusError):
        op("LayerNormalization", [x, randn(4, dtype=np.float64)])


# ------------------------------------------------------------------------------------------
# Attention
# ------------------------------------------------------------------------------------------

def attention_case(name):
    """Inputs, attributes and output count of one named Attention configuration."""
    b = 2
    cases = {
        "4d": ([randn(b, 2, 3, 4), randn(b, 2, 5, 4), randn(b, 2, 5, 4)], {}, 1),
        "3d_heads": ([randn(b, 3, 8), randn(b, 5, 8), randn(b, 5, 8)], {"q_num_heads": 2, "kv_num_heads": 2}, 1),
        "3d_gqa": ([randn(b, 3, 16), randn(b, 5, 8), randn(b, 5, 8)], {"q_num_heads": 4, "kv_num_heads": 2}, 1),
        "4d_gqa": ([randn(b, 4, 3, 4), randn(b, 2, 5, 4), randn(b, 2, 5, 6)], {}, 1),
        "mqa": ([randn(b, 3, 3, 4), randn(b, 1, 4, 4), randn(b, 1, 4, 4)], {}, 1),
        "v_size": ([randn(b, 4, 12), randn(b, 6, 12), randn(b, 6, 6)], {"q_num_heads": 3, "kv_num_heads": 3}, 1),
        "causal": ([randn(b, 2, 4, 4), randn(b, 2, 4, 4), randn(b, 2, 4, 4)], {"is_causal": 1}, 1),
        "causal_3d_gqa": ([randn(b, 4, 8), randn(b, 4, 4), randn(b, 4, 4)], {"is_causal": 1, "q_num_heads": 2, "kv_num_heads": 1}, 1),
        "bool_mask_2d": ([randn(b, 2, 3, 4), randn(b, 2, 5, 4), randn(b, 2, 5, 4), RNG.random((3, 5)) > 0.3], {}, 1),
        "bool_mask_4d": ([randn(b, 2, 3, 4), randn(b, 2, 5, 4), randn(b, 2, 5, 4), RNG.random((b, 2, 3, 5)) > 0.3], {}, 1),
        "padding_mask": ([randn(b, 3, 8), randn(b, 5, 8), randn(b, 5, 8),
                          np.array([[[[1, 1, 1, 0, 0]]], [[[1, 1, 1, 1, 1]]]], dtype=bool)], {"q_num_heads": 2, "kv_num_heads": 2}, 1),
        "float_mask": ([randn(b, 2, 3, 4), randn(b, 2, 5, 4), randn(b, 2, 5, 4),
                        np.where(RNG.random((b, 1, 3, 5)) > 0.3, randn(b, 1, 3, 5), -np.inf).astype(np.float32)], {}, 1),
        "short_mask": ([randn(b, 2, 3, 4), randn(b, 2, 5, 4), randn(b, 2, 5, 4), RNG.random((3, 3)) > 0.2], {}, 1),
        "mask_and_causal": ([randn(b, 2, 4, 4), randn(b, 2, 4, 4), randn(b, 2, 4, 4), randn(4, 4)], {"is_causal": 1}, 1),
        "fully_masked_row": ([randn(b, 1, 2, 4), randn(b, 1, 3, 4), randn(b, 1, 3, 4),
                              np.array([[True, False, True], [False, False, False]])], {}, 1),
        "past": ([randn(b, 2, 3, 4), randn(b, 2, 3, 4), randn(b, 2, 3, 4), None, randn(b, 2, 2, 4), randn(b, 2, 2, 4)], {}, 3),
        "past_3d_causal": ([randn(b, 2, 8), randn(b, 2, 8), randn(b, 2, 8), None, randn(b, 2, 3, 4), randn(b, 2, 3, 4)],
                           {"is_causal": 1, "q_num_heads": 2, "kv_num_heads": 2}, 3),
        "present_without_past": ([randn(b, 3, 8), randn(b, 5, 8), randn(b, 5, 8)], {"q_num_heads": 2, "kv_num_heads": 2}, 3),
        "scale": ([randn(b, 2, 3, 4), randn(b, 2, 5, 4), randn(b, 2, 5, 4)], {"scale": 0.3}, 1),
        "softcap": ([randn(b, 2, 3, 4) * 3, randn(b, 2, 5, 4), randn(b, 2, 5, 4)], {"softcap": 2.0}, 1),
        "softmax_precision": ([randn(b, 2, 3, 4), randn(b, 2, 5, 4), randn(b, 2, 5, 4), RNG.random((3, 5)) > 0.3],
                              {"softmax_precision": TensorProto.DOUBLE}, 1),
        "float64": ([randn(b, 2, 3, 4, dtype=np.float64), randn(b, 2, 5, 4, dtype=np.float64), randn(b, 2, 5, 4, dtype=np.float64),
                     RNG.random((b, 2, 3, 5)) > 0.3], {"is_causal": 1}, 1),
    }
    for mode in range(4):
        cases[f"qk_mode_{mode}"] = ([randn(b, 2, 3, 4), randn(b, 2, 5, 4), randn(b, 2, 5, 4), RNG.random((3, 5)) > 0.3],
                                    {"qk_matmul_output_mode": mode, "softcap": 3.0}, 4)
    return cases[name]


ATTENTION_CASES = ["4d", "3d_heads", "3d_gqa", "4d_gqa", "mqa", "v_size", "causal", "causal_3d_gqa", "bool_mask_2d",
                   "bool_mask_4d", "padding_mask", "float_mask", "short_mask", "mask_and_causal", "fully_masked_row", "past",
                   "past_3d_causal", "present_without_past", "scale", "softcap", "softmax_precision", "float64",
                   "qk_mode_0", "qk_mode_1", "qk_mode_2", "qk_mode_3"]


# onnxruntime wants masks of rank >= 2 spanning every key, computes float64 in float32, and
# gives the lowest finite value instead of -inf in qk_matmul_output mode 2: these cases are
# checked against the onnx reference implementation instead.
REFERENCE_ONLY = {"padding_mask", "short_mask", "float64", "qk_mode_2"}


@pytest.mark.parametrize("recorded", [False, True], ids=["kernel", "decomposition"])
@pytest.mark.parametrize("name", ATTENTION_CASES)
def test_attention_matches_onnx(name, recorded):
    inputs, attrs, outputs = attention_case(name)
    expected = run_onnx("Attention", inputs, attrs, [inputs[0].dtype] * outputs, 23, reference=name in REFERENCE_ONLY)
    got = plexus("Attention", inputs, attrs, outputs, recorded=recorded)
    tolerance = 1e-10 if inputs[0].dtype == np.float64 else 2e-5
    for index, (g, e) in enumerate(zip(got, expected)):
        assert g.shape == e.shape and g.dtype == e.dtype, f"output {index}"
        np.testing.assert_allclose(g, e, rtol=tolerance, atol=tolerance, err_msg=f"output {index}")


def test_attention_float16_kernel():
    inputs, attrs, _ = attention_case("3d_gqa")
    expected = run_onnx("Attention", inputs, attrs | {"is_causal": 1}, [np.float32], 23)[0]
    got = plexus("Attention", [x.astype(np.float16) for x in inputs], attrs | {"is_causal": 1}, 1)[0]
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float32), expected, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("name", ["4d", "causal_3d_gqa", "bool_mask_2d", "float_mask", "past_3d_causal", "softcap",
                                  "fully_masked_row", "mask_and_causal"])
def test_attention_gradient(name):
    inputs, attrs, _ = attention_case(name)
    tensors = [None if x is None else Tensor.of(x.astype(np.float64) if x.dtype.kind == "f" else x,
                                                requires_grad=x.dtype.kind == "f" and i != 3)
               for i, x in enumerate(inputs)]
    differentiable = [t for i, t in enumerate(tensors) if t is not None and i != 3]
    gradient_check(lambda: op("Attention", tensors, attrs)[0], differentiable, max_elements=12)


def test_attention_gradient_of_present_and_float_mask():
    inputs, attrs, _ = attention_case("past")
    tensors = [None if x is None else Tensor.of(x.astype(np.float64), requires_grad=True) for x in inputs]
    gradient_check(lambda: op("Attention", tensors, attrs, outputs=3)[1], [tensors[1], tensors[4]], max_elements=8)
    mask = Tensor.of(RNG.standard_normal((3, 5)), requires_grad=True)
    q, k, v = (Tensor.of(RNG.standard_normal(s), requires_grad=True) for s in [(1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)])
    gradient_check(lambda: op("Attention", [q, k, v, mask])[0], [mask, q])


def test_attention_errors():
    q, k, v = randn(2, 3, 8), randn(2, 5, 8), randn(2, 5, 8)
    with pytest.raises(PlexusError, match="q_num_heads"):
        op("Attention", [q, k, v])
    with pytest.raises(PlexusError, match="multiple"):
        op("Attention", [q, randn(2, 5, 16), randn(2, 5, 16)], {"q_num_heads": 2, "kv_num_heads": 4})
    with pytest.raises(PlexusError, match="divisible"):
        op("Attention", [q, k, v], {"q_num_heads": 3, "kv_num_heads": 2})
    with pytest.raises(PlexusError, match="attn_mask"):
        op("Attention", [q, k, v, np.ones((4, 5), bool)], {"q_num_heads": 2, "kv_num_heads": 2})
    with pytest.raises(PlexusError, match="attn_mask"):
        op("Attention", [q, k, v, np.ones((3, 5), np.int64)], {"q_num_heads": 2, "kv_num_heads": 2})
    with pytest.raises(PlexusError, match="together"):
        op("Attention", [randn(1, 2, 3, 4), randn(1, 2, 3, 4), randn(1, 2, 3, 4), None, randn(1, 2, 1, 4)])
    with pytest.raises(PlexusError, match="ranks"):
        op("Attention", [randn(1, 2, 3, 4), k, v])
    with pytest.raises(PlexusError, match="qk_matmul_output_mode"):
        op("Attention", [randn(1, 2, 3, 4)] * 3, {"qk_matmul_output_mode": 4})
    with pytest.raises(PlexusError, match="dtype"):
        op("Attention", [randn(1, 2, 3, 4), randn(1, 2, 3, 4, dtype=np.float64), randn(1, 2, 3, 4)])


# ------------------------------------------------------------------------------------------
# Layers: numpy re-implementations of PyTorch's equations
# ------------------------------------------------------------------------------------------

def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def layer_norm(x, weight, bias, eps=1e-5, dims=1):
    axes = tuple(range(-dims, 0))
    mean = x.mean(axes, keepdims=True)
    normalized = (x - mean) / np.sqrt(((x - mean) ** 2).mean(axes, keepdims=True) + eps)
    return normalized * weight + (0 if bias is None else bias)


def gelu(x):
    from math import erf
    return 0.5 * x * (1 + np.vectorize(erf)(x / np.sqrt(2)))


def reference_mha(p, prefix, query, key, value, heads, attn_mask=None, key_padding_mask=None, causal=False, batch_first=False,
                  with_weights=False):
    """torch.nn.functional.multi_head_attention_forward (dropout 0); with `with_weights`, also
    the attention weights per head [N, H, L, S]."""
    if batch_first:
        query, key, value = (x.transpose(1, 0, 2) for x in (query, key, value))
    weight, embed = p[prefix + "in_proj_weight"], query.shape[-1]
    bias = p.get(prefix + "in_proj_bias", np.zeros(3 * embed))
    size = embed // heads
    (length, batch), source = query.shape[:2], key.shape[0]
    projected = [x @ weight[i * embed:(i + 1) * embed].T + bias[i * embed:(i + 1) * embed] for i, x in enumerate((query, key, value))]
    q, k, v = (x.reshape(n, batch, heads, size).transpose(1, 2, 0, 3) for x, n in zip(projected, (length, source, source)))
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size)
    if attn_mask is not None:
        mask = attn_mask.reshape(batch, heads, length, source) if attn_mask.ndim == 3 else attn_mask
        scores = scores + (np.where(mask, -np.inf, 0) if mask.dtype == bool else mask)
    if key_padding_mask is not None:
        padding = np.where(key_padding_mask, -np.inf, 0) if key_padding_mask.dtype == bool else key_padding_mask
        scores = scores + padding[:, None, None, :]
    if causal:
        scores = scores + np.where(np.triu(np.ones((length, source), bool), 1), -np.inf, 0)
    weights = softmax(scores)
    out = (weights @ v).transpose(2, 0, 1, 3).reshape(length, batch, embed)
    out = out @ p[prefix + "out_proj_weight"].T + p.get(prefix + "out_proj_bias", 0)
    out = out.transpose(1, 0, 2) if batch_first else out
    return (out, weights) if with_weights else out


def reference_feed_forward(p, x, activation):
    hidden = x @ p["linear1_weight"].T + p["linear1_bias"]
    hidden = np.maximum(hidden, 0) if activation == "relu" else gelu(hidden)
    return hidden @ p["linear2_weight"].T + p["linear2_bias"]


def reference_encoder(p, src, heads, norm_first=False, activation="relu", mask=None, padding=None, causal=False, batch_first=False):
    """torch.nn.TransformerEncoderLayer.forward with dropout off."""
    def norm(x, name):
        return layer_norm(x, p[name + "_weight"], p[name + "_bias"])

    def self_attention(x):
        return reference_mha(p, "self_attn_", x, x, x, heads, mask, padding, causal, batch_first)
    x = src
    if norm_first:
        x = x + self_attention(norm(x, "norm1"))
        return x + reference_feed_forward(p, norm(x, "norm2"), activation)
    x = norm(x + self_attention(x), "norm1")
    return norm(x + reference_feed_forward(p, x, activation), "norm2")


def reference_decoder(p, tgt, memory, heads, norm_first=False, tgt_mask=None, memory_padding=None, tgt_causal=False):
    """torch.nn.TransformerDecoderLayer.forward with dropout off (seq-first)."""
    def norm(x, name):
        return layer_norm(x, p[name + "_weight"], p[name + "_bias"])

    def self_attention(x):
        return reference_mha(p, "self_attn_", x, x, x, heads, tgt_mask, None, tgt_causal)

    def cross_attention(x):
        return reference_mha(p, "multihead_attn_", x, memory, memory, heads, None, memory_padding)
    x = tgt
    if norm_first:
        x = x + self_attention(norm(x, "norm1"))
        x = x + cross_attention(norm(x, "norm2"))
        return x + reference_feed_forward(p, norm(x, "norm3"), "relu")
    x = norm(x + self_attention(x), "norm1")
    x = norm(x + cross_attention(x), "norm2")
    return norm(x + reference_feed_forward(p, x, "relu"), "norm3")


def params(layer):
    return {name: tensor.numpy() for name, tensor in layer.parameters()}


def copy_parameters(source, target):
    """Gives `target` the parameter values of `source` (same type and sizes)."""
    for (_, t), (_, s) in zip(target.parameters(), source.parameters()):
        write_numpy(t, s.numpy())


def close(got, expected, tolerance=1e-5):
    np.testing.assert_allclose(got.numpy() if isinstance(got, Tensor) else got, expected, rtol=tolerance, atol=tolerance)


def test_multi_head_attention_parameters_follow_pytorch():
    layer = Layer("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2})
    p = params(layer)
    assert {k: v.shape for k, v in p.items()} == {"in_proj_weight": (24, 8), "in_proj_bias": (24,),
                                                   "out_proj_weight": (8, 8), "out_proj_bias": (8,)}
    assert not p["in_proj_bias"].any() and not p["out_proj_bias"].any()
    assert np.abs(p["in_proj_weight"]).max() <= np.sqrt(6 / 32) and np.abs(p["out_proj_weight"]).max() <= 1 / np.sqrt(8)
    assert set(params(Layer("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2, "bias": 0}))) == {"in_proj_weight", "out_proj_weight"}


@pytest.mark.parametrize("batch_first", [0, 1])
def test_multi_head_attention_matches_pytorch_equations(batch_first):
    layer = Layer("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2, "batch_first": batch_first})
    p = params(layer)
    shape_q, shape_kv = ((2, 3, 8), (2, 5, 8)) if batch_first else ((3, 2, 8), (5, 2, 8))
    q, k, v = randn(*shape_q), randn(*shape_kv), randn(*shape_kv)
    close(layer(q), reference_mha(p, "", q, q, q, 2, batch_first=batch_first))
    close(layer(q, k, v), reference_mha(p, "", q, k, v, 2, batch_first=batch_first))
    close(layer(q, k), reference_mha(p, "", q, k, k, 2, batch_first=batch_first))
    padding = np.array([[False, False, True, False, True], [False] * 5])
    mask = RNG.random((3, 5)) > 0.7
    close(layer(q, k, v, mask, padding), reference_mha(p, "", q, k, v, 2, mask, padding, batch_first=batch_first))
    additive = randn(4, 3, 5)
    close(layer(q, k, v, additive, np.zeros(0, bool)), reference_mha(p, "", q, k, v, 2, additive, batch_first=batch_first))
    float_padding = randn(2, 5)
    close(layer(q, k, v, mask, float_padding), reference_mha(p, "", q, k, v, 2, mask, float_padding, batch_first=batch_first))


def test_multi_head_attention_float_padding_and_unbatched_and_causal():
    layer = Layer("MultiHeadAttention", {"embed_dim": 6, "num_heads": 3})
    p = params(layer)
    q = randn(4, 6)
    close(layer(q), reference_mha(p, "", q[:, None], q[:, None], q[:, None], 3)[:, 0])
    causal = Layer("MultiHeadAttention", {"embed_dim": 6, "num_heads": 3, "is_causal": 1})
    copy_parameters(layer, causal)
    x = randn(4, 2, 6)
    close(causal(x), reference_mha(p, "", x, x, x, 3, causal=True))
    padding = randn(2, 4)
    close(layer(x, x, x, np.zeros(0, bool), padding), reference_mha(p, "", x, x, x, 3, key_padding_mask=padding))


def test_multi_head_attention_returns_attention_weights():
    layer = Layer("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2, "batch_first": 1})
    p = params(layer)
    q, kv = randn(2, 3, 8), randn(2, 5, 8)
    padding = np.array([[False, False, True, False, True], [False] * 5])
    expected, weights = reference_mha(p, "", q, kv, kv, 2, key_padding_mask=padding, batch_first=True, with_weights=True)
    output, averaged = layer(q, kv, kv, np.zeros(0, bool), padding, outputs=2)
    close(output, expected)
    close(averaged, weights.mean(1))
    per_head = Layer("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2, "batch_first": 1, "average_attn_weights": 0})
    copy_parameters(layer, per_head)
    close(per_head(q, kv, kv, np.zeros(0, bool), padding, outputs=2)[1], weights)
    assert layer(q[0], kv[0], outputs=2)[1].numpy().shape == (3, 5)  # unbatched


def test_masks_change_outputs_as_expected():
    layer = Layer("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2, "is_causal": 1})
    x = randn(5, 1, 8)
    changed = x.copy()
    changed[3:] += 1
    before, after = layer(x).numpy(), layer(changed).numpy()
    np.testing.assert_allclose(before[:3], after[:3], rtol=1e-6, atol=1e-6)  # the past does not see the future
    assert not np.allclose(before[3:], after[3:])
    plain = Layer("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2})
    padding = np.array([[False, False, False, True, True]])
    np.testing.assert_allclose(plain(x, x, x, np.zeros(0, bool), padding).numpy(),
                               plain(x, changed, changed, np.zeros(0, bool), padding).numpy()[:], rtol=1e-6, atol=1e-6)
    huge = np.where(padding, -1e9, 0).astype(np.float32)
    np.testing.assert_allclose(plain(x, x, x, np.zeros(0, bool), padding).numpy(),
                               plain(x, x, x, np.zeros(0, bool), huge).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("norm_first,activation,batch_first", [(0, "relu", 0), (1, "gelu", 0), (0, "gelu", 1)])
def test_encoder_layer_matches_pytorch_equations(norm_first, activation, batch_first):
    layer = Layer("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "norm_first": norm_first,
                                              "activation": activation, "batch_first": batch_first})
    layer.train(False)  # dropout 0.1 by default: off in eval mode
    p = params(layer)
    assert set(p) == {"self_attn_in_proj_weight", "self_attn_in_proj_bias", "self_attn_out_proj_weight", "self_attn_out_proj_bias",
                      "linear1_weight", "linear1_bias", "linear2_weight", "linear2_bias",
                      "norm1_weight", "norm1_bias", "norm2_weight", "norm2_bias"}
    src = randn(2, 4, 8) if batch_first else randn(4, 2, 8)
    padding = np.array([[False, False, False, True], [False] * 4])
    close(layer(src), reference_encoder(p, src, 2, norm_first, activation, batch_first=batch_first), 1e-4)
    close(layer(src, np.zeros(0, bool), padding),
          reference_encoder(p, src, 2, norm_first, activation, padding=padding, batch_first=batch_first), 1e-4)


def test_encoder_layer_causal_attribute_and_mask_input_agree():
    layer = Layer("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0, "is_causal": 1})
    p = params(layer)
    src = randn(5, 2, 8)
    expected = reference_encoder(p, src, 2, causal=True)
    close(layer(src), expected, 1e-4)
    mask = np.triu(np.full((5, 5), -np.inf, np.float32), 1)  # nn.Transformer.generate_square_subsequent_mask
    plain = Layer("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0})
    copy_parameters(layer, plain)
    close(plain(src, mask), expected, 1e-4)


@pytest.mark.parametrize("norm_first", [0, 1])
def test_decoder_layer_matches_pytorch_equations(norm_first):
    layer = Layer("TransformerDecoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0,
                                              "norm_first": norm_first, "tgt_is_causal": 1})
    p = params(layer)
    assert "multihead_attn_in_proj_weight" in p and "norm3_weight" in p
    tgt, memory = randn(4, 2, 8), randn(6, 2, 8)
    memory_padding = np.array([[False] * 5 + [True], [False] * 6])
    got = layer(tgt, memory, np.zeros(0, bool), np.zeros(0, bool), np.zeros(0, bool), memory_padding)
    close(got, reference_decoder(p, tgt, memory, 2, norm_first, memory_padding=memory_padding, tgt_causal=True), 1e-4)
    tgt_mask = RNG.random((4, 4)) > 0.8
    np.fill_diagonal(tgt_mask, False)
    plain = Layer("TransformerDecoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0, "norm_first": norm_first})
    copy_parameters(layer, plain)
    close(plain(tgt, memory, tgt_mask), reference_decoder(p, tgt, memory, 2, norm_first, tgt_mask=tgt_mask), 1e-4)


def test_dropout_in_training_mode_only():
    layer = Layer("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.5})
    src = randn(4, 2, 8)
    layer.train(False)
    evaluated = layer(src).numpy()
    np.testing.assert_array_equal(evaluated, layer(src).numpy())
    layer.train(True)
    assert not np.allclose(layer(src).numpy(), evaluated)
    attention = Layer("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2, "dropout": 0.5})
    attention.train(False)
    evaluated = attention(src).numpy()
    attention.train(True)
    dropped = attention(src)
    assert not np.allclose(dropped.numpy(), evaluated)
    dropped.backward(Tensor.of(np.ones_like(evaluated)))  # the composed path (dropout on the weights) trains too
    assert np.abs(dict(attention.parameters())["in_proj_weight"].grad).sum() > 0


def test_embedding_and_padding_idx():
    layer = Layer("Embedding", {"num_embeddings": 10, "embedding_dim": 3, "padding_idx": -1, "dtype": 11})
    weight = params(layer)["weight"]
    assert weight.shape == (10, 3) and not weight[9].any() and weight[:9].std() > 0.3
    indices = np.array([[1, 9, 4], [0, 0, 9]], np.int64)
    close(layer(indices), weight[indices], 0)
    out = layer(indices)
    out.backward(Tensor.of(np.ones((2, 3, 3))))
    grad = dict(layer.parameters())["weight"].grad
    np.testing.assert_array_equal(grad[9], 0)
    np.testing.assert_array_equal(grad[0], 2)
    np.testing.assert_array_equal(grad[1], 1)
    assert Layer("Embedding", {"num_embeddings": 4, "embedding_dim": 2})(np.array([3, 0], np.int32)).numpy().shape == (2, 2)


def test_layer_norm_layer():
    layer = Layer("LayerNorm", {"normalized_shape": [3, 4], "eps": 1e-3, "dtype": 11})
    assert {k: v.shape for k, v in params(layer).items()} == {"weight": (3, 4), "bias": (3, 4)}
    x = RNG.standard_normal((2, 3, 4))
    close(layer(x), layer_norm(x, 1, 0, 1e-3, dims=2), 1e-10)
    plain = Layer("LayerNorm", {"normalized_shape": [4], "elementwise_affine": 0})
    assert plain.parameters() == []
    close(plain(x.astype(np.float32)), layer_norm(x, 1, None), 1e-5)


@pytest.mark.parametrize("batch_first", [0, 1])
def test_positional_encodings(batch_first):
    layer = Layer("PositionalEncoding", {"d_model": 6, "max_len": 10, "batch_first": batch_first})
    assert layer.parameters() == []
    position, index = np.arange(10)[:, None], np.arange(6)[None, :]
    angle = position / 10000 ** ((index - index % 2) / 6)
    table = np.where(index % 2 == 0, np.sin(angle), np.cos(angle))
    x = randn(2, 4, 6) if batch_first else randn(4, 2, 6)
    expected = x + (table[None, :4] if batch_first else table[:4, None])
    close(layer(x), expected, 1e-6)
    learned = Layer("LearnedPositionalEmbedding", {"max_len": 10, "d_model": 6, "batch_first": batch_first})
    weight = params(learned)["weight"]
    close(learned(x), x + (weight[None, :4] if batch_first else weight[:4, None]), 1e-6)


def float64_layer(type_name, attrs):
    layer = Layer(type_name, attrs | {"dtype": 11})
    return layer, [t for _, t in layer.parameters()]


@pytest.mark.parametrize("type_name,attrs,inputs", [
    ("MultiHeadAttention", {"embed_dim": 4, "num_heads": 2}, lambda: [RNG.standard_normal((3, 2, 4))]),
    ("MultiHeadAttention", {"embed_dim": 4, "num_heads": 2, "batch_first": 1, "is_causal": 1},
     lambda: [RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 3, 4)),
              np.zeros(0, bool), np.array([[False, False, True], [False] * 3])]),
    ("TransformerEncoderLayer", {"d_model": 4, "nhead": 2, "dim_feedforward": 6, "dropout": 0.0},
     lambda: [RNG.standard_normal((3, 2, 4))]),
    ("TransformerEncoderLayer", {"d_model": 4, "nhead": 2, "dim_feedforward": 6, "dropout": 0.0, "norm_first": 1,
                                 "activation": "gelu", "is_causal": 1}, lambda: [RNG.standard_normal((3, 2, 4))]),
    ("TransformerDecoderLayer", {"d_model": 4, "nhead": 2, "dim_feedforward": 6, "dropout": 0.0, "tgt_is_causal": 1},
     lambda: [RNG.standard_normal((3, 1, 4)), RNG.standard_normal((2, 1, 4))]),
    ("LayerNorm", {"normalized_shape": [2, 3]}, lambda: [RNG.standard_normal((2, 2, 3))]),
    ("PositionalEncoding", {"d_model": 4, "max_len": 8}, lambda: [RNG.standard_normal((3, 2, 4))]),
    ("LearnedPositionalEmbedding", {"max_len": 8, "d_model": 4}, lambda: [RNG.standard_normal((3, 2, 4))]),
])
def test_layer_gradients(type_name, attrs, inputs):
    layer, parameters = float64_layer(type_name, attrs)
    tensors = [Tensor.of(x, requires_grad=x.dtype == np.float64) for x in inputs()]
    differentiable = [t for t, x in zip(tensors, inputs()) if x.dtype == np.float64]
    gradient_check(lambda: layer(*tensors), differentiable + parameters, max_elements=10)


def test_attention_weights_gradient():
    layer, parameters = float64_layer("MultiHeadAttention", {"embed_dim": 4, "num_heads": 2})
    x = Tensor.of(RNG.standard_normal((3, 2, 4)), requires_grad=True)
    gradient_check(lambda: layer(x, outputs=2)[1], [x] + parameters, max_elements=10)


def test_embedding_gradient():
    # (The padding row's value reaches the output but, as in PyTorch, gets no gradient: it is
    # checked in test_embedding_and_padding_idx, not here.)
    layer, parameters = float64_layer("Embedding", {"num_embeddings": 5, "embedding_dim": 3})
    indices = np.array([[0, 2, 4], [2, 1, 0]], np.int64)
    gradient_check(lambda: layer(indices), parameters)


def test_layer_errors():
    with pytest.raises(PlexusError, match="divisible"):
        Layer("MultiHeadAttention", {"embed_dim": 6, "num_heads": 4})
    with pytest.raises(PlexusError, match="divisible"):
        Layer("TransformerEncoderLayer", {"d_model": 6, "nhead": 4})
    with pytest.raises(PlexusError, match="activation"):
        Layer("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "activation": "tanh"})
    layer = Layer("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2})
    x = randn(3, 2, 8)
    with pytest.raises(PlexusError, match="attn_mask"):
        layer(x, x, x, np.zeros((3, 4), bool))
    with pytest.raises(PlexusError, match="key_padding_mask"):
        layer(x, x, x, np.zeros(0, bool), np.zeros((3, 3), bool))
    with pytest.raises(PlexusError, match="embed_dim"):
        layer(randn(3, 2, 4))
    with pytest.raises(PlexusError, match="indices"):
        Layer("Embedding", {"num_embeddings": 4, "embedding_dim": 2})(randn(3))
    with pytest.raises(PlexusError, match="max_len"):
        Layer("PositionalEncoding", {"d_model": 4, "max_len": 2})(randn(3, 1, 4))
    with pytest.raises(PlexusError, match="normalized_shape"):
        Layer("LayerNorm", {"normalized_shape": [5]})(randn(2, 4))
    with pytest.raises(PlexusError, match="padding_idx"):
        Layer("Embedding", {"num_embeddings": 4, "embedding_dim": 2, "padding_idx": 4})
    with pytest.raises(PlexusError, match="out of range"):
        Layer("Embedding", {"num_embeddings": 4, "embedding_dim": 2})(np.array([1, 4], np.int64))
    with pytest.raises(PlexusError, match="double"):
        layer(x.astype(np.float64))
    with pytest.raises(PlexusError, match="double"):
        Layer("PositionalEncoding", {"d_model": 4})(np.zeros((3, 2, 4)))


def test_a_tiny_transformer_learns_to_reverse_sequences():
    """Embedding → PositionalEncoding → TransformerEncoderLayer → Linear, trained with Adam
    (written here in numpy) on reversing sequences: the loss must fall well below chance."""
    lib.plx_manual_seed(3)
    vocabulary, length, batch, width = 6, 5, 16, 16
    layers = [Layer("Embedding", {"num_embeddings": vocabulary, "embedding_dim": width}),
              Layer("PositionalEncoding", {"d_model": width, "max_len": length, "batch_first": 1}),
              Layer("TransformerEncoderLayer", {"d_model": width, "nhead": 2, "dim_feedforward": 32, "dropout": 0.0, "batch_first": 1}),
              Layer("Linear", {"in_features": width, "out_features": vocabulary})]
    parameters = [t for layer in layers for _, t in layer.parameters()]
    moments = [(np.zeros(t.numpy().shape), np.zeros(t.numpy().shape)) for t in parameters]
    rng = np.random.default_rng(0)
    losses = []
    for step in range(1, 121):
        tokens = rng.integers(0, vocabulary, (batch, length))
        target = np.eye(vocabulary, dtype=np.float32)[tokens[:, ::-1]]
        x = Tensor.of(tokens.astype(np.int64))
        for layer in layers:
            x = layer(x)
        log_probabilities = op("LogSoftmax", [x], {"axis": -1})[0]
        loss = op("ReduceSum", [op("Mul", [log_probabilities, Tensor.of(target * (-1 / (batch * length)))])[0]], {"keepdims": 0})[0]
        for t in parameters:
            t.zero_grad()
        loss.backward()
        losses.append(float(loss.numpy()))
        for t, (m, v) in zip(parameters, moments):
            g = t.grad
            m[:] = 0.9 * m + 0.1 * g
            v[:] = 0.999 * v + 0.001 * g * g
            update = 0.01 * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
            write_numpy(t, t.numpy() - update)
    assert np.mean(losses[-10:]) < 0.5 * np.log(vocabulary), losses[::10]


@pytest.mark.parametrize("shape", [(0, 5, 8), (2, 0, 8)])
@pytest.mark.parametrize("name, attributes", [("MultiHeadAttention", {"embed_dim": 8, "num_heads": 2, "batch_first": 1}),
                                              ("TransformerEncoderLayer", {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "batch_first": 1})])
def test_attention_layers_take_empty_batches_and_sequences(shape, name, attributes):
    layer = Layer(name, attributes)
    layer.train(False)
    assert layer(np.zeros(shape, np.float32)).numpy().shape == shape
