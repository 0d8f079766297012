/*
 * plexus_openblas.h - the OpenBLAS functions the openblas plugin calls, reached through dlopen
 * so the library can be told which CPU kernels to use before it initialises (see
 * plx_openblas_load). Internal to the plugin; not part of Plexus's ABI.
 */
#ifndef PLEXUS_OPENBLAS_H
#define PLEXUS_OPENBLAS_H

#include <stddef.h>

/**
 * Loads libopenblas.so.0 once per process and resolves the functions below. On a CPU with
 * AVX-512 (F, CD, BW, DQ, VL), and unless OPENBLAS_CORETYPE is set (non-empty), it asks OpenBLAS for
 * its SkylakeX kernels: Debian's 0.3.21 predates Zen 4/5 and would pick its AVX2 (Haswell)
 * kernels there, at about 60% of the speed. The variable is set only around the dlopen call.
 * Returns 0, or -1 with a message in `error` (`size` bytes). Thread-safe.
 */
int plx_openblas_load(char *error, size_t size);

/** The kernel set OpenBLAS chose ("SkylakeX", "Haswell", …), after a successful load. */
const char *plx_openblas_core(void);

/**
 * 1 when this CPU has AVX-512 but OpenBLAS runs kernels without it (Haswell's, say, because
 * OPENBLAS_CORETYPE asks for them): then the CPU backend's own AVX-512 float32 GEMM is faster.
 */
int plx_openblas_lacks_avx512(void);

/** Row-major C[m×n] = alpha·op(A)·op(B) + beta·C (cblas_sgemm / cblas_dgemm). */
void plx_openblas_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc);
void plx_openblas_dgemm(int trans_a, int trans_b, int m, int n, int k, double alpha, const double *a, int lda,
                        const double *b, int ldb, double beta, double *c, int ldc);

/** Row-major y = alpha·op(A)·x + beta·y with A [rows×columns] (cblas_sgemv / cblas_dgemv). */
void plx_openblas_sgemv(int trans, int rows, int columns, float alpha, const float *a, int lda, const float *x,
                        float beta, float *y);
void plx_openblas_dgemv(int trans, int rows, int columns, double alpha, const double *a, int lda, const double *x,
                        double beta, double *y);

#endif
