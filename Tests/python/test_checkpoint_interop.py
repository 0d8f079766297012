"""Checkpoints written by Plexus load with the `safetensors` package, and files written by
`safetensors` load into Plexus layers."""
import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

from plexus_c import PlexusError, check, lib, linear, parameters


def test_plexus_checkpoint_loads_in_safetensors(tmp_path):
    layer = linear(5, 3)
    path = tmp_path / "linear.safetensors"
    check(lib.plx_state_save(layer.handle, str(path).encode()))
    loaded = load_file(str(path))
    mine = parameters(layer)
    assert sorted(loaded) == ["bias", "weight"]
    for name, value in mine.items():
        assert loaded[name].dtype == np.float32
        np.testing.assert_array_equal(loaded[name], value)
    with safe_open(str(path), "np") as f:
        assert f.metadata() == {"producer": "plexus"}


def test_safetensors_file_loads_into_plexus(tmp_path):
    layer = linear(4, 2)
    rng = np.random.default_rng(0)
    new = {"weight": rng.standard_normal((2, 4)).astype(np.float32), "bias": np.array([0.5, -0.25], np.float32)}
    path = tmp_path / "from_python.safetensors"
    save_file(new, str(path), metadata={"format": "np"})
    check(lib.plx_state_load(layer.handle, str(path).encode()))
    for name, value in parameters(layer).items():
        np.testing.assert_array_equal(value, new[name])
    # Wrong shapes and missing entries are errors, not crashes.
    save_file({"weight": np.zeros((3, 4), np.float32), "bias": np.zeros(2, np.float32)}, str(path))
    with pytest.raises(PlexusError, match="weight"):
        check(lib.plx_state_load(layer.handle, str(path).encode()))
    save_file({"weight": np.zeros((2, 4), np.float32)}, str(path))
    with pytest.raises(PlexusError, match="missing"):
        check(lib.plx_state_load(layer.handle, str(path).encode()))
