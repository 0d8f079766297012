"""Plugins: the shared libraries that provide every op, kernel and layer type.

libplexus loads the plugins in the ``plugins/`` folder beside itself and in
``PLEXUS_PLUGIN_PATH`` on first use; :func:`load_plugin` adds a third-party one by path.
"""
import collections
import os

from . import _validate
from ._lib import check, lib

__all__ = ["PluginInfo", "load_plugin", "plugins"]

PluginInfo = collections.namedtuple("PluginInfo", ["name", "version", "path", "op_count"])
PluginInfo.__doc__ = "One loaded plugin: its name, version string, file path and number of ops it registers."


def load_plugin(path):
    """Loads the plugin shared library at ``path`` and registers what it provides; loading the
    same file twice is harmless. Returns its :class:`PluginInfo`.

    Raises NotFoundError (no such file), InvalidArgumentError (not a plugin), ABIMismatchError,
    AlreadyExistsError (it registers an op another plugin has) or PluginFailedError.
    """
    path = os.fspath(path)
    check(lib.plx_plugin_load(_validate.name(path, "the plugin path")))
    resolved = os.path.realpath(path)
    for info in plugins():
        if os.path.realpath(info.path) == resolved:
            return info
    return None


def plugins():
    """The loaded plugins, in load order, as :class:`PluginInfo` tuples."""
    found = []
    for index in range(lib.plx_plugin_count()):
        found.append(PluginInfo(lib.plx_plugin_name(index).decode(), lib.plx_plugin_version(index).decode(),
                                lib.plx_plugin_path(index).decode(), int(lib.plx_plugin_op_count(index))))
    return found
