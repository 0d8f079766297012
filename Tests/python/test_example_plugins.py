"""The example C plugins from Python: built with cc against include/, loaded with
plx_plugin_load, trained, exported as org.plexus.examples nodes and re-imported; a kernel's own
error becomes a Python exception carrying its message."""
import ctypes
import pathlib
import subprocess

import numpy as np
import onnx
import pytest

from plexus_c import Layer, PlexusError, Session, Tensor, check, gradient_check, lib, op

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plugins(tmp_path_factory):
    out = tmp_path_factory.mktemp("examples")
    paths = []
    for name in ("swish", "rmsnorm"):
        target = out / f"libplexus-example-{name}.so"
        subprocess.run(["cc", "-std=c11", "-O2", "-Wall", "-Werror", "-shared", "-fPIC", f"-I{ROOT / 'include'}", "-o", str(target),
                        str(ROOT / "Plugins" / "examples" / name / f"{name}.c"), "-lm"], check=True)
        lib.plx_plugin_load.argtypes = [ctypes.c_char_p]
        check(lib.plx_plugin_load(str(target).encode()))
        paths.append(target)
    return paths


def test_layers_are_differentiable(plugins):
    x = Tensor.of(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    swish = Layer("Swish", {"dtype": 11})
    gradient_check(lambda: swish(x), [x] + [t for _, t in swish.parameters()])
    with pytest.raises(PlexusError, match="beta must hold one value"):
        op("Swish", [x, np.ones(2)], domain="org.plexus.examples")


def test_train_export_and_reimport(plugins, tmp_path):
    model = Layer.sequential([Layer("Linear", {"in_features": 3, "out_features": 8}), Layer("Swish"),
                              Layer("RMSNorm", {"normalized_size": 8}), Layer("Linear", {"in_features": 8, "out_features": 1})])
    x = np.random.default_rng(1).standard_normal((32, 3)).astype(np.float32)
    y = (x[:, :1] * 2 - x[:, 1:2]).astype(np.float32)
    params = [t for _, t in model.parameters()]
    optimizer, options = ctypes.c_void_p(), __import__("plexus_c").attributes({"lr": 0.02})
    check(lib.plx_optimizer_create(b"adam", (ctypes.c_void_p * len(params))(*[p.handle for p in params]), len(params), options,
                                   ctypes.byref(optimizer)))
    losses = []
    for _ in range(100):
        lib.plx_optimizer_zero_grad(optimizer)
        (d,) = op("Sub", [model(x), y])
        (loss,) = op("ReduceMean", [op("Mul", [d, d])[0]], {"keepdims": 0})
        loss.backward()
        check(lib.plx_optimizer_step(optimizer))
        losses.append(float(loss.numpy()))
    lib.plx_optimizer_release(optimizer)
    lib.plx_attrs_release(options)
    assert losses[-1] < 0.3 * losses[0]
    model.export(tmp_path / "m.onnx", [x])
    exported = onnx.load(tmp_path / "m.onnx")
    assert {(n.domain, n.op_type) for n in exported.graph.node} >= {("org.plexus.examples", "Swish"), ("org.plexus.examples", "RMSNorm")}
    assert any(o.domain == "org.plexus.examples" for o in exported.opset_import)
    model.train(False)
    lib.plx_no_grad_begin()  # inference: the fused kernels run, as in the session
    try:
        direct = model(x).numpy()
    finally:
        check(lib.plx_no_grad_end())
    np.testing.assert_array_equal(Session(tmp_path / "m.onnx").run({"input_0": x})[0], direct)
