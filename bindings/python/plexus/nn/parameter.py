"""``nn.Parameter``: a tensor that a Module registers as trainable when assigned to it."""
import ctypes

from .._lib import check, lib
from ..tensor import Tensor, tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf tensor that requires grad (unless ``requires_grad=False``) and is registered as a
    parameter when assigned as a Module attribute. ``Parameter(t)`` shares ``t``'s memory."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = tensor([])
        source = data if isinstance(data, Tensor) else tensor(data)
        handle = ctypes.c_void_p()
        check(lib.plx_tensor_detach(source._ptr(), ctypes.byref(handle)))
        self._handle = handle.value
        self._dtype_code = 0
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
