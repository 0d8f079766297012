"""Embedding (the transformer plugin)."""
from ._support import require_default
from .layer import Layer

__all__ = ["Embedding"]


class Embedding(Layer):
    """Rows of a [num_embeddings, embedding_dim] table picked by integer indices; the
    ``padding_idx`` row starts at zero and gets no gradient."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, dtype=None):
        require_default("Embedding", "max_norm", max_norm, None)
        require_default("Embedding", "scale_grad_by_freq", scale_grad_by_freq, False)
        require_default("Embedding", "sparse", sparse, False)
        super().__init__("Embedding", num_embeddings=num_embeddings, embedding_dim=embedding_dim, padding_idx=padding_idx,
                         dtype=dtype)
