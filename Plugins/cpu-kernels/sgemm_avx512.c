// AVX-512 float32 GEMM micro-kernels: up to 12 rows × 32 columns of C live in 24 zmm
// accumulators while k runs; each step loads two vectors of a B row and broadcasts one A element
// per row. Column tails use masked loads and stores, so every column is computed here. The
// block functions are written out per row count (they were generated once by a short script:
// the compiler keeps named accumulators in registers, not arrays of them).
#include "plexus_cpu_kernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

int plx_cpu_avx512_available(void) {
    static int cached = -1;  // atomic: C callers may ask from several threads at once
    int answer = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);
    if (answer < 0) {
        const char *cap = getenv("PLEXUS_CPU_ISA");  // "avx2" keeps the AVX2 kernel (tests use it)
        __builtin_cpu_init();
        answer = plx_cpu_avx2_available() && !(cap && strcmp(cap, "avx2") == 0) && __builtin_cpu_supports("avx512f");
        __atomic_store_n(&cached, answer, __ATOMIC_RELEASE);
    }
    return answer;
}

#define KERNEL __attribute__((target("avx512f")))

// Generated shapes: 12 rows for the bulk of a product, 4 and 1 for short ones (one row of A
// through a 12-row kernel would do 12 times the work).

/// 12 row(s) × 32 columns at column j: the accumulators in registers, written out explicitly
/// (loops over accumulator arrays are not reliably kept in registers by the compiler).
KERNEL static void block32_12(const float *const *row, size_t a_column_stride, const float *b, size_t ldb,
                           float *c, size_t ldc, size_t rows, size_t j, size_t k) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00; __m512 c10 = _mm512_setzero_ps(), c11 = c10; __m512 c20 = _mm512_setzero_ps(), c21 = c20; __m512 c30 = _mm512_setzero_ps(), c31 = c30; __m512 c40 = _mm512_setzero_ps(), c41 = c40; __m512 c50 = _mm512_setzero_ps(), c51 = c50; __m512 c60 = _mm512_setzero_ps(), c61 = c60; __m512 c70 = _mm512_setzero_ps(), c71 = c70; __m512 c80 = _mm512_setzero_ps(), c81 = c80; __m512 c90 = _mm512_setzero_ps(), c91 = c90; __m512 c100 = _mm512_setzero_ps(), c101 = c100; __m512 c110 = _mm512_setzero_ps(), c111 = c110;
    const float *a0 = row[0]; const float *a1 = row[1]; const float *a2 = row[2]; const float *a3 = row[3]; const float *a4 = row[4]; const float *a5 = row[5]; const float *a6 = row[6]; const float *a7 = row[7]; const float *a8 = row[8]; const float *a9 = row[9]; const float *a10 = row[10]; const float *a11 = row[11];
    for (size_t p = 0; p < k; p++) {
        const __m512 b0 = _mm512_loadu_ps(b + p * ldb + j), b1 = _mm512_loadu_ps(b + p * ldb + j + 16);
        const size_t q = p * a_column_stride;
        { const __m512 x = _mm512_set1_ps(a0[q]); c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01); }
        { const __m512 x = _mm512_set1_ps(a1[q]); c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11); }
        { const __m512 x = _mm512_set1_ps(a2[q]); c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21); }
        { const __m512 x = _mm512_set1_ps(a3[q]); c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31); }
        { const __m512 x = _mm512_set1_ps(a4[q]); c40 = _mm512_fmadd_ps(x, b0, c40); c41 = _mm512_fmadd_ps(x, b1, c41); }
        { const __m512 x = _mm512_set1_ps(a5[q]); c50 = _mm512_fmadd_ps(x, b0, c50); c51 = _mm512_fmadd_ps(x, b1, c51); }
        { const __m512 x = _mm512_set1_ps(a6[q]); c60 = _mm512_fmadd_ps(x, b0, c60); c61 = _mm512_fmadd_ps(x, b1, c61); }
        { const __m512 x = _mm512_set1_ps(a7[q]); c70 = _mm512_fmadd_ps(x, b0, c70); c71 = _mm512_fmadd_ps(x, b1, c71); }
        { const __m512 x = _mm512_set1_ps(a8[q]); c80 = _mm512_fmadd_ps(x, b0, c80); c81 = _mm512_fmadd_ps(x, b1, c81); }
        { const __m512 x = _mm512_set1_ps(a9[q]); c90 = _mm512_fmadd_ps(x, b0, c90); c91 = _mm512_fmadd_ps(x, b1, c91); }
        { const __m512 x = _mm512_set1_ps(a10[q]); c100 = _mm512_fmadd_ps(x, b0, c100); c101 = _mm512_fmadd_ps(x, b1, c101); }
        { const __m512 x = _mm512_set1_ps(a11[q]); c110 = _mm512_fmadd_ps(x, b0, c110); c111 = _mm512_fmadd_ps(x, b1, c111); }
    }
    const __m512 acc[24] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71, c80, c81, c90, c91, c100, c101, c110, c111};
    for (size_t i = 0; i < rows; i++) {
        _mm512_storeu_ps(c + i * ldc + j, acc[2 * i]);
        _mm512_storeu_ps(c + i * ldc + j + 16, acc[2 * i + 1]);
    }
}

/// 12 row(s) × up to 16 columns at column j (`mask`: the columns present).
KERNEL static void block16_12(const float *const *row, size_t a_column_stride, const float *b, size_t ldb,
                           float *c, size_t ldc, size_t rows, size_t j, size_t k, __mmask16 mask) {
    __m512 c0 = _mm512_setzero_ps(); __m512 c1 = _mm512_setzero_ps(); __m512 c2 = _mm512_setzero_ps(); __m512 c3 = _mm512_setzero_ps(); __m512 c4 = _mm512_setzero_ps(); __m512 c5 = _mm512_setzero_ps(); __m512 c6 = _mm512_setzero_ps(); __m512 c7 = _mm512_setzero_ps(); __m512 c8 = _mm512_setzero_ps(); __m512 c9 = _mm512_setzero_ps(); __m512 c10 = _mm512_setzero_ps(); __m512 c11 = _mm512_setzero_ps();
    const float *a0 = row[0]; const float *a1 = row[1]; const float *a2 = row[2]; const float *a3 = row[3]; const float *a4 = row[4]; const float *a5 = row[5]; const float *a6 = row[6]; const float *a7 = row[7]; const float *a8 = row[8]; const float *a9 = row[9]; const float *a10 = row[10]; const float *a11 = row[11];
    for (size_t p = 0; p < k; p++) {
        const __m512 b0 = _mm512_maskz_loadu_ps(mask, b + p * ldb + j);
        const size_t q = p * a_column_stride;
        c0 = _mm512_fmadd_ps(_mm512_set1_ps(a0[q]), b0, c0);
        c1 = _mm512_fmadd_ps(_mm512_set1_ps(a1[q]), b0, c1);
        c2 = _mm512_fmadd_ps(_mm512_set1_ps(a2[q]), b0, c2);
        c3 = _mm512_fmadd_ps(_mm512_set1_ps(a3[q]), b0, c3);
        c4 = _mm512_fmadd_ps(_mm512_set1_ps(a4[q]), b0, c4);
        c5 = _mm512_fmadd_ps(_mm512_set1_ps(a5[q]), b0, c5);
        c6 = _mm512_fmadd_ps(_mm512_set1_ps(a6[q]), b0, c6);
        c7 = _mm512_fmadd_ps(_mm512_set1_ps(a7[q]), b0, c7);
        c8 = _mm512_fmadd_ps(_mm512_set1_ps(a8[q]), b0, c8);
        c9 = _mm512_fmadd_ps(_mm512_set1_ps(a9[q]), b0, c9);
        c10 = _mm512_fmadd_ps(_mm512_set1_ps(a10[q]), b0, c10);
        c11 = _mm512_fmadd_ps(_mm512_set1_ps(a11[q]), b0, c11);
    }
    const __m512 acc[12] = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11};
    for (size_t i = 0; i < rows; i++) _mm512_mask_storeu_ps(c + i * ldc + j, mask, acc[i]);
}
/// 4 row(s) × 32 columns at column j: the accumulators in registers, written out explicitly
/// (loops over accumulator arrays are not reliably kept in registers by the compiler).
KERNEL static void block32_4(const float *const *row, size_t a_column_stride, const float *b, size_t ldb,
                           float *c, size_t ldc, size_t rows, size_t j, size_t k) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00; __m512 c10 = _mm512_setzero_ps(), c11 = c10; __m512 c20 = _mm512_setzero_ps(), c21 = c20; __m512 c30 = _mm512_setzero_ps(), c31 = c30;
    const float *a0 = row[0]; const float *a1 = row[1]; const float *a2 = row[2]; const float *a3 = row[3];
    for (size_t p = 0; p < k; p++) {
        const __m512 b0 = _mm512_loadu_ps(b + p * ldb + j), b1 = _mm512_loadu_ps(b + p * ldb + j + 16);
        const size_t q = p * a_column_stride;
        { const __m512 x = _mm512_set1_ps(a0[q]); c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01); }
        { const __m512 x = _mm512_set1_ps(a1[q]); c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11); }
        { const __m512 x = _mm512_set1_ps(a2[q]); c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21); }
        { const __m512 x = _mm512_set1_ps(a3[q]); c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31); }
    }
    const __m512 acc[8] = {c00, c01, c10, c11, c20, c21, c30, c31};
    for (size_t i = 0; i < rows; i++) {
        _mm512_storeu_ps(c + i * ldc + j, acc[2 * i]);
        _mm512_storeu_ps(c + i * ldc + j + 16, acc[2 * i + 1]);
    }
}

/// 4 row(s) × up to 16 columns at column j (`mask`: the columns present).
KERNEL static void block16_4(const float *const *row, size_t a_column_stride, const float *b, size_t ldb,
                           float *c, size_t ldc, size_t rows, size_t j, size_t k, __mmask16 mask) {
    __m512 c0 = _mm512_setzero_ps(); __m512 c1 = _mm512_setzero_ps(); __m512 c2 = _mm512_setzero_ps(); __m512 c3 = _mm512_setzero_ps();
    const float *a0 = row[0]; const float *a1 = row[1]; const float *a2 = row[2]; const float *a3 = row[3];
    for (size_t p = 0; p < k; p++) {
        const __m512 b0 = _mm512_maskz_loadu_ps(mask, b + p * ldb + j);
        const size_t q = p * a_column_stride;
        c0 = _mm512_fmadd_ps(_mm512_set1_ps(a0[q]), b0, c0);
        c1 = _mm512_fmadd_ps(_mm512_set1_ps(a1[q]), b0, c1);
        c2 = _mm512_fmadd_ps(_mm512_set1_ps(a2[q]), b0, c2);
        c3 = _mm512_fmadd_ps(_mm512_set1_ps(a3[q]), b0, c3);
    }
    const __m512 acc[4] = {c0, c1, c2, c3};
    for (size_t i = 0; i < rows; i++) _mm512_mask_storeu_ps(c + i * ldc + j, mask, acc[i]);
}
/// 1 row(s) × 32 columns at column j: the accumulators in registers, written out explicitly
/// (loops over accumulator arrays are not reliably kept in registers by the compiler).
KERNEL static void block32_1(const float *const *row, size_t a_column_stride, const float *b, size_t ldb,
                           float *c, size_t ldc, size_t rows, size_t j, size_t k) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00;
    const float *a0 = row[0];
    for (size_t p = 0; p < k; p++) {
        const __m512 b0 = _mm512_loadu_ps(b + p * ldb + j), b1 = _mm512_loadu_ps(b + p * ldb + j + 16);
        const size_t q = p * a_column_stride;
        { const __m512 x = _mm512_set1_ps(a0[q]); c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01); }
    }
    const __m512 acc[2] = {c00, c01};
    for (size_t i = 0; i < rows; i++) {
        _mm512_storeu_ps(c + i * ldc + j, acc[2 * i]);
        _mm512_storeu_ps(c + i * ldc + j + 16, acc[2 * i + 1]);
    }
}

/// 1 row(s) × up to 16 columns at column j (`mask`: the columns present).
KERNEL static void block16_1(const float *const *row, size_t a_column_stride, const float *b, size_t ldb,
                           float *c, size_t ldc, size_t rows, size_t j, size_t k, __mmask16 mask) {
    __m512 c0 = _mm512_setzero_ps();
    const float *a0 = row[0];
    for (size_t p = 0; p < k; p++) {
        const __m512 b0 = _mm512_maskz_loadu_ps(mask, b + p * ldb + j);
        const size_t q = p * a_column_stride;
        c0 = _mm512_fmadd_ps(_mm512_set1_ps(a0[q]), b0, c0);
    }
    const __m512 acc[1] = {c0};
    for (size_t i = 0; i < rows; i++) _mm512_mask_storeu_ps(c + i * ldc + j, mask, acc[i]);
}
/// One row of A times B, streaming B row by row (contiguous reads) and accumulating the row of
/// C in place, which stays in L1: column blocks down B would read it with a stride of a whole
/// row, the pattern caches and prefetchers handle worst.
KERNEL static size_t row_times_matrix(const float *a, size_t a_column_stride, const float *b, size_t ldb, float *c,
                                      size_t n, size_t k) {
    const size_t full = n & ~(size_t)15;
    const __mmask16 tail = (__mmask16)((1u << (n - full)) - 1);
    for (size_t j = 0; j < full; j += 16) _mm512_storeu_ps(c + j, _mm512_setzero_ps());
    if (tail) _mm512_mask_storeu_ps(c + full, tail, _mm512_setzero_ps());
    for (size_t p = 0; p < k; p++) {
        const __m512 x = _mm512_set1_ps(a[p * a_column_stride]);
        const float *source = b + p * ldb;
        for (size_t j = 0; j < full; j += 16)
            _mm512_storeu_ps(c + j, _mm512_fmadd_ps(x, _mm512_loadu_ps(source + j), _mm512_loadu_ps(c + j)));
        if (tail)
            _mm512_mask_storeu_ps(c + full, tail, _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(tail, source + full),
                                                                  _mm512_maskz_loadu_ps(tail, c + full)));
    }
    return n;
}

KERNEL size_t plx_cpu_sgemm_rows_avx512(const float *a, size_t a_row_stride, size_t a_column_stride,
                                        const float *b, size_t ldb, float *c, size_t ldc,
                                        size_t rows, size_t n, size_t k) {
    if (rows == 0 || rows > PLX_CPU_SGEMM_AVX512_ROWS) return 0;
    const float *row[PLX_CPU_SGEMM_AVX512_ROWS];  // rows past `rows` repeat row 0 (computed, never stored)
    for (size_t i = 0; i < PLX_CPU_SGEMM_AVX512_ROWS; i++) row[i] = a + (i < rows ? i : 0) * a_row_stride;
    if (rows == 1) return row_times_matrix(a, a_column_stride, b, ldb, c, n, k);
    size_t j = 0;
    for (; j + 32 <= n; j += 32) {
        if (rows > 4) block32_12(row, a_column_stride, b, ldb, c, ldc, rows, j, k);
        else if (rows > 1) block32_4(row, a_column_stride, b, ldb, c, ldc, rows, j, k);
        else block32_1(row, a_column_stride, b, ldb, c, ldc, rows, j, k);
    }
    for (; j < n; j += 16) {
        const size_t left = n - j;
        const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        if (rows > 4) block16_12(row, a_column_stride, b, ldb, c, ldc, rows, j, k, mask);
        else if (rows > 1) block16_4(row, a_column_stride, b, ldb, c, ldc, rows, j, k, mask);
        else block16_1(row, a_column_stride, b, ldb, c, ldc, rows, j, k, mask);
    }
    return n;
}

#else

int plx_cpu_avx512_available(void) { return 0; }

size_t plx_cpu_sgemm_rows_avx512(const float *a, size_t a_row_stride, size_t a_column_stride,
                                 const float *b, size_t ldb, float *c, size_t ldc, size_t rows, size_t n, size_t k) {
    (void)a; (void)a_row_stride; (void)a_column_stride; (void)b; (void)ldb; (void)c; (void)ldc; (void)rows; (void)n; (void)k;
    return 0;
}

#endif
