"""`plexus train` on bad options and bad data (issue 19): zero samples, non-positive epochs or
batch sizes, NaN learning rates, broken label arrays. Each must exit non-zero with an `Error:`
line saying what is wrong, save no checkpoint, and never report success or crash."""
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLEXUS = ROOT / ".build" / "release" / "plexus"
DIGITS = ROOT / "data" / "digits.npz"


def train(tmp_path, *arguments, data=DIGITS):
    checkpoint = tmp_path / "model.safetensors"
    result = subprocess.run([str(PLEXUS), "train", "--data", str(data), "--checkpoint", str(checkpoint), *map(str, arguments)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    return result, checkpoint


def assert_refused(result, checkpoint, *words):
    assert result.returncode not in (0,) and result.returncode < 128, f"status {result.returncode}:\n{result.stderr[-2000:]}"
    assert "Error: " in result.stderr, result.stderr[-2000:]
    for word in words:
        assert word in result.stderr, result.stderr[-2000:]
    assert "test accuracy" not in result.stdout and "saved" not in result.stdout
    assert not checkpoint.exists()


@pytest.mark.parametrize("option, value, words", [
    ("--epochs", 0, ["--epochs", "positive"]), ("--epochs", -1, ["--epochs", "positive"]),
    ("--epochs", -(2 ** 62), ["--epochs"]),
    ("--batch-size", 0, ["--batch-size", "positive"]), ("--batch-size", -4, ["--batch-size", "positive"]),
    ("--lr", "nan", ["--lr", "finite"]), ("--lr", "inf", ["--lr"]), ("--lr", "-inf", ["--lr"]), ("--lr", -0.1, ["--lr"]),
    ("--lr", 0, ["--lr"]), ("--hidden", 0, ["--hidden", "positive"]), ("--hidden", -8, ["--hidden"]),
    ("--threads", -1, ["--threads"]), ("--threads", 2 ** 40, ["thread count", "1024"]),
    ("--threads", 2 ** 63 - 1, ["1024"]), ("--threads", 1025, ["1024"]),
])
def test_bad_numeric_options_are_refused(tmp_path, option, value, words):
    result, checkpoint = train(tmp_path, f"{option}={value}")
    assert_refused(result, checkpoint, *words)


def digits_like(path, **changes):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 16, (6, 64)).astype(np.float32), "y_train": np.arange(6) % 10,
              "x_test": rng.integers(0, 16, (4, 64)).astype(np.float32), "y_test": np.arange(4) % 10}
    arrays.update(changes)
    np.savez(path, **{key: value for key, value in arrays.items() if value is not None})
    return path


BAD_DATA = {
    "no-training-samples": ({"x_train": np.zeros((0, 64), np.float32), "y_train": np.zeros(0, np.int64)}, ["0 training"]),
    "no-test-samples": ({"x_test": np.zeros((0, 64), np.float32), "y_test": np.zeros(0, np.int64)}, ["0 test"]),
    "no-samples-at-all": ({"x_train": np.zeros((0, 64), np.float32), "y_train": np.zeros(0, np.int64),
                           "x_test": np.zeros((0, 64), np.float32), "y_test": np.zeros(0, np.int64)}, ["samples"]),
    "0-d-images": ({"x_train": np.float32(1)}, ["x_train", "0-d"]),
    "0-d-labels": ({"y_train": np.int64(1)}, ["y_train"]),
    "missing-labels": ({"y_train": None}, ["y_train"]),
    "fewer-labels": ({"y_train": np.zeros(5, np.int64)}, ["y_train"]),
    "wrong-image-size": ({"x_train": np.zeros((6, 63), np.float32)}, ["63"]),
    "label-above-classes": ({"y_train": np.full(6, 10)}, ["10"]),
    "negative-label": ({"y_train": np.full(6, -1)}, ["-1"]),
    "float-labels": ({"y_train": np.full(6, 1.0, np.float32)}, ["targets"]),
    # Test labels are never fed to the loss, so they need their own check (else: 0% accuracy).
    "test-label-huge": ({"y_test": np.array([0, 1, 2**40, 3])}, ["y_test", str(2**40)]),
    "test-label-above-classes": ({"y_test": np.full(4, 10)}, ["y_test", "10"]),
    "test-label-negative": ({"y_test": np.full(4, -1)}, ["y_test", "-1"]),
    "test-label-int64-min": ({"y_test": np.full(4, np.iinfo(np.int64).min)}, ["y_test"]),
    "test-float-labels": ({"y_test": np.full(4, 1.0, np.float32)}, ["y_test", "targets"]),
    "string-images": ({"x_train": np.array(["a"] * 6)}, ["x_train"]),
}


@pytest.mark.parametrize("name", sorted(BAD_DATA))
def test_bad_data_is_refused(tmp_path, name):
    changes, words = BAD_DATA[name]
    data = digits_like(tmp_path / f"{name}.npz", **changes)
    result, checkpoint = train(tmp_path, "--epochs", 1, data=data)
    assert_refused(result, checkpoint, *words)


def test_a_tiny_data_set_with_a_huge_batch_size_still_trains(tmp_path):
    data = digits_like(tmp_path / "tiny.npz")
    result, checkpoint = train(tmp_path, "--epochs", 1, "--batch-size", 2 ** 62, data=data)
    assert result.returncode == 0, result.stderr
    assert "1 batches/epoch" in result.stdout and checkpoint.exists()
