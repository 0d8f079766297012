"""DLPack round trips with numpy (≥ 1.22) and, when available, PyTorch."""
import gc
import os
import subprocess
import sys
import textwrap
import weakref

import numpy as np
import pytest

import plexus
from conftest import PACKAGE_ROOT

DTYPES = [np.float32, np.float64, np.float16, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
          np.uint64, np.bool_]


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_round_trip_is_zero_copy(dtype):
    source = (np.arange(12) % 2).astype(dtype).reshape(3, 4)
    t = plexus.from_dlpack(source)
    assert t.dtype == np.dtype(dtype) and t.shape == (3, 4) and t.data_ptr() == source.ctypes.data
    back = np.from_dlpack(t)
    assert back.dtype == np.dtype(dtype) and np.shares_memory(back, source)
    np.testing.assert_array_equal(back, source)


def test_writes_are_visible_through_dlpack():
    source = np.zeros(4, np.float32)
    t = plexus.from_dlpack(source)
    source[1] = 5
    assert t.tolist() == [0, 5, 0, 0]
    exported = np.from_dlpack(plexus.tensor([1.0, 2.0]))
    exported[0] = 9  # numpy marks DLPack imports writable when the capsule is not read-only
    assert exported.tolist() == [9, 2]


def test_lifetimes_follow_the_deleters():
    source = np.ones(8, np.float64)
    watcher = weakref.ref(source)
    t = plexus.from_dlpack(source)
    del source
    gc.collect()
    assert watcher() is not None and t.sum().item() == 8
    del t
    gc.collect()
    assert watcher() is None
    t = plexus.tensor([3.0])
    tensor_watcher = weakref.ref(t)
    array = np.from_dlpack(t)
    del t
    gc.collect()
    assert tensor_watcher() is not None and array[0] == 3
    del array
    gc.collect()
    assert tensor_watcher() is None


def test_strided_sources_are_copied():
    source = np.arange(12, dtype=np.float32).reshape(3, 4)[:, 1::2]
    t = plexus.from_dlpack(source)
    np.testing.assert_array_equal(t.numpy(), source)
    assert not np.shares_memory(t.numpy(), source)
    transposed = plexus.from_dlpack(np.arange(6, dtype=np.int64).reshape(2, 3).T)
    assert transposed.tolist() == [[0, 3], [1, 4], [2, 5]]


def test_read_only_sources_are_copied():
    source = np.arange(3, dtype=np.float64)
    source.setflags(write=False)
    t = plexus.from_dlpack(source)
    assert t.tolist() == [0.0, 1.0, 2.0] and not np.shares_memory(t.numpy(), source)


def test_capsules_legacy_and_versioned():
    t = plexus.tensor([1.0, 2.0])
    legacy = t.__dlpack__()
    versioned = t.__dlpack__(max_version=(1, 0))
    assert "dltensor" in repr(legacy) and "dltensor_versioned" in repr(versioned)
    assert plexus.from_dlpack(legacy).tolist() == [1.0, 2.0]
    assert plexus.from_dlpack(versioned).tolist() == [1.0, 2.0]
    assert t.__dlpack_device__() == (1, 0)
    copied = np.from_dlpack(t, copy=True)
    assert not np.shares_memory(copied, t.numpy())
    unused = t.__dlpack__()  # a capsule nobody consumes frees its reference when collected
    del unused
    gc.collect()
    with pytest.raises(BufferError):
        t.__dlpack__(dl_device=(2, 0))
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.from_dlpack(legacy)  # already consumed
    with pytest.raises(plexus.InvalidArgumentError):
        plexus.from_dlpack(object())
    with pytest.raises(plexus.DTypeMismatchError):
        plexus.tensor(np.array(["a"])).__dlpack__()


def test_empty_tensors():
    t = plexus.from_dlpack(np.zeros((0, 3), np.float32))
    assert t.shape == (0, 3)
    assert np.from_dlpack(plexus.zeros(0)).shape == (0,)


TORCH_SCRIPT = textwrap.dedent("""
    import numpy as np, torch, plexus
    source = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = plexus.from_dlpack(source)
    assert t.data_ptr() == source.data_ptr() and t.tolist() == source.tolist()
    source[0, 0] = 42
    assert t.tolist()[0][0] == 42
    back = torch.from_dlpack(t)
    assert back.data_ptr() == t.data_ptr() and back.dtype == torch.float32
    back[1, 1] = -1
    assert t.tolist()[1][1] == -1
    for dtype in (torch.float64, torch.int64, torch.int32, torch.uint8, torch.bool, torch.float16, torch.bfloat16):
        x = torch.ones(3, dtype=dtype)
        assert torch.equal(torch.from_dlpack(plexus.from_dlpack(x)), x)
    strided = torch.arange(12).reshape(3, 4)[:, ::2]
    assert plexus.from_dlpack(strided).tolist() == strided.tolist()
    print("torch ok")
""")


def test_torch_round_trip():
    """Runs in this interpreter when torch is importable, else in $PLEXUS_TORCH_PYTHON if set."""
    try:
        import torch  # noqa: F401
        interpreter = sys.executable
    except ImportError:
        interpreter = os.environ.get("PLEXUS_TORCH_PYTHON")
        if not interpreter:
            pytest.skip("torch is not installed (set PLEXUS_TORCH_PYTHON to an interpreter that has it)")
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([interpreter, "-c", TORCH_SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "torch ok" in result.stdout
