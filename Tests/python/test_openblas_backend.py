"""The OpenBLAS backend: its MatMul and Gemm kernels against numpy over shapes that exercise
1-D promotion, broadcast and folded batches, transposes, gemv rows and every bias layout (in
float64, which always reaches OpenBLAS, and float32, which it takes unless the CPU backend's
AVX-512 kernel is faster); dispatch (preferred when loaded, other dtypes fall through to the CPU
backend, which can be chosen instead); and a training step that matches the CPU backend's
through the backward pass."""
import ctypes
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from plexus_c import Layer, PlexusError, Tensor, backends, check, lib, op

RNG = np.random.default_rng(11)
ROOT = pathlib.Path(__file__).resolve().parents[2]


MATMUL_SHAPES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
                 ((2, 1, 3, 4), (5, 4, 2)), ((2, 3, 4), (2, 4, 5)), ((1, 2, 3, 4), (2, 4, 6)), ((2, 3, 4), (1, 4, 5)),
                 ((1, 3, 4), (2, 4, 5)), ((0, 3, 4), (4, 5)), ((3, 0), (0, 5)), ((2, 64, 96), (96, 80)),
                 ((1, 4), (4, 5)), ((3, 1, 4), (3, 4, 5)), ((1, 1, 4), (4, 7)), ((2, 1, 4), (1, 4, 6))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_matches_numpy(shapes, dtype):
    a, b = (RNG.standard_normal(s).astype(dtype) for s in shapes)
    with backends("openblas"):
        got = op("MatMul", [a, b])[0].numpy()
    assert got.shape == (a @ b).shape and got.dtype == dtype
    np.testing.assert_allclose(got, a @ b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("trans_a", [0, 1])
@pytest.mark.parametrize("trans_b", [0, 1])
@pytest.mark.parametrize("bias", [None, (), (5,), (1, 5), ("m", 1), ("m", 5)], ids=str)
@pytest.mark.parametrize("m", [3, 1])  # one row goes through gemv
@pytest.mark.parametrize("alpha", [0.5, 1.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])  # float64 always reaches OpenBLAS
def test_gemm_matches_numpy(trans_a, trans_b, bias, m, alpha, dtype):
    a = RNG.standard_normal((4, m) if trans_a else (m, 4)).astype(dtype)
    b = RNG.standard_normal((5, 4) if trans_b else (4, 5)).astype(dtype)
    bias = None if bias is None else tuple(m if d == "m" else d for d in bias)
    inputs = [a, b] + ([] if bias is None else [RNG.standard_normal(bias).astype(dtype)])
    with backends("openblas"):
        got = op("Gemm", inputs, {"transA": trans_a, "transB": trans_b, "alpha": alpha, "beta": 2.0})[0].numpy()
    want = alpha * ((a.T if trans_a else a) @ (b.T if trans_b else b)) + (0 if bias is None else 2.0 * inputs[2])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_gemm_with_an_empty_inner_dimension_is_beta_times_c():
    c = RNG.standard_normal((3, 5))
    with backends("openblas"):
        got = op("Gemm", [np.zeros((3, 0)), np.zeros((0, 5)), c], {"beta": 3.0})[0].numpy()
    np.testing.assert_allclose(got, 3 * c)


def test_openblas_is_preferred_and_names_itself_in_errors():
    with pytest.raises(PlexusError, match=r"openblas kernel.*inner dimensions"):
        op("MatMul", [np.zeros((2, 3)), np.zeros((4, 5))])
    with pytest.raises(PlexusError, match=r"openblas kernel.*does not broadcast"):
        op("Gemm", [np.zeros((2, 3)), np.zeros((3, 4)), np.zeros((3, 4))])
    with backends("cpu"), pytest.raises(PlexusError, match=r"cpu kernel"):
        op("MatMul", [np.zeros((2, 3)), np.zeros((4, 5))])


def test_float32_goes_to_the_faster_gemm():
    """On an AVX-512 CPU where OpenBLAS runs narrower kernels (OPENBLAS_CORETYPE=Haswell, say)
    the CPU backend's AVX-512 GEMM takes float32; elsewhere OpenBLAS does."""
    plugin = ctypes.CDLL(str(ROOT / ".build/release/libplexus-openblas.so"))
    expected = "cpu" if plugin.plx_openblas_lacks_avx512() else "openblas"
    with pytest.raises(PlexusError, match=f"{expected} kernel"):
        op("MatMul", [np.zeros((2, 3), np.float32), np.zeros((4, 5), np.float32)])


@pytest.mark.parametrize("core, backend", [("Haswell", "cpu"), ("SkylakeX", "openblas")])
def test_the_choice_follows_the_openblas_kernels(core, backend):
    if not has_avx512():
        pytest.skip("the CPU has no AVX-512, so OpenBLAS always takes float32")
    script = ("import numpy as np; from plexus_c import op, PlexusError\n"
              "try: op('MatMul', [np.zeros((2, 3), np.float32), np.zeros((4, 5), np.float32)])\n"
              "except PlexusError as error: print(error)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT / "Tests/python", capture_output=True, text=True,
                            env={**os.environ, "OPENBLAS_CORETYPE": core}, timeout=60)
    assert f"{backend} kernel" in result.stdout, result.stdout + result.stderr


def has_avx512():
    with open("/proc/cpuinfo") as cpuinfo:
        return " avx512f " in cpuinfo.read().replace("\n", " ")


def test_other_dtypes_fall_through_to_the_cpu_backend():
    a, b = RNG.integers(-5, 5, (3, 4)).astype(np.int32), RNG.integers(-5, 5, (4, 2)).astype(np.int32)
    np.testing.assert_array_equal(op("MatMul", [a, b])[0].numpy(), a @ b)


@pytest.mark.parametrize("threads", [1, 2])
def test_results_do_not_depend_on_the_thread_setting(threads):
    a, b = RNG.standard_normal((3, 200, 300)), RNG.standard_normal((300, 150))
    check(lib.plx_set_num_threads(threads))
    try:
        np.testing.assert_allclose(op("MatMul", [a, b])[0].numpy(), a @ b, rtol=1e-4, atol=1e-4)
    finally:
        check(lib.plx_set_num_threads(0))


@pytest.mark.parametrize("trans_a", [0, 1])
@pytest.mark.parametrize("trans_b", [0, 1])
@pytest.mark.parametrize("m,n,k", [(203, 77, 190), (61, 333, 170), (8, 1000, 300)], ids=str)
def test_large_gemm_slices_across_threads_match_numpy(m, n, k, trans_a, trans_b):
    """Products past 2^21 multiply-adds are cut into one slice per thread: rows when C is taller,
    columns when wider, with sizes that leave partial 8-row / 16-column blocks."""
    a = RNG.standard_normal((k, m) if trans_a else (m, k))
    b = RNG.standard_normal((n, k) if trans_b else (k, n))
    c = RNG.standard_normal(n)
    want = 0.5 * (a.T if trans_a else a) @ (b.T if trans_b else b) + 2.0 * c
    attributes = {"transA": trans_a, "transB": trans_b, "alpha": 0.5, "beta": 2.0}
    for threads in (2, 3):
        check(lib.plx_set_num_threads(threads))
        try:
            with backends("openblas"):
                got = op("Gemm", [a, b, c], attributes)[0].numpy()
                single = op("MatMul", [a.T if trans_a else a, b.T if trans_b else b])[0].numpy()
        finally:
            check(lib.plx_set_num_threads(0))
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(single, (a.T if trans_a else a) @ (b.T if trans_b else b), rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("trans_b", [0, 1])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_large_matrix_vector_products_slice_across_threads_match_numpy(trans_b, dtype):
    """One row times a matrix of at least 2^18 elements is cut into slices of the output (whole
    16-output blocks; 1000 leaves a partial one) — rows of B when transposed, columns otherwise:
    Gemm with bias and beta (a classifier), and MatMul from a vector and from a one-row matrix."""
    x = RNG.standard_normal((1, 700)).astype(dtype)
    b = RNG.standard_normal((1000, 700) if trans_b else (700, 1000)).astype(dtype)
    c = RNG.standard_normal(1000).astype(dtype)
    weights = b.T if trans_b else b
    tolerance = 1e-10 if dtype == np.float64 else 2e-4
    for threads in (2, 3):
        check(lib.plx_set_num_threads(threads))
        try:
            with backends("openblas"):
                got = op("Gemm", [x, b, c], {"transB": trans_b, "beta": 0.5})[0].numpy()
                vector = op("MatMul", [x[0], np.ascontiguousarray(weights)])[0].numpy()
                row = op("MatMul", [x, np.ascontiguousarray(weights)])[0].numpy()
        finally:
            check(lib.plx_set_num_threads(0))
        np.testing.assert_allclose(got, x @ weights + 0.5 * c, rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(vector, x[0] @ weights, rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(row, x @ weights, rtol=tolerance, atol=tolerance)


def test_batched_products_split_across_threads_match_numpy():
    """Attention-shaped batches, each product its own OpenBLAS call on some thread."""
    q, keys = RNG.standard_normal((12, 128, 64)), RNG.standard_normal((12, 64, 128))
    check(lib.plx_set_num_threads(2))
    try:
        with backends("openblas"):
            got = op("MatMul", [q, keys])[0].numpy()
    finally:
        check(lib.plx_set_num_threads(0))
    np.testing.assert_allclose(got, q @ keys, rtol=1e-10, atol=1e-9)


def training_step(order):
    """One forward/backward of a conv + linear stack on fixed data; returns loss and gradients."""
    lib.plx_manual_seed(5)
    with backends(order):
        model = Layer.sequential([Layer("Conv2d", {"in_channels": 2, "out_channels": 4, "kernel_size": 3}), Layer("ReLU"),
                                  Layer("Flatten"), Layer("Linear", {"in_features": 4 * 6 * 6, "out_features": 3})])
        x = Tensor.of(np.random.default_rng(1).standard_normal((5, 2, 8, 8)).astype(np.float32))
        out = model(x)
        out.backward(Tensor.of(np.ones((5, 3), np.float32)))
        return out.numpy(), [tensor.grad for _, tensor in model.parameters()]


def test_a_training_step_matches_the_cpu_backend():
    out_blas, grads_blas = training_step("openblas,cpu")
    out_cpu, grads_cpu = training_step("cpu")
    np.testing.assert_allclose(out_blas, out_cpu, rtol=1e-4, atol=1e-5)
    for g_blas, g_cpu in zip(grads_blas, grads_cpu):
        np.testing.assert_allclose(g_blas, g_cpu, rtol=1e-4, atol=1e-4)
