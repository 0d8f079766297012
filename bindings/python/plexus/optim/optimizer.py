"""``Optimizer``: the PyTorch-style base over ``plx_optimizer_*``.

Each parameter group becomes one C optimizer (they update parameter memory in place with
PyTorch's formulas). ``param_groups`` are dicts as in PyTorch: changing ``group["lr"]`` (as
schedulers do) takes effect at the next ``step()``; the other options are fixed when the group
is created (changing them raises UnsupportedError, since the C optimizer keeps its state).
"""
import ctypes

from .._attrs import attributes
from .._errors import InvalidArgumentError, UnsupportedError
from .._handle import HandleGuard
from .._lib import check, lib
from ..tensor import Tensor

__all__ = ["Optimizer"]


class Optimizer:
    """Base class: subclasses give the C name and translate PyTorch options to C options."""

    _c_name = ""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.param_groups = []
        self._groups = []  # (HandleGuard, options the C optimizer was made with, lr set)
        params = list(params)
        if not params:
            raise InvalidArgumentError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def _c_options(self, group):
        """The ``plx_optimizer_create`` options of a group (subclasses override)."""
        raise NotImplementedError

    def add_param_group(self, param_group):
        """Adds a group of parameters with its own options (defaults fill the rest)."""
        group = dict(param_group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise InvalidArgumentError(f"optimizer parameters must be Tensors, got {type(p).__name__}")
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        options = self._c_options(group)
        handle = ctypes.c_void_p()
        handles = (ctypes.c_void_p * max(len(params), 1))(*[p._ptr() for p in params])
        with attributes(options) as attrs:
            check(lib.plx_optimizer_create(self._c_name.encode(), handles, len(params), attrs, ctypes.byref(handle)))
        group.setdefault("initial_lr", group["lr"])
        self.param_groups.append(group)
        self._groups.append([HandleGuard(handle.value, lib.plx_optimizer_release, "optimizer"), options, float(group["lr"])])

    def _sync(self, index):
        guard, options, lr = self._groups[index]
        group = self.param_groups[index]
        current = self._c_options(group)
        changed = [k for k in current if k != "lr" and current[k] != options.get(k)]
        if changed:
            raise UnsupportedError(f"changing {changed} after the optimizer was created is not supported (only lr)")
        if float(group["lr"]) != lr:
            with guard.use() as raw:
                check(lib.plx_optimizer_set_learning_rate(raw, float(group["lr"])))
            self._groups[index][2] = float(group["lr"])
        return guard

    def step(self, closure=None):
        """Updates every parameter that has a gradient. ``closure`` (re-evaluating the loss) is
        called first when given, and its loss returned."""
        loss = closure() if closure is not None else None
        for index in range(len(self.param_groups)):
            with self._sync(index).use() as raw:
                check(lib.plx_optimizer_step(raw))
        return loss

    def zero_grad(self, set_to_none=True):
        """Clears the gradients of every parameter."""
        for guard, _, _ in self._groups:
            with guard.use() as raw:
                lib.plx_optimizer_zero_grad(raw)

    def learning_rates(self):
        """The learning rate each C optimizer currently uses (``plx_optimizer_learning_rate``)."""
        rates = []
        for index in range(len(self.param_groups)):
            with self._sync(index).use() as raw:
                rates.append(lib.plx_optimizer_learning_rate(raw))
        return rates

    def close(self):
        """Releases the C optimizers; later calls raise ClosedError."""
        for guard, _, _ in self._groups:
            guard.close()

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"
