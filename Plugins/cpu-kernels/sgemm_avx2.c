// AVX2 + FMA float32 GEMM micro-kernel: 6 rows × 16 columns of C live in 12 ymm accumulators
// while k runs; each step loads two vectors of a B row and broadcasts one A element per row.
#include "plexus_cpu_kernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

int plx_cpu_avx2_available(void) {
    static int cached = -1;  // atomic: C callers may ask from several threads at once
    int answer = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);
    if (answer < 0) {
        const char *portable = getenv("PLEXUS_CPU_PORTABLE");
        __builtin_cpu_init();
        answer = !(portable && strcmp(portable, "0") != 0) && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        __atomic_store_n(&cached, answer, __ATOMIC_RELEASE);
    }
    return answer;
}

#define KERNEL __attribute__((target("avx2,fma")))

/// The six row pointers' element p; rows past `rows` repeat row 0 (computed, never stored).
#define A_AT(row, p) (a + (row) * a_row_stride + (p) * a_column_stride)

/// Stores `rows` rows of accumulators (`vectors` ymm registers per row) at column j of C.
KERNEL static void store_rows(float *c, size_t ldc, size_t rows, size_t j, const __m256 *acc, int vectors) {
    for (size_t i = 0; i < rows; i++)
        for (int v = 0; v < vectors; v++) _mm256_storeu_ps(c + i * ldc + j + 8 * v, acc[i * vectors + v]);
}

KERNEL size_t plx_cpu_sgemm_rows_avx2(const float *a, size_t a_row_stride, size_t a_column_stride,
                                      const float *b, size_t ldb, float *c, size_t ldc,
                                      size_t rows, size_t n, size_t k) {
    if (rows == 0 || rows > PLX_CPU_SGEMM_AVX2_ROWS) return 0;
    const size_t r1 = rows > 1 ? 1 : 0, r2 = rows > 2 ? 2 : 0, r3 = rows > 3 ? 3 : 0;
    const size_t r4 = rows > 4 ? 4 : 0, r5 = rows > 5 ? 5 : 0;
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (size_t p = 0; p < k; p++) {
            const __m256 b0 = _mm256_loadu_ps(b + p * ldb + j), b1 = _mm256_loadu_ps(b + p * ldb + j + 8);
            __m256 x = _mm256_broadcast_ss(A_AT(0, p));
            c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
            x = _mm256_broadcast_ss(A_AT(r1, p));
            c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
            x = _mm256_broadcast_ss(A_AT(r2, p));
            c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
            x = _mm256_broadcast_ss(A_AT(r3, p));
            c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
            x = _mm256_broadcast_ss(A_AT(r4, p));
            c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
            x = _mm256_broadcast_ss(A_AT(r5, p));
            c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
        }
        const __m256 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
        store_rows(c, ldc, rows, j, acc, 2);
    }
    for (; j + 8 <= n; j += 8) {
        __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        for (size_t p = 0; p < k; p++) {
            const __m256 b0 = _mm256_loadu_ps(b + p * ldb + j);
            c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(A_AT(0, p)), b0, c0);
            c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(A_AT(r1, p)), b0, c1);
            c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(A_AT(r2, p)), b0, c2);
            c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(A_AT(r3, p)), b0, c3);
            c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(A_AT(r4, p)), b0, c4);
            c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(A_AT(r5, p)), b0, c5);
        }
        const __m256 acc[6] = {c0, c1, c2, c3, c4, c5};
        store_rows(c, ldc, rows, j, acc, 1);
    }
    return j;
}

#else

int plx_cpu_avx2_available(void) { return 0; }

size_t plx_cpu_sgemm_rows_avx2(const float *a, size_t a_row_stride, size_t a_column_stride,
                               const float *b, size_t ldb, float *c, size_t ldc, size_t rows, size_t n, size_t k) {
    (void)a; (void)a_row_stride; (void)a_column_stride; (void)b; (void)ldb; (void)c; (void)ldc; (void)rows; (void)n; (void)k;
    return 0;
}

#endif
