"""plexus.save / plexus.load: safetensors round trips, interop with the safetensors package and
with plx_state_save / plx_state_load."""
import ctypes

import numpy as np
import pytest

import plexus
import plexus.nn as nn
from plexus._lib import check, lib


def test_module_round_trip(tmp_path):
    source = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 2))
    source.train()
    x = plexus.randn(4, 1, 4, 4)
    source(x)
    path = tmp_path / "model.safetensors"
    plexus.save(source, path)
    loaded = plexus.load(path)
    assert set(loaded) == set(source.state_dict()) and "1.running_var" in loaded
    target = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 2))
    target.load_state_dict(loaded)
    source.eval()
    target.eval()
    np.testing.assert_array_equal(target(x).numpy(), source(x).numpy())


def test_dicts_of_tensors_and_arrays(tmp_path):
    values = {"a": plexus.tensor([1.0, 2.0]), "b": np.arange(6, dtype=np.int64).reshape(2, 3), "c": np.array([True]),
              "d": np.zeros((0, 2), np.float16), "e": plexus.tensor(np.uint8(7))}
    path = tmp_path / "values.safetensors"
    plexus.save(values, path, metadata={"epoch": 3})
    loaded = plexus.load(path)
    assert set(loaded) == set(values)
    for name, value in values.items():
        np.testing.assert_array_equal(loaded[name].numpy(), np.asarray(value))
        assert loaded[name].dtype == np.asarray(value).dtype
    from plexus.serialization import read_safetensors
    _, metadata = read_safetensors(path)
    assert metadata == {"producer": "plexus", "epoch": "3"}


def test_interop_with_the_safetensors_package(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "theirs.safetensors"
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "i": np.array([1, -2], np.int32)}
    safetensors_numpy.save_file(arrays, str(path))
    loaded = plexus.load(path)
    for name, array in arrays.items():
        np.testing.assert_array_equal(loaded[name].numpy(), array)
    mine = tmp_path / "mine.safetensors"
    plexus.save(loaded, mine)
    back = safetensors_numpy.load_file(str(mine))
    for name, array in arrays.items():
        np.testing.assert_array_equal(back[name], array)


def test_interop_with_the_c_checkpoints(tmp_path):
    layer = nn.Linear(3, 2)
    c_path = tmp_path / "c.safetensors"
    check(lib.plx_state_save(ctypes.c_void_p(layer.handle), str(c_path).encode()))
    loaded = plexus.load(c_path)
    np.testing.assert_array_equal(loaded["weight"].numpy(), layer.weight.numpy())
    other = nn.Linear(3, 2)
    python_path = tmp_path / "py.safetensors"
    plexus.save(layer, python_path)
    check(lib.plx_state_load(ctypes.c_void_p(other.handle), str(python_path).encode()))
    np.testing.assert_array_equal(other.weight.numpy(), layer.weight.numpy())


def test_errors(tmp_path):
    with pytest.raises(plexus.PlexusIOError):
        plexus.load(tmp_path / "missing.safetensors")
    with pytest.raises(OSError):
        plexus.save({"a": plexus.ones(1)}, tmp_path / "no" / "such" / "dir.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x05\x00")
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.load(bad)
    bad.write_bytes((100).to_bytes(8, "little") + b"{}")
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.load(bad)
    bad.write_bytes((4).to_bytes(8, "little") + b"nope")
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.load(bad)
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.save([1, 2], tmp_path / "list.safetensors")
    with pytest.raises(plexus.DTypeMismatchError):
        plexus.save({"s": np.array(["text"])}, tmp_path / "strings.safetensors")
