"""Pooling (the cnn plugin): MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool2d."""
from ._support import require_default
from .layer import Layer

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d"]


class _MaxPool(Layer):
    _type = ""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        require_default(self._type, "return_indices", return_indices, False)
        super().__init__(self._type, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation,
                         ceil_mode=ceil_mode)


class MaxPool1d(_MaxPool):
    """Max over sliding windows of [N, C, L] (stride defaults to kernel_size)."""

    _type = "MaxPool1d"


class MaxPool2d(_MaxPool):
    """Max over sliding windows of [N, C, H, W] (stride defaults to kernel_size)."""

    _type = "MaxPool2d"


class _AvgPool(Layer):
    _type = ""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
        require_default(self._type, "divisor_override", divisor_override, None)
        super().__init__(self._type, kernel_size=kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode,
                         count_include_pad=count_include_pad)


class AvgPool1d(_AvgPool):
    """Mean over sliding windows of [N, C, L] (stride defaults to kernel_size)."""

    _type = "AvgPool1d"


class AvgPool2d(_AvgPool):
    """Mean over sliding windows of [N, C, H, W] (stride defaults to kernel_size)."""

    _type = "AvgPool2d"


class AdaptiveAvgPool2d(Layer):
    """Average pooling of [N, C, H, W] to a fixed ``output_size`` (an int or (H, W))."""

    def __init__(self, output_size):
        super().__init__("AdaptiveAvgPool2d", output_size=output_size)
