"""Flatten and Upsample (the cnn plugin)."""
from .layer import Layer

__all__ = ["Flatten", "Upsample"]


class Flatten(Layer):
    """Merges dims ``start_dim`` … ``end_dim`` into one ([N, ...] → [N, features] by default)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__("Flatten", start_dim=start_dim, end_dim=end_dim)


class Upsample(Layer):
    """Resamples the spatial dims of [N, C, ...] to ``size`` or by ``scale_factor``; ``mode`` is
    nearest, linear, bilinear, trilinear or bicubic."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        factor = None
        if scale_factor is not None:
            factor = [float(f) for f in scale_factor] if isinstance(scale_factor, (tuple, list)) else float(scale_factor)
        super().__init__("Upsample", size=size, scale_factor=factor, mode=mode,
                         align_corners=None if align_corners is None else bool(align_corners))
