"""copy.copy, copy.deepcopy and pickle of Tensors: each object owns its own reference to the C
tensor (copying the raw handle into a second object released it twice and crashed)."""
import copy
import pickle

import numpy as np

import plexus
from plexus import nn


def test_copy_is_an_alias_with_its_own_reference():
    t = plexus.tensor([1.0, 2.0])
    alias = copy.copy(t)
    assert alias is not t and alias.data_ptr() == t.data_ptr()
    del t
    assert alias.tolist() == [1.0, 2.0]  # still alive after the original went


def test_deepcopy_and_pickle_copy_the_elements():
    for original in [plexus.tensor([1.0, 2.0], requires_grad=True), plexus.tensor(np.array([3, 4], np.int32)),
                     plexus.tensor(np.array(["a", "bc"])), nn.Parameter(plexus.ones(2))]:
        for copied in [copy.deepcopy(original), pickle.loads(pickle.dumps(original))]:
            assert type(copied) is type(original) and copied.dtype == original.dtype
            assert copied.tolist() == original.tolist() and copied.requires_grad == original.requires_grad
            if original.dtype != plexus.string:
                assert copied.data_ptr() != original.data_ptr()
    pair = [plexus.ones(2)] * 2
    copied_pair = copy.deepcopy(pair)
    assert copied_pair[0] is copied_pair[1]  # the memo keeps shared references shared
