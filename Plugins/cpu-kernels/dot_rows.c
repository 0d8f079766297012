// Float32 products of few rows against rows: C[i, j] = A[i, :] · B[j, :], the shape of a Linear
// layer (Gemm with transB) run on a batch of one, where B — the weights, megabytes — streams from
// memory once and every output is one long dot product. Four rows of B at a time, each into its
// own accumulator (one chain would wait on the adder's latency at every step), for every row of A
// while those four rows are in L1.
#include "plexus_cpu_kernels.h"

/// The portable loop, and the rows the vector kernels leave.
static void dot_rows_portable(const float *a, size_t m, const float *b, size_t j0, size_t n, size_t k, float *c, size_t ldc) {
    for (size_t j = j0; j < n; j++)
        for (size_t i = 0; i < m; i++) {
            float sum = 0;
            for (size_t p = 0; p < k; p++) sum += a[i * k + p] * b[j * k + p];
            c[i * ldc + j] = sum;
        }
}

#if defined(__x86_64__)
#include <immintrin.h>

/// Four rows of B (j ... j + 3) against every row of A, sixteen lanes at a time; returns the rows done.
__attribute__((target("avx512f"))) static size_t dot_rows_avx512(const float *a, size_t m, const float *b, size_t n, size_t k,
                                                                 float *c, size_t ldc) {
    const size_t whole = k / 16 * 16;
    const __mmask16 tail = (__mmask16)((1u << (k - whole)) - 1);
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const float *r0 = b + j * k, *r1 = r0 + k, *r2 = r1 + k, *r3 = r2 + k;
        for (size_t i = 0; i < m; i++) {
            const float *x = a + i * k;
            __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
            size_t p = 0;
            for (; p < whole; p += 16) {
                const __m512 v = _mm512_loadu_ps(x + p);
                s0 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r0 + p), s0);
                s1 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r1 + p), s1);
                s2 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r2 + p), s2);
                s3 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r3 + p), s3);
            }
            if (tail) {
                const __m512 v = _mm512_maskz_loadu_ps(tail, x + p);
                s0 = _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(tail, r0 + p), s0);
                s1 = _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(tail, r1 + p), s1);
                s2 = _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(tail, r2 + p), s2);
                s3 = _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(tail, r3 + p), s3);
            }
            float *out = c + i * ldc + j;
            out[0] = _mm512_reduce_add_ps(s0);
            out[1] = _mm512_reduce_add_ps(s1);
            out[2] = _mm512_reduce_add_ps(s2);
            out[3] = _mm512_reduce_add_ps(s3);
        }
    }
    return j;
}

/// The same with eight lanes; k's last k % 8 go through the scalar loop.
__attribute__((target("avx2,fma"))) static size_t dot_rows_avx2(const float *a, size_t m, const float *b, size_t n, size_t k,
                                                                float *c, size_t ldc) {
    const size_t whole = k / 8 * 8;
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const float *r0 = b + j * k, *r1 = r0 + k, *r2 = r1 + k, *r3 = r2 + k;
        for (size_t i = 0; i < m; i++) {
            const float *x = a + i * k;
            __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
            for (size_t p = 0; p < whole; p += 8) {
                const __m256 v = _mm256_loadu_ps(x + p);
                s0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r0 + p), s0);
                s1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r1 + p), s1);
                s2 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r2 + p), s2);
                s3 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r3 + p), s3);
            }
            float sums[4][8];
            _mm256_storeu_ps(sums[0], s0);
            _mm256_storeu_ps(sums[1], s1);
            _mm256_storeu_ps(sums[2], s2);
            _mm256_storeu_ps(sums[3], s3);
            for (int r = 0; r < 4; r++) {
                float sum = 0;
                for (int l = 0; l < 8; l++) sum += sums[r][l];
                for (size_t p = whole; p < k; p++) sum += x[p] * b[(j + r) * k + p];
                c[i * ldc + j + r] = sum;
            }
        }
    }
    return j;
}
#endif

void plx_cpu_sgemm_dot_rows(const float *a, size_t m, const float *b, size_t n, size_t k, float *c, size_t ldc) {
    size_t done = 0;
#if defined(__x86_64__)
    if (plx_cpu_avx512_available()) done = dot_rows_avx512(a, m, b, n, k, c, ldc);
    else if (plx_cpu_avx2_available()) done = dot_rows_avx2(a, m, b, n, k, c, ldc);
#endif
    dot_rows_portable(a, m, b, done, n, k, c, ldc);
}
