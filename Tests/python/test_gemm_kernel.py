"""The CPU backend's float32 GEMM paths (pinned to the CPU backend, since OpenBLAS is preferred
when loaded) against numpy on shapes that reach every branch: row blocks that do not fill the
12-row (AVX-512), 6-row (AVX2) or 4-row (portable) tile, the 4- and 1-row AVX-512 kernels, column
panels (k large enough that B is split), 32-, 16- and 8-wide column tiles with masked or scalar
remainders, transposed operands, and both threads. Subprocesses repeat them with the AVX2
kernel (PLEXUS_CPU_ISA=avx2) and the portable Swift kernel (PLEXUS_CPU_PORTABLE=1)."""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from plexus_c import backends, op

RNG = np.random.default_rng(11)
SHAPES = [(1, 1, 1), (5, 3, 7), (13, 600, 203), (6, 64, 24), (31, 1100, 45), (64, 9, 300), (1, 256, 1000),
          (3, 50, 33), (12, 64, 48), (25, 600, 517), (4, 7, 15), (2, 300, 17)]


@pytest.mark.parametrize("m, k, n", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_matches_numpy(m, k, n, dtype):
    a, b = RNG.standard_normal((m, k)).astype(dtype), RNG.standard_normal((k, n)).astype(dtype)
    with backends("cpu"):
        got = op("MatMul", [a, b])[0].numpy()
    np.testing.assert_allclose(got, a @ b, rtol=1e-4, atol=1e-4 * np.sqrt(k))


@pytest.mark.parametrize("trans_a, trans_b", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_gemm_transposes_match_numpy(trans_a, trans_b):
    m, k, n = 19, 700, 130
    a = RNG.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = RNG.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    c = RNG.standard_normal((n,)).astype(np.float32)
    expected = (a.T if trans_a else a) @ (b.T if trans_b else b) + c
    with backends("cpu"):
        got = op("Gemm", [a, b, c], {"transA": trans_a, "transB": trans_b})[0].numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("setting", [{"PLEXUS_CPU_ISA": "avx2"}, {"PLEXUS_CPU_PORTABLE": "1"}], ids=["avx2", "portable"])
def test_the_other_kernels_match_numpy_too(setting):
    here = pathlib.Path(__file__).resolve().parent
    script = ("import numpy as np; from plexus_c import op; rng = np.random.default_rng(2)\n"
              f"for m, k, n in {SHAPES!r}:\n"
              "    a, b = rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32)\n"
              "    np.testing.assert_allclose(op('MatMul', [a, b])[0].numpy(), a @ b, rtol=1e-4, atol=1e-3)\n"
              "    np.testing.assert_allclose(op('Gemm', [a.T.copy(), b], {'transA': 1})[0].numpy(), a @ b, rtol=1e-4, atol=1e-3)\n"
              "    np.testing.assert_allclose(op('Gemm', [a, b.T.copy()], {'transB': 1})[0].numpy(), a @ b, rtol=1e-4, atol=1e-3)\n"
              f"for k, n in {FEW_ROWS_SHAPES!r}:\n"  # the dot products of B's rows (Gemm with transB, few rows)
              "    a, b = rng.standard_normal((2, k), np.float32), rng.standard_normal((n, k), np.float32)\n"
              "    np.testing.assert_allclose(op('Gemm', [a, b], {'transB': 1})[0].numpy(), a @ b.T, rtol=1e-4, atol=1e-3)\n")
    environment = {**os.environ, "PLEXUS_BACKENDS": "cpu", **setting}
    result = subprocess.run([sys.executable, "-c", script], cwd=here, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# k with and without a partial vector; n with rows of B left after the groups of four, and
# enough of them (1000 × 1024, a classifier) to be split between threads
FEW_ROWS_SHAPES = [(37, 21), (1024, 1000), (48, 7), (5, 3)]


@pytest.mark.parametrize("m", [1, 5, 8, 9])  # up to 8 rows take dot products of B's rows
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, n", FEW_ROWS_SHAPES)
def test_gemm_with_transposed_b_and_few_rows(m, dtype, k, n):
    a, b, c = RNG.standard_normal((m, k)).astype(dtype), RNG.standard_normal((n, k)).astype(dtype), RNG.standard_normal(n).astype(dtype)
    with backends("cpu"):
        got = op("Gemm", [a, b, c], {"transB": 1, "alpha": 0.5, "beta": 2.0})[0].numpy()
    np.testing.assert_allclose(got, 0.5 * a @ b.T + 2 * c, rtol=1e-5, atol=1e-5 * np.sqrt(k))


def test_integer_gemm_with_transposed_b_and_few_rows():
    """Integers take the general path (the dot-product shortcut is for floats only)."""
    a, b = RNG.integers(-5, 5, (3, 7)).astype(np.int32), RNG.integers(-5, 5, (4, 7)).astype(np.int32)
    with backends("cpu"):
        got = op("Gemm", [a, b], {"transB": 1})[0].numpy()
    np.testing.assert_array_equal(got, a @ b.T)
