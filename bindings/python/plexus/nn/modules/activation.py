"""Activation layers (the mlp plugin): ReLU, Sigmoid, Tanh, LeakyReLU, GELU, SiLU, Softmax,
LogSoftmax. ``inplace`` is accepted and ignored (Plexus ops never write their inputs)."""
from .layer import Layer

__all__ = ["ReLU", "Sigmoid", "Tanh", "LeakyReLU", "GELU", "SiLU", "Softmax", "LogSoftmax"]


class ReLU(Layer):
    """max(x, 0)."""

    def __init__(self, inplace=False):
        super().__init__("ReLU")


class Sigmoid(Layer):
    """1 / (1 + e^-x)."""

    def __init__(self):
        super().__init__("Sigmoid")


class Tanh(Layer):
    """Hyperbolic tangent."""

    def __init__(self):
        super().__init__("Tanh")


class LeakyReLU(Layer):
    """x if x ≥ 0 else negative_slope·x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__("LeakyReLU", negative_slope=float(negative_slope))


class GELU(Layer):
    """Gaussian error linear unit; ``approximate`` is "none" or "tanh"."""

    def __init__(self, approximate="none"):
        super().__init__("GELU", approximate=approximate)


class SiLU(Layer):
    """x·sigmoid(x)."""

    def __init__(self, inplace=False):
        super().__init__("SiLU")


class Softmax(Layer):
    """Softmax along ``dim`` (the last dim when None)."""

    def __init__(self, dim=None):
        super().__init__("Softmax", dim=-1 if dim is None else dim)


class LogSoftmax(Layer):
    """Log-softmax along ``dim`` (the last dim when None)."""

    def __init__(self, dim=None):
        super().__init__("LogSoftmax", dim=-1 if dim is None else dim)
