"""The float32 GEMM paths against numpy on shapes that reach every branch: row blocks that do
not fill the 6-row (AVX2) or 4-row tile, column panels (k large enough that B is split), 16-
and 8-wide column tiles with a scalar remainder, transposed operands, and both threads."""
import numpy as np
import pytest

from plexus_c import op

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("m, k, n", [(1, 1, 1), (5, 3, 7), (13, 600, 203), (6, 64, 24), (31, 1100, 45), (64, 9, 300)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_matches_numpy(m, k, n, dtype):
    a, b = RNG.standard_normal((m, k)).astype(dtype), RNG.standard_normal((k, n)).astype(dtype)
    np.testing.assert_allclose(op("MatMul", [a, b])[0].numpy(), a @ b, rtol=1e-4, atol=1e-4 * np.sqrt(k))


@pytest.mark.parametrize("trans_a, trans_b", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_gemm_transposes_match_numpy(trans_a, trans_b):
    m, k, n = 19, 700, 130
    a = RNG.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = RNG.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    c = RNG.standard_normal((n,)).astype(np.float32)
    expected = (a.T if trans_a else a) @ (b.T if trans_b else b) + c
    got = op("Gemm", [a, b, c], {"transA": trans_a, "transB": trans_b})[0].numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)


def test_portable_kernel_matches_numpy_too():
    """PLEXUS_CPU_PORTABLE=1 turns the AVX2 kernel off, so the Swift 4 x 8 kernel runs."""
    import os
    import pathlib
    import subprocess
    import sys

    here = pathlib.Path(__file__).resolve().parent
    script = ("import numpy as np; from plexus_c import op; rng = np.random.default_rng(2)\n"
              "for m, k, n in [(5, 3, 7), (13, 600, 203), (31, 70, 45)]:\n"
              "    a, b = rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32)\n"
              "    np.testing.assert_allclose(op('MatMul', [a, b])[0].numpy(), a @ b, rtol=1e-4, atol=1e-3)\n"
              "    np.testing.assert_allclose(op('Gemm', [a.T.copy(), b], {'transA': 1})[0].numpy(), a @ b, rtol=1e-4, atol=1e-3)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=here, env={**os.environ, "PLEXUS_CPU_PORTABLE": "1"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
