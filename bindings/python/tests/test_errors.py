"""Every plx_status maps to its exception class (also a built-in one), carrying
plx_last_error(); bad Python-side arguments raise instead of crashing."""
import shutil
import textwrap
import threading

import numpy as np
import pytest

import plexus
import plexus.nn as nn
from conftest import REPO_ROOT, build_c_plugin
from plexus._errors import error_for_status


def test_hierarchy():
    assert issubclass(plexus.PlexusError, RuntimeError)
    pairs = [(plexus.InvalidArgumentError, ValueError), (plexus.ShapeMismatchError, ValueError),
             (plexus.DTypeMismatchError, TypeError), (plexus.DTypeMismatchError, ValueError), (plexus.ClosedError, ValueError),
             (plexus.NotFoundError, LookupError), (plexus.UnsupportedError, NotImplementedError),
             (plexus.PlexusIOError, OSError), (plexus.OutOfMemoryError, MemoryError)]
    for cls, builtin in pairs:
        assert issubclass(cls, plexus.PlexusError) and issubclass(cls, builtin), cls


@pytest.mark.parametrize("status, cls", [
    (1, plexus.InvalidArgumentError), (2, plexus.NotFoundError), (3, plexus.UnsupportedError), (4, plexus.PlexusIOError),
    (5, plexus.OutOfMemoryError), (6, plexus.ShapeMismatchError), (7, plexus.DTypeMismatchError),
    (8, plexus.ABIMismatchError), (9, plexus.AlreadyExistsError), (10, plexus.PluginFailedError),
    (11, plexus.NoBackendError), (12, plexus.InternalError), (99, plexus.PlexusError)])
def test_status_table(status, cls):
    error = error_for_status(status, "message")
    assert type(error) is cls and error.status == status and str(error) == "message"
    assert pytest.raises(cls, lambda: (_ for _ in ()).throw(error))


def test_errors_from_the_library():
    cases = [
        (plexus.NotFoundError, "unknown operator", lambda: plexus.op("NoSuchOp", plexus.ones(2))),
        (plexus.InvalidArgumentError, "no attribute 'nonsense'", lambda: plexus.op("Softmax", plexus.ones(2), nonsense=1)),
        (plexus.ShapeMismatchError, "broadcast", lambda: plexus.ones(2, 3) + plexus.ones(4)),
        (plexus.DTypeMismatchError, "one dtype", lambda: plexus.op("Add", plexus.ones(2), plexus.ones(2, dtype="int64"))),
        (plexus.UnsupportedError, "no kernel", lambda: plexus.op("Sin", plexus.ones(2, dtype="int64"))),
        (plexus.PlexusIOError, "cannot open", lambda: plexus.InferenceSession("/nonexistent/model.onnx")),
        (plexus.DTypeMismatchError, "floating-point", lambda: plexus.ones(2, dtype="int64").requires_grad_()),
        (plexus.InvalidArgumentError, "does not require grad", lambda: plexus.ones(2).sum().backward()),
        (plexus.NotFoundError, "does not exist", lambda: plexus.load_plugin("/nonexistent/plugin.so")),
        (plexus.InvalidArgumentError, "not a loadable plugin", lambda: plexus.load_plugin(REPO_ROOT / "README.md")),
    ]
    for cls, text, action in cases:
        with pytest.raises(cls, match=text) as caught:
            action()
        assert caught.value.status == cls.status and caught.value.message


def test_duplicate_plugin_is_already_exists(tmp_path):
    source = plexus.library_path.parent / "plugins" / "libplexus-mlp.so"
    if not source.exists():
        source = plexus.library_path.parent / "libplexus-mlp.so"
    copy = tmp_path / "libplexus-mlp-copy.so"
    shutil.copy(source.resolve(), copy)
    with pytest.raises(plexus.AlreadyExistsError, match="already registered"):
        plexus.load_plugin(copy)


PLUGIN = textwrap.dedent("""
    #include <plexus/plexus_plugin.h>
    plx_status plx_plugin_init(const plx_host_api *host, plx_plugin_registrar *reg) {
        plx_plugin_info info = {.abi_major = MAJOR, .abi_minor = PLX_PLUGIN_ABI_MINOR, .struct_size = sizeof info,
                                .kind = PLX_PLUGIN_KIND_EXTENSION, .name = NAME, .version = "0.0.1"};
        plx_status status = reg->set_info(reg, &info);
        if (status != PLX_OK) return status;
        if (FAIL) { host->set_error(PLX_ERR_PLUGIN_FAILED, "the test plugin refuses to start"); return PLX_ERR_PLUGIN_FAILED; }
        return PLX_OK;
    }
""")


def _plugin(tmp_path, name, major="PLX_PLUGIN_ABI_MAJOR", fail=0):
    source = tmp_path / f"{name}.c"
    source.write_text(f'#define MAJOR {major}\n#define NAME "{name}"\n#define FAIL {fail}\n' + PLUGIN)
    return build_c_plugin(source, tmp_path / f"lib{name}.so")


def test_abi_mismatch_and_failing_plugins(tmp_path):
    with pytest.raises(plexus.ABIMismatchError, match="99"):
        plexus.load_plugin(_plugin(tmp_path, "future", major="99"))
    with pytest.raises(plexus.PluginFailedError, match="refuses to start"):
        plexus.load_plugin(_plugin(tmp_path, "failing", fail=1))
    info = plexus.load_plugin(_plugin(tmp_path, "empty_test_plugin"))
    assert info.name == "empty_test_plugin" and info.version == "0.0.1" and info.op_count == 0


def test_python_side_checks_never_reach_c_with_bad_handles():
    t = plexus.ones(2)
    t.__del__()  # releases the handle early
    with pytest.raises(plexus.ClosedError):
        t.numpy()
    with pytest.raises(plexus.ClosedError):
        plexus.ones(2) + t
    assert repr(t) == "tensor(<released>)"
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.Tensor._adopt(None)
    with pytest.raises(plexus.InvalidArgumentError, match="None"):
        plexus.op("Softmax", plexus.ones(2), axis=None)
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.op("Softmax", plexus.ones(2), axis=object())
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.op("Concat", plexus.ones(1), axis=[0, "x"])
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.op("Relu", plexus.ones(1), outputs=0)
    with pytest.raises(plexus.DTypeMismatchError):
        plexus.tensor(np.array([object()]))
    with pytest.raises(plexus.DTypeMismatchError):
        plexus.tensor([1j])
    with pytest.raises(plexus.DTypeMismatchError):
        plexus.tensor([1], dtype="complex64")
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.from_numpy([1, 2])
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.ones(2).grad = plexus.ones(2)
    with pytest.raises(plexus.InvalidArgumentError):
        nn.Linear(2, 2)(None)
    with pytest.raises(plexus.InvalidArgumentError):
        nn.Module().register_parameter("p", plexus.ones(1))
    with pytest.raises(plexus.InvalidArgumentError):
        nn.Module().add_module("m", 3)


def test_error_messages_are_per_thread():
    messages = {}

    def fail(index):
        try:
            plexus.op("Unknown%d" % index, plexus.ones(1))
        except plexus.NotFoundError as error:
            messages[index] = str(error)

    threads = [threading.Thread(target=fail, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(f"Unknown{i}" in messages[i] for i in range(4))
