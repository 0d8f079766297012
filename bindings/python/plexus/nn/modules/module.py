"""``nn.Module``: the PyTorch-style base class. Parameters, buffers and sub-modules register
themselves when assigned as attributes; ``state_dict``/``load_state_dict`` use dotted names;
``train()``/``eval()`` reach plugin layers too (``plx_layer_set_training``)."""
import collections

from ..._errors import InvalidArgumentError, NotFoundError, ShapeMismatchError
from ...tensor import Tensor, tensor
from ..parameter import Parameter

__all__ = ["Module", "IncompatibleKeys"]

IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
IncompatibleKeys.__doc__ = "What load_state_dict(strict=False) could not match, as in PyTorch."


class Module:
    """Base class of every model part. Subclasses set attributes in ``__init__`` (after
    ``super().__init__()``) and implement ``forward``; calling the module runs ``forward``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", collections.OrderedDict())
        object.__setattr__(self, "_buffers", collections.OrderedDict())
        object.__setattr__(self, "_modules", collections.OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration ------------------------------------------------------------------------
    def _registries(self):
        try:
            return self.__dict__["_parameters"], self.__dict__["_buffers"], self.__dict__["_modules"]
        except KeyError:
            raise InvalidArgumentError(f"{type(self).__name__}.__init__ must call super().__init__() first") from None

    def __setattr__(self, name, value):
        parameters, buffers, modules = self._registries()
        for registry in (parameters, buffers, modules):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            parameters[name] = value
            self.__dict__.pop(name, None)
        elif isinstance(value, Module):
            modules[name] = value
            self.__dict__.pop(name, None)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        registries = self.__dict__.get("_parameters"), self.__dict__.get("_buffers"), self.__dict__.get("_modules")
        for registry in registries:
            if registry is not None and name in registry:
                return registry[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in self._registries():
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, parameter):
        """Registers ``parameter`` (a Parameter, or None to reserve the name) under ``name``."""
        if parameter is not None and not isinstance(parameter, Parameter):
            raise InvalidArgumentError(f"'{name}' must be a Parameter, got {type(parameter).__name__}")
        self._registries()[0][name] = parameter

    def register_buffer(self, name, value, persistent=True):
        """Registers a non-trainable tensor kept in the state dict (unless not persistent)."""
        if value is not None and not isinstance(value, Tensor):
            value = tensor(value)
        self._registries()[1][name] = value
        if not persistent:
            self.__dict__.setdefault("_non_persistent", set()).add(name)

    def add_module(self, name, module):
        """Registers a child module under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise InvalidArgumentError(f"'{name}' must be a Module, got {type(module).__name__}")
        self._registries()[2][name] = module

    register_module = add_module

    # -- traversal ---------------------------------------------------------------------------
    def named_children(self):
        """(name, child) for each direct sub-module."""
        return [(name, module) for name, module in self._modules.items() if module is not None]

    def children(self):
        """The direct sub-modules."""
        return [module for _, module in self.named_children()]

    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and every descendant (each once)."""
        seen, result, stack = set(), [], [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            result.append((name, module))
            stack += [(f"{name}.{child}" if name else child, sub) for child, sub in reversed(module.named_children())]
        return result

    def modules(self):
        """This module and every descendant."""
        return [module for _, module in self.named_modules()]

    def _own_parameters(self):
        """(name, tensor) of the parameters this module holds itself (not its children)."""
        return [(name, p) for name, p in self._parameters.items() if p is not None]

    def _own_buffers(self):
        """(name, tensor) of the persistent buffers this module holds itself."""
        skipped = self.__dict__.get("_non_persistent", set())
        return [(name, b) for name, b in self._buffers.items() if b is not None and name not in skipped]

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, parameter) pairs, each parameter once."""
        seen, result = set(), []
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, parameter in module._own_parameters():
                handle = parameter._ptr()
                if handle in seen:
                    continue
                seen.add(handle)
                result.append((f"{module_name}.{name}" if module_name else name, parameter))
        return result

    def parameters(self, recurse=True):
        """The trainable tensors (pass them to an optimizer)."""
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def named_buffers(self, prefix="", recurse=True):
        """(dotted name, buffer) pairs."""
        result = []
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            result += [(f"{module_name}.{name}" if module_name else name, b) for name, b in module._own_buffers()]
        return result

    def buffers(self, recurse=True):
        """The non-trainable state tensors."""
        return [b for _, b in self.named_buffers(recurse=recurse)]

    # -- modes -------------------------------------------------------------------------------
    def _set_training(self, mode):
        """Hook for modules backed by C layers: applies the mode to them."""

    def train(self, mode=True):
        """Training mode (dropout active, batch norm updating statistics) here and below."""
        for _, module in self.named_modules():
            object.__setattr__(module, "training", bool(mode))
            module._set_training(bool(mode))
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Turns gradient tracking of every parameter on or off (freezing)."""
        for parameter in self.parameters():
            parameter.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Clears the gradients of every parameter."""
        for parameter in self.parameters():
            parameter.zero_grad()

    def apply(self, function):
        """Calls ``function(module)`` on every descendant and this module; returns self."""
        for module in reversed(self.modules()):
            function(module)
        return self

    # -- state -------------------------------------------------------------------------------
    def _own_state(self):
        """(name, tensor) of this module's own parameters and persistent buffers."""
        return self._own_parameters() + self._own_buffers()

    def state_dict(self, prefix=""):
        """Every parameter and persistent buffer by dotted name (tensors sharing memory with the
        module, detached from autograd)."""
        state = collections.OrderedDict()
        for module_name, module in self.named_modules():
            for name, value in module._own_state():
                key = prefix + (f"{module_name}.{name}" if module_name else name)
                state.setdefault(key, value.detach())
        return state

    def _load_own_state(self, entries, strict):
        """Copies ``entries`` ({own name: tensor}) into this module's own state; returns the
        own names it expected but did not get."""
        missing = []
        for name, target in self._own_state():
            if name not in entries:
                missing.append(name)
                continue
            source = entries[name]
            values = source.numpy() if isinstance(source, Tensor) else tensor(source).numpy()
            if tuple(values.shape) != target.shape:
                raise ShapeMismatchError(f"'{name}' has shape {tuple(values.shape)} in the state dict, {target.shape} in the module")
            target.numpy()[...] = values.astype(target.dtype.numpy, copy=False)
        return missing

    def load_state_dict(self, state_dict, strict=True):
        """Copies tensors into the parameters and buffers by dotted name. With ``strict``, a
        missing or unexpected key raises NotFoundError; otherwise they are returned."""
        remaining = dict(state_dict)
        missing = []
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            own_names = [name for name, _ in module._own_state()]
            entries = {name: remaining.pop(prefix + name) for name in own_names if prefix + name in remaining}
            if strict and len(entries) != len(own_names):
                missing += [prefix + n for n in own_names if n not in entries]
                continue
            missing += [prefix + n for n in module._load_own_state(entries, strict)]
        unexpected = sorted(remaining)
        if strict and (missing or unexpected):
            raise NotFoundError(f"state dict mismatch: missing {missing}, unexpected {unexpected}")
        return IncompatibleKeys(missing, unexpected)

    # -- calling -----------------------------------------------------------------------------
    def forward(self, *inputs):
        """The computation; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def __call__(self, *inputs, **kwargs):
        return self.forward(*inputs, **kwargs)

    def extra_repr(self):
        """Text shown inside the parentheses of repr (constructor arguments)."""
        return ""

    def __repr__(self):
        children = self.named_children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        if self.extra_repr():
            lines.append("  " + self.extra_repr())
        for name, module in children:
            lines.append(f"  ({name}): " + repr(module).replace("\n", "\n  "))
        return "\n".join(lines) + "\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))
