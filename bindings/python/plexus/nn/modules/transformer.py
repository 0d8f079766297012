"""Attention and Transformer layers (the transformer plugin) with PyTorch's constructors and
forward arguments. ``is_causal`` and ``average_attn_weights`` are constructor arguments of the
plugin layers; passing a different value to forward raises UnsupportedError."""
from ..._errors import UnsupportedError
from ._support import require_default
from .layer import Layer

__all__ = ["MultiheadAttention", "MultiHeadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer",
           "PositionalEncoding", "LearnedPositionalEmbedding"]


def _same(layer, name, given, built):
    if given is not None and bool(given) != bool(built):
        raise UnsupportedError(f"{layer}: {name} is fixed when the layer is built ({built}); create it with {name}={given}")


class MultiheadAttention(Layer):
    """Multi-head attention (parameters in_proj_weight/bias, out_proj_weight/bias). Forward
    returns ``(attn_output, attn_weights)``; the weights are None with ``need_weights=False``."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None,
                 vdim=None, batch_first=False, is_causal=False, average_attn_weights=True, dtype=None):
        require_default("MultiheadAttention", "add_bias_kv", add_bias_kv, False)
        require_default("MultiheadAttention", "add_zero_attn", add_zero_attn, False)
        require_default("MultiheadAttention", "kdim", kdim if kdim != embed_dim else None, None)
        require_default("MultiheadAttention", "vdim", vdim if vdim != embed_dim else None, None)
        super().__init__("MultiHeadAttention", num_outputs=2, embed_dim=embed_dim, num_heads=num_heads,
                         dropout=float(dropout), bias=bias, batch_first=batch_first, is_causal=is_causal,
                         average_attn_weights=average_attn_weights, dtype=dtype)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=None, is_causal=None):
        """Attention of ``query`` over ``key``/``value`` with PyTorch's masks."""
        _same("MultiheadAttention", "average_attn_weights", average_attn_weights, self._attrs["average_attn_weights"])
        _same("MultiheadAttention", "is_causal", is_causal, self._attrs["is_causal"])
        outputs = self._run([query, key, value, attn_mask, key_padding_mask], 2 if need_weights else 1)
        return (outputs[0], outputs[1]) if need_weights else (outputs[0], None)


MultiHeadAttention = MultiheadAttention


class TransformerEncoderLayer(Layer):
    """Self-attention and feed-forward blocks with residuals and layer norms (post-norm, or
    pre-norm with ``norm_first``); ``activation`` is "relu" or "gelu"."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, is_causal=False, dtype=None):
        super().__init__("TransformerEncoderLayer", d_model=d_model, nhead=nhead, dim_feedforward=dim_feedforward,
                         dropout=float(dropout), activation=activation, layer_norm_eps=float(layer_norm_eps),
                         batch_first=batch_first, norm_first=norm_first, bias=bias, is_causal=is_causal, dtype=dtype)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=None):
        """Encodes ``src`` with PyTorch's optional masks."""
        _same("TransformerEncoderLayer", "is_causal", is_causal, self._attrs["is_causal"])
        return self._run([src, src_mask, src_key_padding_mask], 1)[0]


class TransformerDecoderLayer(Layer):
    """Self-attention, cross-attention over ``memory`` and feed-forward blocks."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, tgt_is_causal=False, memory_is_causal=False, dtype=None):
        super().__init__("TransformerDecoderLayer", d_model=d_model, nhead=nhead, dim_feedforward=dim_feedforward,
                         dropout=float(dropout), activation=activation, layer_norm_eps=float(layer_norm_eps),
                         batch_first=batch_first, norm_first=norm_first, bias=bias, tgt_is_causal=tgt_is_causal,
                         memory_is_causal=memory_is_causal, dtype=dtype)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=None):
        """Decodes ``tgt`` attending to ``memory`` with PyTorch's optional masks."""
        _same("TransformerDecoderLayer", "tgt_is_causal", tgt_is_causal, self._attrs["tgt_is_causal"])
        _same("TransformerDecoderLayer", "memory_is_causal", memory_is_causal, self._attrs["memory_is_causal"])
        return self._run([tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask], 1)[0]


class PositionalEncoding(Layer):
    """Adds the sinusoidal position table (buffer ``pe`` [max_len, d_model]), then dropout."""

    def __init__(self, d_model, max_len=5000, dropout=0.0, batch_first=False, dtype=None):
        super().__init__("PositionalEncoding", d_model=d_model, max_len=max_len, dropout=float(dropout),
                         batch_first=batch_first, dtype=dtype)


class LearnedPositionalEmbedding(Layer):
    """Adds trained position embeddings (parameter ``weight`` [max_len, d_model])."""

    def __init__(self, max_len, d_model, batch_first=False, dtype=None):
        super().__init__("LearnedPositionalEmbedding", max_len=max_len, d_model=d_model, batch_first=batch_first,
                         dtype=dtype)
