"""The specialised elementwise loops: Add/Sub/Mul/Div over every broadcast layout the inner loop
distinguishes (both contiguous, a scalar on either side, strided) and dtype, and float32 Erf's
rational approximation against math.erf on a dense grid and at the special values."""
import math

import numpy as np
import pytest

from plexus_c import op

RNG = np.random.default_rng(4)
LAYOUTS = [((4, 5), (4, 5)), ((4, 5), (5,)), ((4, 5), (1,)), ((1,), (4, 5)), ((4, 1), (4, 5)), ((4, 5), (4, 1)),
           ((3, 1, 5), (1, 4, 1)), ((), (2, 3)), ((2, 3), ())]


@pytest.mark.parametrize("name,reference", [("Add", np.add), ("Sub", np.subtract), ("Mul", np.multiply), ("Div", np.divide)])
@pytest.mark.parametrize("shapes", LAYOUTS, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_arithmetic_matches_numpy_for_every_layout(name, reference, shapes, dtype):
    a, b = (RNG.uniform(1, 9, s).astype(dtype) for s in shapes)
    got = op(name, [a, b])[0].numpy()
    want = (a // b if dtype in (np.int32, np.int64) and name == "Div" else reference(a, b)).astype(dtype)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_float32_erf_is_within_4e7_of_the_exact_value():
    x = np.concatenate([np.linspace(-6, 6, 120001), [0.0, -0.0, 1e-30, -1e-30, 3.9999, 4.0001]]).astype(np.float32)
    got = op("Erf", [x])[0].numpy().astype(np.float64)
    exact = np.array([math.erf(v) for v in x.astype(np.float64)])
    assert np.max(np.abs(got - exact)) < 4e-7
    tiny = np.abs(x) < 1e-3
    np.testing.assert_allclose(got[tiny], exact[tiny], rtol=1e-6)  # relative accuracy near zero
    special = op("Erf", [np.float32([np.inf, -np.inf, np.nan])])[0].numpy()
    assert special[0] == 1 and special[1] == -1 and np.isnan(special[2])
