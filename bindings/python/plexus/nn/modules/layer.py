"""``nn.Layer``: a layer type registered by a plugin, created by name through
``plx_layer_create`` — ``nn.Layer("Conv2d", in_channels=1, out_channels=8, kernel_size=3)``.

The Pythonic classes (``nn.Linear``, ``nn.Conv2d``, ``nn.LSTM``...) are thin subclasses with
PyTorch's constructor signatures. Parameters and buffers (batch-norm statistics, positional
tables) are the C layer's own tensors (``plx_layer_parameters``, ``plx_layer_buffers``): an
optimizer updates parameters in place, ``state_dict`` shares their memory and
``load_state_dict`` writes into them.
"""
import ctypes

from ... import _dtypes
from ..._attrs import attributes
from ..._errors import InvalidArgumentError
from ..._handle import HandleGuard
from ..._lib import check, lib
from ...tensor import Tensor, tensor
from ..parameter import Parameter
from .module import Module

__all__ = ["Layer"]


def _normalise(name, value):
    if name == "dtype":
        return _dtypes.dtype(value).code
    if isinstance(value, tuple):
        return list(value)
    return value


class Layer(Module):
    """A plugin layer by type name with its attributes as keyword arguments (None values are
    left out so the plugin's defaults apply). ``num_outputs`` is how many outputs forward asks
    for (LSTM has up to 3). Forward takes Tensors (None in the middle becomes an empty tensor,
    which plugin layers read as "not given") and returns a Tensor, or a tuple for several
    outputs. ``close()`` releases the C layer early."""

    def __init__(self, type_name, num_outputs=1, **attrs):
        super().__init__()
        given = {name: _normalise(name, value) for name, value in attrs.items() if value is not None}
        handle = ctypes.c_void_p()
        with attributes(given) as attrs_handle:
            check(lib.plx_layer_create(type_name.encode(), attrs_handle, ctypes.byref(handle)))
        self._setup(handle.value, type_name, num_outputs, given)

    def _setup(self, handle, type_name, num_outputs, attrs):
        object.__setattr__(self, "_guard", HandleGuard(handle, lib.plx_layer_release, f"{type_name} layer"))
        object.__setattr__(self, "type_name", type_name)
        object.__setattr__(self, "num_outputs", num_outputs)
        object.__setattr__(self, "_attrs", attrs)
        object.__setattr__(self, "_c_parameters", self._read_parameters())
        object.__setattr__(self, "_c_buffers", self._read_buffers())

    @classmethod
    def _from_handle(cls, handle, type_name, num_outputs=1):
        """Wraps an owned ``plx_layer *`` (from plx_session_to_layer or plx_sequential_create)."""
        layer = cls.__new__(cls)
        Module.__init__(layer)
        layer._setup(handle, type_name, num_outputs, {})
        return layer

    def __getattr__(self, name):
        for state_name, value in [*self.__dict__.get("_c_parameters", ()), *self.__dict__.get("_c_buffers", ())]:
            if state_name == name:
                return value
        return super().__getattr__(name)

    @property
    def handle(self):
        """The raw ``plx_layer *`` (ClosedError after close())."""
        return self._guard.peek()

    def close(self):
        """Releases the C layer; later calls raise ClosedError."""
        self._guard.close()

    def __del__(self):
        guard = self.__dict__.get("_guard")
        if guard is not None:
            try:
                guard.close()
            except Exception:  # noqa: BLE001 - interpreter shutdown
                pass

    # -- state -------------------------------------------------------------------------------
    def _read_parameters(self):
        with self._guard.use() as raw:
            count = lib.plx_layer_parameter_count(raw)
            handles = (ctypes.c_void_p * max(count, 1))()
            check(lib.plx_layer_parameters(raw, handles, count))
            return [(lib.plx_layer_parameter_name(raw, i).decode(), Parameter._borrow(handles[i])) for i in range(count)]

    def _own_parameters(self):
        self._guard.peek()
        return list(self._c_parameters) + super()._own_parameters()

    def _read_buffers(self):
        with self._guard.use() as raw:
            count = lib.plx_layer_buffer_count(raw)
            handles = (ctypes.c_void_p * max(count, 1))()
            check(lib.plx_layer_buffers(raw, handles, count))
            return [(lib.plx_layer_buffer_name(raw, i).decode(), Tensor._borrow(handles[i])) for i in range(count)]

    def _own_buffers(self):
        self._guard.peek()
        return list(self._c_buffers) + super()._own_buffers()

    def _set_training(self, mode):
        with self._guard.use() as raw:
            check(lib.plx_layer_set_training(raw, 1 if mode else 0))

    # -- forward -----------------------------------------------------------------------------
    def _run(self, inputs, num_outputs):
        """Runs plx_layer_forward on ``inputs`` (Tensors / array-likes / None) and returns a list."""
        values = list(inputs)
        while values and values[-1] is None:
            values.pop()
        if not values:
            raise InvalidArgumentError(f"{self.type_name} needs at least one input")
        tensors = [tensor([]) if v is None else (v if isinstance(v, Tensor) else tensor(v)) for v in values]
        handles = (ctypes.c_void_p * len(tensors))(*[t._ptr() for t in tensors])
        results = (ctypes.c_void_p * num_outputs)()
        with self._guard.use() as raw:
            check(lib.plx_layer_forward(raw, handles, len(tensors), results, num_outputs))
        return [Tensor._adopt(results[i]) for i in range(num_outputs)]

    def forward(self, *inputs):
        """Runs the layer; one Tensor, or a tuple when ``num_outputs`` > 1."""
        outputs = self._run(inputs, self.num_outputs)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def extra_repr(self):
        """The type (for a generic Layer) and the attributes it was built with."""
        shown = ", ".join(f"{k}={v!r}" for k, v in self._attrs.items())
        return shown if type(self) is not Layer else f"{self.type_name!r}" + (", " + shown if shown else "")
