"""The specialised elementwise loops: Add/Sub/Mul/Div over every broadcast layout the inner loop
distinguishes (both contiguous, a scalar on either side, strided) and dtype, and float32 Erf's
rational approximation against math.erf on a dense grid and at the special values."""
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from plexus_c import op

HERE = pathlib.Path(__file__).resolve().parent
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


def check_float32_erf():
    x = np.concatenate([np.linspace(-6, 6, 120001), [0.0, -0.0, 1e-30, -1e-30, 3.9999, 4.0001]]).astype(np.float32)
    got = op("Erf", [x])[0].numpy().astype(np.float64)
    exact = np.array([math.erf(v) for v in x.astype(np.float64)])
    assert np.max(np.abs(got - exact)) < 4e-7
    tiny = np.abs(x) < 1e-3
    np.testing.assert_allclose(got[tiny], exact[tiny], rtol=1e-6)  # relative accuracy near zero
    # The special values in the vector lanes (the first 32) and in the scalar tail (the last 3).
    special = np.float32([np.inf, -np.inf, np.nan, -0.0] * 8 + [np.inf, -np.inf, np.nan])
    got = op("Erf", [special])[0].numpy()
    for i in range(0, len(special), 4):
        assert got[i] == 1 and got[i + 1] == -1 and np.isnan(got[i + 2])
        assert i + 3 >= len(special) or (got[i + 3] == 0 and np.signbit(got[i + 3]))


def test_float32_erf_is_within_4e7_of_the_exact_value():
    check_float32_erf()


@pytest.mark.parametrize("isa", [{"PLEXUS_CPU_ISA": "avx2"}, {"PLEXUS_CPU_PORTABLE": "1"}], ids=["avx2", "portable"])
def test_float32_erf_on_the_other_instruction_sets(isa):
    """plx_cpu_erf's AVX2 lanes and its portable loop keep the same accuracy and special values."""
    script = "import sys; sys.path.insert(0, %r)\nfrom test_elementwise_fast_paths import check_float32_erf\ncheck_float32_erf()\n" % str(HERE)
    result = subprocess.run([sys.executable, "-c", script], cwd=HERE, env={**os.environ, **isa}, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
