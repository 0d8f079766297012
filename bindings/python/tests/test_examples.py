"""The examples run (as subprocesses, like a user would run them)."""
import os
import subprocess
import sys

import pytest

from conftest import PACKAGE_ROOT, REPO_ROOT, build_c_plugin

EXAMPLES = PACKAGE_ROOT / "examples"


def _run(script, *args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)], env=env, capture_output=True,
                            text=True, timeout=300, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_run_onnx_model(tmp_path):
    out = _run("run_onnx_model.py")
    assert "probabilities: shape (4, 10)" in out
    if "onnxruntime is not installed" not in out:
        assert "max abs difference vs onnxruntime" in out


def test_train_cnn_digits(tmp_path):
    if not (REPO_ROOT / "data" / "digits.npz").is_file():
        pytest.skip("data/digits.npz is missing")
    out = _run("train_cnn_digits.py", "--epochs", "3", "--out", tmp_path)
    accuracies = [float(line.rsplit(" ", 1)[1]) for line in out.splitlines() if line.startswith("epoch")]
    assert len(accuracies) == 3 and accuracies[-1] > 0.85
    assert (tmp_path / "digits_cnn.onnx").is_file() and (tmp_path / "digits_cnn.safetensors").is_file()
    assert "ONNX test accuracy" in out


def test_load_plugin(tmp_path):
    out = _run("load_plugin.py", tmp_path / "missing.so")
    assert "is not built" in out
    plugin = build_c_plugin(REPO_ROOT / "Plugins" / "examples" / "swish" / "swish.c", tmp_path / "libplexus-example-swish.so")
    out = _run("load_plugin.py", plugin)
    assert "loaded plugin example-swish" in out and "matches x·sigmoid(x): True" in out and "1.beta" in out
