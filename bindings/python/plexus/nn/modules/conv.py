"""Convolutions (the cnn plugin): Conv1d, Conv2d, ConvTranspose2d with PyTorch's arguments.
``padding="valid"`` is 0 and ``padding="same"`` is supported for stride 1 and odd effective
kernels; ``padding_mode`` must be "zeros"."""
from ..._errors import UnsupportedError
from ._support import require_default
from .layer import Layer

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]


def _padding(layer, padding, kernel_size, stride, dilation, rank):
    if not isinstance(padding, str):
        return padding
    if padding == "valid":
        return 0
    if padding != "same":
        raise UnsupportedError(f"{layer}: padding={padding!r} (use an int, a tuple, 'valid' or 'same')")
    kernels = [kernel_size] * rank if isinstance(kernel_size, int) else list(kernel_size)
    strides = [stride] * rank if isinstance(stride, int) else list(stride)
    dilations = [dilation] * rank if isinstance(dilation, int) else list(dilation)
    if any(s != 1 for s in strides) or any((d * (k - 1)) % 2 for k, d in zip(kernels, dilations)):
        raise UnsupportedError(f"{layer}: padding='same' needs stride 1 and an odd effective kernel here")
    return [d * (k - 1) // 2 for k, d in zip(kernels, dilations)]


class _Conv(Layer):
    _type, _rank = "", 0

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", dtype=None):
        require_default(self._type, "padding_mode", padding_mode, "zeros")
        super().__init__(self._type, in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size,
                         stride=stride, padding=_padding(self._type, padding, kernel_size, stride, dilation, self._rank),
                         dilation=dilation, groups=groups, bias=bias, dtype=dtype)


class Conv1d(_Conv):
    """1-D convolution over [N, C, L]."""

    _type, _rank = "Conv1d", 1


class Conv2d(_Conv):
    """2-D convolution over [N, C, H, W]."""

    _type, _rank = "Conv2d", 2


class ConvTranspose2d(Layer):
    """2-D transposed convolution over [N, C, H, W]."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", dtype=None):
        require_default("ConvTranspose2d", "padding_mode", padding_mode, "zeros")
        super().__init__("ConvTranspose2d", in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size,
                         stride=stride, padding=padding, output_padding=output_padding, groups=groups, bias=bias,
                         dilation=dilation, dtype=dtype)
