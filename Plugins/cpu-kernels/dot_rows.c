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

/// Four rows of B (j ... j + 3) against every row of A, LANES values of k at a time (the last
/// k % LANES one by one); returns the rows of B done. `REDUCE(v)` sums a vector's lanes.
#define DEFINE_DOT_ROWS(NAME, TARGET, V, LANES, OP, REDUCE)                                                        \
    __attribute__((target(TARGET))) static size_t NAME(const float *a, size_t m, const float *b, size_t n, size_t k, \
                                                       float *c, size_t ldc) {                                     \
        const size_t whole = k / LANES * LANES;                                                                    \
        size_t j = 0;                                                                                              \
        for (; j + 4 <= n; j += 4) {                                                                               \
            const float *r0 = b + j * k, *r1 = r0 + k, *r2 = r1 + k, *r3 = r2 + k;                                 \
            for (size_t i = 0; i < m; i++) {                                                                       \
                const float *x = a + i * k;                                                                        \
                V s0 = OP(setzero)(), s1 = OP(setzero)(), s2 = OP(setzero)(), s3 = OP(setzero)();                  \
                for (size_t p = 0; p < whole; p += LANES) {                                                        \
                    const V v = OP(loadu)(x + p);                                                                  \
                    s0 = OP(fmadd)(v, OP(loadu)(r0 + p), s0);                                                      \
                    s1 = OP(fmadd)(v, OP(loadu)(r1 + p), s1);                                                      \
                    s2 = OP(fmadd)(v, OP(loadu)(r2 + p), s2);                                                      \
                    s3 = OP(fmadd)(v, OP(loadu)(r3 + p), s3);                                                      \
                }                                                                                                  \
                float sums[4] = {REDUCE(s0), REDUCE(s1), REDUCE(s2), REDUCE(s3)};                                  \
                for (int r = 0; r < 4; r++) {                                                                      \
                    for (size_t p = whole; p < k; p++) sums[r] += x[p] * b[(j + r) * k + p];                      \
                    c[i * ldc + j + r] = sums[r];                                                                  \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
        return j;                                                                                                  \
    }

/// The sum of an AVX vector's eight lanes.
__attribute__((target("avx2,fma"))) static inline float sum_avx(__m256 v) {
    const __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 pairs = _mm_add_ps(half, _mm_movehl_ps(half, half));
    return _mm_cvtss_f32(_mm_add_ss(pairs, _mm_shuffle_ps(pairs, pairs, 1)));
}

#define AVX512(name) _mm512_##name##_ps
#define AVX2(name) _mm256_##name##_ps
DEFINE_DOT_ROWS(dot_rows_avx512, "avx512f", __m512, 16, AVX512, _mm512_reduce_add_ps)
DEFINE_DOT_ROWS(dot_rows_avx2, "avx2,fma", __m256, 8, AVX2, sum_avx)
#endif

void plx_cpu_sgemm_dot_rows(const float *a, size_t m, const float *b, size_t n, size_t k, float *c, size_t ldc) {
    size_t done = 0;
#if defined(__x86_64__)
    if (plx_cpu_avx512_available()) done = dot_rows_avx512(a, m, b, n, k, c, ldc);
    else if (plx_cpu_avx2_available()) done = dot_rows_avx2(a, m, b, n, k, c, ldc);
#endif
    dot_rows_portable(a, m, b, done, n, k, c, ldc);
}
