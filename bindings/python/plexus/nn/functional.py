"""``plexus.nn.functional``: activations and layers as ONNX op calls, and losses through
``plx_loss`` (PyTorch's definitions and argument names). Everything records for autograd."""
import ctypes

import numpy as np

from .. import _dtypes
from .._attrs import attributes
from .._errors import UnsupportedError
from .._lib import check, lib
from .._ops import call1, is_exporting
from .._tensor_math import scalar_like
from ..tensor import Tensor, tensor

__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "gelu", "silu", "leaky_relu", "elu", "softplus", "dropout",
           "linear", "conv1d", "conv2d", "max_pool2d", "avg_pool2d", "flatten", "layer_norm", "embedding", "one_hot",
           "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]

_seeds = np.random.default_rng()


def _t(value):
    return value if isinstance(value, Tensor) else tensor(value)


def relu(input):  # noqa: A002 - PyTorch's argument names throughout
    """max(x, 0)."""
    return call1("Relu", [_t(input)])


def sigmoid(input):  # noqa: A002
    """1 / (1 + e^-x)."""
    return call1("Sigmoid", [_t(input)])


def tanh(input):  # noqa: A002
    """Hyperbolic tangent."""
    return call1("Tanh", [_t(input)])


def softmax(input, dim=-1):  # noqa: A002
    """Softmax along ``dim``."""
    return call1("Softmax", [_t(input)], {"axis": dim})


def log_softmax(input, dim=-1):  # noqa: A002
    """Log-softmax along ``dim``."""
    return call1("LogSoftmax", [_t(input)], {"axis": dim})


def gelu(input, approximate="none"):  # noqa: A002
    """Gaussian error linear unit ("none" or "tanh" approximation)."""
    return call1("Gelu", [_t(input)], {"approximate": approximate})


def silu(input):  # noqa: A002
    """x·sigmoid(x)."""
    x = _t(input)
    return call1("Mul", [x, call1("Sigmoid", [x])])


def leaky_relu(input, negative_slope=0.01):  # noqa: A002
    """x if x ≥ 0 else negative_slope·x."""
    return call1("LeakyRelu", [_t(input)], {"alpha": float(negative_slope)})


def elu(input, alpha=1.0):  # noqa: A002
    """x if x > 0 else alpha·(e^x − 1)."""
    return call1("Elu", [_t(input)], {"alpha": float(alpha)})


def softplus(input):  # noqa: A002
    """log(1 + e^x)."""
    return call1("Softplus", [_t(input)])


def dropout(input, p=0.5, training=True):  # noqa: A002
    """Zeroes elements with probability ``p`` (scaling the rest by 1/(1-p)) when ``training``."""
    x = _t(input)
    if not training or p == 0:
        return x
    seed = int(_seeds.integers(0, 2 ** 31 - 1))
    return call1("Dropout", [x, scalar_like(p, x.dtype), tensor(np.array(True))], {"seed": seed})


def linear(input, weight, bias=None):  # noqa: A002
    """x·Wᵀ + b."""
    x, w = _t(input), _t(weight)
    if x.ndim == 2:
        return call1("Gemm", [x, w, None if bias is None else _t(bias)], {"transB": 1})
    product = call1("MatMul", [x, call1("Transpose", [w])])
    return product if bias is None else call1("Add", [product, _t(bias)])


def _pair(value, rank):
    return [value] * rank if isinstance(value, int) else list(value)


def _conv(input, weight, bias, stride, padding, dilation, groups, rank):  # noqa: A002
    pads = _pair(padding, rank)
    attrs = {"strides": _pair(stride, rank), "pads": pads + pads, "dilations": _pair(dilation, rank), "group": groups}
    return call1("Conv", [_t(input), _t(weight), None if bias is None else _t(bias)], attrs)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D convolution of [N, C, L] with weight [out, in/groups, k]."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-D convolution of [N, C, H, W] with weight [out, in/groups, kh, kw]."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def max_pool2d(input, kernel_size, stride=None, padding=0):  # noqa: A002
    """Max over windows of [N, C, H, W] (stride defaults to kernel_size)."""
    kernel = _pair(kernel_size, 2)
    pads = _pair(padding, 2)
    return call1("MaxPool", [_t(input)], {"kernel_shape": kernel, "strides": _pair(stride or kernel_size, 2), "pads": pads + pads})


def avg_pool2d(input, kernel_size, stride=None, padding=0, count_include_pad=True):  # noqa: A002
    """Mean over windows of [N, C, H, W] (stride defaults to kernel_size)."""
    kernel = _pair(kernel_size, 2)
    pads = _pair(padding, 2)
    return call1("AveragePool", [_t(input)], {"kernel_shape": kernel, "strides": _pair(stride or kernel_size, 2),
                                              "pads": pads + pads, "count_include_pad": int(count_include_pad)})


def flatten(input, start_dim=0, end_dim=-1):  # noqa: A002
    """Merges dims ``start_dim`` … ``end_dim``."""
    return _t(input).flatten(start_dim, end_dim)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Normalises over the trailing ``normalized_shape`` dims, then scales and shifts."""
    x = _t(input)
    shape = [normalized_shape] if isinstance(normalized_shape, int) else list(normalized_shape)
    scale = _t(weight) if weight is not None else tensor(np.ones(shape, x.dtype.numpy))
    return call1("LayerNormalization", [x, scale, None if bias is None else _t(bias)], {"axis": -len(shape), "epsilon": float(eps)})


def embedding(input, weight):  # noqa: A002
    """Rows of ``weight`` picked by the integer indices ``input``."""
    return call1("Gather", [_t(weight), _t(input)], {"axis": 0})


def one_hot(tensor_, num_classes=-1):
    """int64 one-hot vectors of the class indices (num_classes = max + 1 when -1)."""
    indices = _t(tensor_).numpy().astype(np.int64)
    count = int(indices.max()) + 1 if num_classes == -1 else num_classes
    return tensor(np.eye(count, dtype=np.int64)[indices])


# -- losses ------------------------------------------------------------------------------------
def _loss(name, input, target, options):  # noqa: A002
    if is_exporting():
        raise UnsupportedError("losses cannot be exported to ONNX; export the model without its loss")
    given = {key: value for key, value in options.items() if value is not None}
    out = ctypes.c_void_p()
    with attributes(given) as attrs:
        check(lib.plx_loss(name.encode(), input._ptr(), target._ptr(), attrs, ctypes.byref(out)))
    return Tensor._adopt(out.value)


def _like(target, input):  # noqa: A002
    if isinstance(target, Tensor):
        return target
    return tensor(np.asarray(target), dtype=input.dtype)


def _classes(target):
    if isinstance(target, Tensor):
        return target if target.dtype.is_floating_point else target.to(_dtypes.dtype("int64"))
    array = np.asarray(target)
    return tensor(array.astype(np.int64) if array.dtype.kind in "iub" else array)


def mse_loss(input, target, reduction="mean"):  # noqa: A002
    """Mean squared error."""
    x = _t(input)
    return _loss("mse", x, _like(target, x), {"reduction": reduction})


def l1_loss(input, target, reduction="mean"):  # noqa: A002
    """Mean absolute error."""
    x = _t(input)
    return _loss("l1", x, _like(target, x), {"reduction": reduction})


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):  # noqa: A002
    """Smooth L1 (quadratic below ``beta``)."""
    x = _t(input)
    return _loss("smooth_l1", x, _like(target, x), {"reduction": reduction, "beta": float(beta)})


def huber_loss(input, target, reduction="mean", delta=1.0):  # noqa: A002
    """Huber loss (quadratic below ``delta``)."""
    x = _t(input)
    return _loss("huber", x, _like(target, x), {"reduction": reduction, "delta": float(delta)})


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):  # noqa: A002
    """Cross entropy of logits [N, C, ...] against int64 class indices."""
    return _loss("cross_entropy", _t(input), _classes(target),
                 {"weight": weight, "ignore_index": int(ignore_index), "reduction": reduction,
                  "label_smoothing": float(label_smoothing)})


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):  # noqa: A002
    """Negative log-likelihood of log-probabilities [N, C, ...] against int64 class indices."""
    return _loss("nll", _t(input), _classes(target), {"weight": weight, "ignore_index": int(ignore_index), "reduction": reduction})


def binary_cross_entropy(input, target, weight=None, reduction="mean"):  # noqa: A002
    """Binary cross entropy of probabilities."""
    x = _t(input)
    return _loss("bce", x, _like(target, x), {"weight": weight, "reduction": reduction})


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):  # noqa: A002
    """Binary cross entropy of logits (sigmoid included, numerically stable)."""
    x = _t(input)
    return _loss("bce_with_logits", x, _like(target, x), {"weight": weight, "reduction": reduction, "pos_weight": pos_weight})
