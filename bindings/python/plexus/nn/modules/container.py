"""Containers: ``Sequential`` (children run in order), ``ModuleList`` and ``ModuleDict``."""
import collections

from ..._errors import InvalidArgumentError
from .module import Module

__all__ = ["Sequential", "ModuleList", "ModuleDict"]


class _Children(Module):
    """What Sequential and ModuleList share: children in order, appended under the next index."""

    def append(self, module):
        """Adds a module at the end."""
        self.add_module(str(len(self._modules)), module)
        return self

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self.children())


class Sequential(_Children):
    """Runs its children in order: ``Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))``
    or ``Sequential(OrderedDict(name=module, ...))``. Children are named "0", "1", ... (or by
    the dict's keys), so state-dict names match a C ``plx_sequential_create`` and PyTorch."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], collections.OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, x):
        """Feeds ``x`` through every child in turn."""
        for module in self.children():
            x = module(x)
        return x

    def __getitem__(self, index):
        children = self.children()
        if isinstance(index, slice):
            return Sequential(*children[index])
        return children[index]


class ModuleList(_Children):
    """A list of modules whose parameters are registered (children "0", "1", ...)."""

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def extend(self, modules):
        """Adds several modules at the end."""
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index):
        return self.children()[index]

    def forward(self, *inputs):
        """A ModuleList is not callable: iterate over it in the parent's forward."""
        raise InvalidArgumentError("ModuleList has no forward; call its modules in your own forward")


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys."""

    def __init__(self, modules=None):
        super().__init__()
        for name, module in (modules or {}).items():
            self.add_module(name, module)

    def __getitem__(self, name):
        return self._modules[name]

    def __setitem__(self, name, module):
        self.add_module(name, module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        """The names."""
        return self._modules.keys()

    def values(self):
        """The modules."""
        return self._modules.values()

    def items(self):
        """(name, module) pairs."""
        return self._modules.items()

    def forward(self, *inputs):
        """A ModuleDict is not callable: pick its modules in the parent's forward."""
        raise InvalidArgumentError("ModuleDict has no forward; call its modules in your own forward")
