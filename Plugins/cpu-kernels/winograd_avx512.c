// Winograd F(2×2, 3×3) transforms for a float32 3×3 convolution at stride 1 (Lavin & Gray,
// "Fast Algorithms for Convolutional Neural Networks"): each 2×2 block of outputs ("tile") comes
// from the 4×4 input window under it as Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A. Summed over channels, the
// 16 elementwise products become 16 matrix products U_ξ · V_ξ (U_ξ: filters × channels,
// V_ξ: channels × tiles), 4 multiplies per output instead of 9, run by the packed GEMM. These
// kernels are the three transforms: the filters' vectorised across a packed block of filters, the
// input's and output's across 16 tiles.
#include "plexus_cpu_kernels.h"

#if defined(__x86_64__)
#include "window_lanes.h"

#define KERNEL __attribute__((target("avx512f")))

KERNEL void plx_cpu_winograd_filters_avx512(const float *packed, size_t m, size_t channels, float *u) {
    const size_t k = channels * 9, matrix = m * channels;
    for (size_t first = 0; first < m;) {
        const size_t rows = plx_cpu_sgemm_packed_block_rows(m, first);
        const __mmask16 lanes = (__mmask16)((1u << rows) - 1);
        const float *block = packed + first * k;
        const __m512 half = _mm512_set1_ps(0.5f);
        for (size_t c = 0; c < channels; c++) {
            __m512 g[3][3], t[4][3];
            for (int r = 0; r < 3; r++)
                for (int s = 0; s < 3; s++) g[r][s] = _mm512_maskz_loadu_ps(lanes, block + (c * 9 + r * 3 + s) * rows);
            // t = G g with G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], then U = t Gᵀ.
            for (int s = 0; s < 3; s++) {
                const __m512 outer = _mm512_mul_ps(half, _mm512_add_ps(g[0][s], g[2][s]));
                const __m512 middle = _mm512_mul_ps(half, g[1][s]);
                t[0][s] = g[0][s];
                t[1][s] = _mm512_add_ps(outer, middle);
                t[2][s] = _mm512_sub_ps(outer, middle);
                t[3][s] = g[2][s];
            }
            for (int r = 0; r < 4; r++) {
                const __m512 outer = _mm512_mul_ps(half, _mm512_add_ps(t[r][0], t[r][2]));
                const __m512 middle = _mm512_mul_ps(half, t[r][1]);
                const __m512 row[4] = {t[r][0], _mm512_add_ps(outer, middle), _mm512_sub_ps(outer, middle), t[r][2]};
                for (int s = 0; s < 4; s++)
                    _mm512_mask_storeu_ps(u + (size_t)(r * 4 + s) * matrix + first * channels + c * rows, lanes, row[s]);
            }
        }
        first += rows;
    }
}

/// The four taps of a tile row for sixteen tiles: input columns 2·t + j − pad (j = 0 ... 3) are
/// the even and odd lanes of two 32-column loads, one from the window's first column (`even`:
/// taps 0 and 1) and one two columns on (`shifted`: taps 2 and 3); masked lanes read nothing.
KERNEL static inline void row_taps(const float *line, window_lanes even, window_lanes shifted, __m512 d[4]) {
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i evens = _mm512_add_epi32(lane, lane), odds = _mm512_add_epi32(evens, _mm512_set1_epi32(1));
    const char *start = (const char *)line + (ptrdiff_t)even.first * 4;
    __m512 low = _mm512_maskz_loadu_ps(even.inside_low, start), high = _mm512_maskz_loadu_ps(even.inside_high, start + 64);
    d[0] = _mm512_permutex2var_ps(low, evens, high);
    d[1] = _mm512_permutex2var_ps(low, odds, high);
    start = (const char *)line + (ptrdiff_t)shifted.first * 4;
    low = _mm512_maskz_loadu_ps(shifted.inside_low, start);
    high = _mm512_maskz_loadu_ps(shifted.inside_high, start + 64);
    d[2] = _mm512_permutex2var_ps(low, evens, high);
    d[3] = _mm512_permutex2var_ps(low, odds, high);
}

KERNEL void plx_cpu_winograd_input_avx512(const float *x, size_t channels, int height, int width, int pad_top, int pad_left,
                                          int first_tile_row, int tile_rows, int tiles_wide, float *v, size_t v_stride,
                                          size_t v_matrix) {
    for (int tx = 0; tx < tiles_wide; tx += 16) {
        const int count = tiles_wide - tx < 16 ? tiles_wide - tx : 16;
        const __mmask16 present = (__mmask16)((1u << count) - 1);
        const window_lanes even = window_lanes_at(tx, count, 0, 2, 1, pad_left, width);
        const window_lanes shifted = window_lanes_at(tx, count, 2, 2, 1, pad_left, width);
        for (size_t c = 0; c < channels; c++) {
            const float *plane = x + c * (size_t)height * width;
            for (int local = 0; local < tile_rows; local++) {
                const int top = 2 * (first_tile_row + local) - pad_top;
                __m512 d[4][4];
                for (int r = 0; r < 4; r++) {
                    const int iy = top + r;
                    if (iy < 0 || iy >= height) {
                        for (int j = 0; j < 4; j++) d[r][j] = _mm512_setzero_ps();
                    } else {
                        row_taps(plane + (size_t)iy * width, even, shifted, d[r]);
                    }
                }
                // t = Bᵀ d with Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], then V = t B.
                __m512 t[4][4];
                for (int j = 0; j < 4; j++) {
                    t[0][j] = _mm512_sub_ps(d[0][j], d[2][j]);
                    t[1][j] = _mm512_add_ps(d[1][j], d[2][j]);
                    t[2][j] = _mm512_sub_ps(d[2][j], d[1][j]);
                    t[3][j] = _mm512_sub_ps(d[1][j], d[3][j]);
                }
                float *at = v + c * v_stride + (size_t)local * tiles_wide + tx;
                for (int r = 0; r < 4; r++) {
                    const __m512 row[4] = {_mm512_sub_ps(t[r][0], t[r][2]), _mm512_add_ps(t[r][1], t[r][2]),
                                           _mm512_sub_ps(t[r][2], t[r][1]), _mm512_sub_ps(t[r][1], t[r][3])};
                    for (int s = 0; s < 4; s++) _mm512_mask_storeu_ps(at + (size_t)(r * 4 + s) * v_matrix, present, row[s]);
                }
            }
        }
    }
}

KERNEL void plx_cpu_winograd_output_avx512(const float *products, size_t p_stride, size_t p_matrix, size_t filters,
                                           int first_tile_row, int tile_rows, int tiles_wide, int out_height, int out_width,
                                           float *y, size_t positions, const float *bias, const float *residual, float low,
                                           float high) {
    const __m512i low_half = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i high_half = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    const __m512 lower = _mm512_set1_ps(low), upper = _mm512_set1_ps(high);
    for (size_t f = 0; f < filters; f++) {
        const __m512 shift = _mm512_set1_ps(bias ? bias[f] : 0.0f);
        for (int local = 0; local < tile_rows; local++) {
            for (int tx = 0; tx < tiles_wide; tx += 16) {
                const __mmask16 present = (__mmask16)((1u << (tiles_wide - tx < 16 ? tiles_wide - tx : 16)) - 1);
                const float *at = products + f * p_stride + (size_t)local * tiles_wide + tx;
                __m512 mm[4][4];
                for (int r = 0; r < 4; r++)
                    for (int s = 0; s < 4; s++) mm[r][s] = _mm512_maskz_loadu_ps(present, at + (size_t)(r * 4 + s) * p_matrix);
                // Y = Aᵀ M A with Aᵀ = [1 1 1 0; 0 1 −1 −1].
                __m512 t[2][4];
                for (int s = 0; s < 4; s++) {
                    t[0][s] = _mm512_add_ps(_mm512_add_ps(mm[0][s], mm[1][s]), mm[2][s]);
                    t[1][s] = _mm512_sub_ps(_mm512_sub_ps(mm[1][s], mm[2][s]), mm[3][s]);
                }
                for (int a = 0; a < 2; a++) {
                    const int oy = 2 * (first_tile_row + local) + a;
                    if (oy >= out_height) continue;
                    const __m512 left = _mm512_add_ps(_mm512_add_ps(t[a][0], t[a][1]), t[a][2]);
                    const __m512 right = _mm512_sub_ps(_mm512_sub_ps(t[a][1], t[a][2]), t[a][3]);
                    for (int half = 0; half < 2; half++) {
                        const int ox = 2 * tx + 16 * half;
                        if (ox >= out_width) break;
                        const int valid = out_width - ox < 16 ? out_width - ox : 16;
                        const __mmask16 keep = (__mmask16)((1u << valid) - 1);
                        const size_t index = f * positions + (size_t)oy * out_width + ox;
                        __m512 out = _mm512_permutex2var_ps(left, half ? high_half : low_half, right);
                        out = _mm512_add_ps(out, shift);
                        if (residual) out = _mm512_add_ps(out, _mm512_maskz_loadu_ps(keep, residual + index));
                        // Clamped as the other epilogues do: a NaN stays NaN.
                        out = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(out, lower, _CMP_LT_OQ), out, lower);
                        out = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(out, upper, _CMP_GT_OQ), out, upper);
                        _mm512_mask_storeu_ps(y + index, keep, out);
                    }
                }
            }
        }
    }
}

#else

void plx_cpu_winograd_filters_avx512(const float *packed, size_t m, size_t channels, float *u) {
    (void)packed; (void)m; (void)channels; (void)u;
}

void plx_cpu_winograd_input_avx512(const float *x, size_t channels, int height, int width, int pad_top, int pad_left,
                                   int first_tile_row, int tile_rows, int tiles_wide, float *v, size_t v_stride,
                                   size_t v_matrix) {
    (void)x; (void)channels; (void)height; (void)width; (void)pad_top; (void)pad_left; (void)first_tile_row;
    (void)tile_rows; (void)tiles_wide; (void)v; (void)v_stride; (void)v_matrix;
}

void plx_cpu_winograd_output_avx512(const float *products, size_t p_stride, size_t p_matrix, size_t filters,
                                    int first_tile_row, int tile_rows, int tiles_wide, int out_height, int out_width,
                                    float *y, size_t positions, const float *bias, const float *residual, float low,
                                    float high) {
    (void)products; (void)p_stride; (void)p_matrix; (void)filters; (void)first_tile_row; (void)tile_rows;
    (void)tiles_wide; (void)out_height; (void)out_width; (void)y; (void)positions; (void)bias; (void)residual;
    (void)low; (void)high;
}

#endif
