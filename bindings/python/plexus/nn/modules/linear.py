"""Linear, Identity and Dropout (the mlp plugin)."""
from .layer import Layer

__all__ = ["Linear", "Identity", "Dropout"]


class Linear(Layer):
    """y = x·Wᵀ + b, with W [out_features, in_features] (PyTorch's initialisation)."""

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__("Linear", in_features=in_features, out_features=out_features, bias=bias, dtype=dtype)


class Identity(Layer):
    """Returns its input (arguments are accepted and ignored, as in PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__("Identity")


class Dropout(Layer):
    """Zeroes elements with probability ``p`` in training mode, scaling the rest by 1/(1-p)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__("Dropout", p=float(p))
