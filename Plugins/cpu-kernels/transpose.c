// Float32 matrix transpose, in 8 × 8 blocks transposed in registers (AVX): a scalar copy moves
// one element per load and store, and reads or writes a new cache line per element on one side.
#include "plexus_cpu_kernels.h"

/// The portable copy of the block rows [r0, r1) × columns [c0, c1).
static void transpose_portable(const float *source, size_t rows, size_t columns, float *target, size_t r0, size_t r1, size_t c0,
                               size_t c1) {
    for (size_t c = c0; c < c1; c++)
        for (size_t r = r0; r < r1; r++) target[c * rows + r] = source[r * columns + c];
}

#if defined(__x86_64__)
#include <immintrin.h>

/// The whole 8 × 8 blocks: rows [0, whole_rows) × columns [0, whole_columns), both multiples of 8.
__attribute__((target("avx2"))) static void transpose_avx(const float *source, size_t rows, size_t columns, float *target,
                                                          size_t whole_rows, size_t whole_columns) {
    // Down the source's rows inside, so the stores run along eight target rows: along a source
    // row they would hop between target rows `rows` floats apart, often 4 KB, all in one cache set.
    for (size_t c = 0; c < whole_columns; c += 8)
        for (size_t r = 0; r < whole_rows; r += 8) {
            __m256 v[8], t[8];
            for (int i = 0; i < 8; i++) v[i] = _mm256_loadu_ps(source + (r + i) * columns + c);
            for (int i = 0; i < 8; i += 2) {
                t[i] = _mm256_unpacklo_ps(v[i], v[i + 1]);
                t[i + 1] = _mm256_unpackhi_ps(v[i], v[i + 1]);
            }
            for (int i = 0; i < 8; i += 4) {
                v[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
                v[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
                v[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
                v[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
            }
            // v[0..3] hold columns 0, 1, 2, 3 (low halves) and 4, 5, 6, 7 (high halves) of rows 0-3; v[4..7] of rows 4-7.
            for (int i = 0; i < 4; i++) {
                _mm256_storeu_ps(target + (c + i) * rows + r, _mm256_permute2f128_ps(v[i], v[i + 4], 0x20));
                _mm256_storeu_ps(target + (c + i + 4) * rows + r, _mm256_permute2f128_ps(v[i], v[i + 4], 0x31));
            }
        }
}
#endif

void plx_cpu_transpose(const float *source, size_t rows, size_t columns, float *target) {
    size_t whole_rows = 0, whole_columns = 0;
#if defined(__x86_64__)
    if (plx_cpu_avx2_available()) {
        whole_rows = rows / 8 * 8;
        whole_columns = columns / 8 * 8;
        transpose_avx(source, rows, columns, target, whole_rows, whole_columns);
    }
#endif
    transpose_portable(source, rows, columns, target, 0, whole_rows, whole_columns, columns);  // the last columns of the blocks' rows
    transpose_portable(source, rows, columns, target, whole_rows, rows, 0, columns);           // the last rows
}
