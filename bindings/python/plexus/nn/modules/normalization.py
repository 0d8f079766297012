"""Normalisation layers: BatchNorm1d, BatchNorm2d (the cnn plugin) and LayerNorm (the
transformer plugin). Running statistics are buffers (in the state dict)."""
from ._support import require_default
from .layer import Layer

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]


class _BatchNorm(Layer):
    _type = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None):
        if momentum is None:
            require_default(self._type, "momentum", momentum, 0.1)
        super().__init__(self._type, num_features=num_features, eps=float(eps), momentum=float(momentum), affine=affine,
                         track_running_stats=track_running_stats, dtype=dtype)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of [N, C] or [N, C, L]."""

    _type = "BatchNorm1d"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of [N, C, H, W]."""

    _type = "BatchNorm2d"


class LayerNorm(Layer):
    """Normalises over the trailing dims ``normalized_shape`` (an int or a tuple)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        shape = [normalized_shape] if isinstance(normalized_shape, int) else list(normalized_shape)
        super().__init__("LayerNorm", normalized_shape=shape, eps=float(eps), elementwise_affine=elementwise_affine,
                         bias=bias, dtype=dtype)
