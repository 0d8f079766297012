"""The README's main job: `plexus train` reaches at least 95% test accuracy on the bundled
digits and writes a checkpoint the safetensors package reads; the CNN, LSTM and Transformer
demos learn (CNN ≥ 97% on digits, LSTM ≥ 90% reading digit rows as a sequence, Transformer
≥ 90% of tokens right when reversing sequences; chance is 10% for all)."""
import pathlib
import re
import subprocess

import pytest

from safetensors.numpy import load_file

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_train_reaches_95_percent_and_saves_a_checkpoint(tmp_path):
    checkpoint = tmp_path / "digits.safetensors"
    result = subprocess.run([str(ROOT / ".build/release/plexus"), "train", "--checkpoint", str(checkpoint),
                             "--data", str(ROOT / "data/digits.npz")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    accuracy = float(re.search(r"test accuracy: ([\d.]+)%", result.stdout).group(1))
    assert accuracy >= 95.0, result.stdout
    assert re.search(r"epoch 30/30 loss [\d.]+ +train acc", result.stdout)
    weights = load_file(str(checkpoint))
    assert weights["0.weight"].shape == (128, 64)
    assert weights["5.weight"].shape == (10, 128)


@pytest.mark.parametrize("model, threshold", [("cnn", 97.0), ("lstm", 90.0), ("transformer", 90.0)])
def test_architecture_demos_learn(tmp_path, model, threshold):
    result = subprocess.run([str(ROOT / ".build/release/plexus"), "train", "--model", model, "--checkpoint",
                             str(tmp_path / f"{model}.safetensors"), "--data", str(ROOT / "data/digits.npz")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    accuracy = float(re.search(r"test accuracy: ([\d.]+)%", result.stdout).group(1))
    assert accuracy >= threshold, result.stdout
    assert load_file(str(tmp_path / f"{model}.safetensors"))


def test_train_reports_bad_input_clearly(tmp_path):
    result = subprocess.run([str(ROOT / ".build/release/plexus"), "train", "--data", str(tmp_path / "missing.npz")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "missing.npz" in result.stderr
    result = subprocess.run([str(ROOT / ".build/release/plexus"), "train", "--optimizer", "lbfgs", "--epochs", "1",
                             "--data", str(ROOT / "data/digits.npz"), "--checkpoint", str(tmp_path / "x.safetensors")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "lbfgs" in result.stderr


def test_train_exports_a_model_onnxruntime_runs(tmp_path):
    import numpy as np
    import onnxruntime

    path = tmp_path / "lstm.onnx"
    result = subprocess.run([str(ROOT / ".build/release/plexus"), "train", "--model", "lstm", "--epochs", "1", "--export", str(path),
                             "--checkpoint", str(tmp_path / "lstm.safetensors"), "--data", str(ROOT / "data/digits.npz")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [n.op_type for n in __import__("onnx").load(path).graph.node].count("LSTM") == 1
    images = (np.load(ROOT / "data/digits.npz")["x_test"][:7].astype(np.float32) / 16).reshape(7, 8, 8)
    scores = session.run(None, {"input": images})[0]
    assert scores.shape == (7, 10)
