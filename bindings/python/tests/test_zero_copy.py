"""Zero-copy rules: from_numpy shares memory (or documents a copy), numpy() views share
memory and keep the tensor alive, writes are visible both ways."""
import gc
import weakref

import numpy as np

import plexus


def test_from_numpy_shares_memory_both_ways():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = plexus.from_numpy(array)
    assert t.data_ptr() == array.ctypes.data
    array[0, 0] = 42
    assert t.tolist()[0][0] == 42
    t.numpy()[1, 2] = -1
    assert array[1, 2] == -1
    with plexus.no_grad():
        t += 1
    assert array[0, 0] == 43
    assert (t * 2).numpy()[0, 0] == 86  # ops read the shared memory


def test_from_numpy_keeps_the_array_alive():
    array = np.ones(1000, dtype=np.float64)
    watcher = weakref.ref(array)
    t = plexus.from_numpy(array)
    del array
    gc.collect()
    assert watcher() is not None and t.sum().item() == 1000
    del t
    gc.collect()
    assert watcher() is None  # the deleter gave the array back when Plexus dropped the tensor


def test_from_numpy_copies_when_it_cannot_share():
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    strided = base[:, ::2]
    read_only = np.arange(3, dtype=np.int64)
    read_only.setflags(write=False)
    big_endian = np.arange(3, dtype=">i4")
    for array in (strided, read_only, big_endian, base.T):
        t = plexus.from_numpy(array)
        np.testing.assert_array_equal(t.numpy(), array)
        assert not np.shares_memory(t.numpy(), array)
    assert plexus.from_numpy(big_endian).dtype == plexus.int32
    assert plexus.from_numpy(np.array(["x", "y"])).tolist() == ["x", "y"]


def test_numpy_view_shares_memory_and_keeps_tensor_alive():
    t = plexus.tensor([1.0, 2.0, 3.0])
    view = t.numpy()
    assert view.ctypes.data == t.data_ptr() and view.flags.writeable
    watcher = weakref.ref(t)
    del t
    gc.collect()
    assert watcher() is not None  # the view holds the tensor
    view[0] = 7
    assert watcher().tolist()[0] == 7
    del view
    gc.collect()
    assert watcher() is None


def test_array_protocol():
    t = plexus.tensor([[1, 2], [3, 4]], dtype="int32")
    as_array = np.asarray(t)
    assert as_array.dtype == np.int32 and np.shares_memory(as_array, t.numpy())
    assert np.array(t, dtype=np.float64).dtype == np.float64
    assert not np.shares_memory(np.array(t, copy=True), t.numpy())
    summed = np.array([1, 1], np.int32) + t  # numpy defers to Tensor.__radd__
    assert isinstance(summed, plexus.Tensor) and summed.tolist() == [[2, 3], [4, 5]]
    assert plexus.tensor(np.zeros((0,), np.float32)).numpy().shape == (0,)


def test_as_tensor_shares_when_it_can():
    array = np.zeros(3, np.float32)
    assert np.shares_memory(plexus.as_tensor(array).numpy(), array)
    assert plexus.as_tensor(array, dtype="float64").dtype == plexus.float64
    t = plexus.ones(2)
    assert plexus.as_tensor(t) is t and plexus.as_tensor([1, 2]).tolist() == [1, 2]
