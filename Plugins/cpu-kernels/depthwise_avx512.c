// AVX-512 depthwise 2-D convolution of one float32 plane: sixteen outputs of a row at a time,
// with every tap of the window summed in one register and clamped (a fused ReLU/ReLU6), so each
// output is written once. The load masks of a column block are worked out once for all rows. Taps
// that fall into the padding are masked out of the loads (masked lanes never fault); stride 2
// takes two loads and keeps the even lanes, larger strides gather.
#include "plexus_cpu_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
void plx_cpu_depthwise_plane_avx512(const float *x, int height, int width, const float *weights, int kernel_height,
                                    int kernel_width, int stride_y, int stride_x, int dilation_y, int dilation_x,
                                    int pad_top, int pad_left, float bias, float low, float high, float *y, int out_height,
                                    int out_width) {
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i step = _mm512_mullo_epi32(lane, _mm512_set1_epi32(stride_x));
    const __m512i limit = _mm512_set1_epi32(width);
    const __m512 lower = _mm512_set1_ps(low), upper = _mm512_set1_ps(high);
    // Per tap column of the current 16 outputs: where lane 0 reads and which lanes read inside
    // the row (and, for stride 2, which lanes of the two loads do); the same for every tap row.
    int first[kernel_width];
    __mmask16 inside[kernel_width], inside_low[kernel_width], inside_high[kernel_width];
    for (int ox = 0; ox < out_width; ox += 16) {
        const int count = out_width - ox < 16 ? out_width - ox : 16;
        const __mmask16 present = (__mmask16)((1u << count) - 1);
        for (int kw = 0; kw < kernel_width; kw++) {
            first[kw] = ox * stride_x + kw * dilation_x - pad_left;
            const __m512i columns = _mm512_add_epi32(_mm512_set1_epi32(first[kw]), step);
            inside[kw] = present & _mm512_cmpge_epi32_mask(columns, _mm512_setzero_si512()) & _mm512_cmplt_epi32_mask(columns, limit);
            const __m512i at = _mm512_add_epi32(_mm512_set1_epi32(first[kw]), lane);
            const __m512i at_high = _mm512_add_epi32(at, _mm512_set1_epi32(16));
            inside_low[kw] = _mm512_cmpge_epi32_mask(at, _mm512_setzero_si512()) & _mm512_cmplt_epi32_mask(at, limit);
            inside_high[kw] = _mm512_cmpge_epi32_mask(at_high, _mm512_setzero_si512()) & _mm512_cmplt_epi32_mask(at_high, limit);
        }
        for (int oy = 0; oy < out_height; oy++) {
            __m512 sum = _mm512_set1_ps(bias);
            for (int kh = 0; kh < kernel_height; kh++) {
                const int iy = oy * stride_y + kh * dilation_y - pad_top;
                if (iy < 0 || iy >= height) continue;
                const float *line = x + (size_t)iy * width;
                for (int kw = 0; kw < kernel_width; kw++) {
                    const char *start = (const char *)line + (ptrdiff_t)first[kw] * 4;
                    __m512 values;
                    if (stride_x == 1) {
                        values = _mm512_maskz_loadu_ps(inside[kw], start);
                    } else if (stride_x == 2) {  // two loads and a shuffle of the even lanes beat a gather
                        const __m512 a = _mm512_maskz_loadu_ps(inside_low[kw], start);
                        const __m512 b = _mm512_maskz_loadu_ps(inside_high[kw], start + 64);
                        values = _mm512_maskz_permutex2var_ps(inside[kw], a, _mm512_add_epi32(lane, lane), b);
                    } else {
                        const __m512i columns = _mm512_add_epi32(_mm512_set1_epi32(first[kw]), step);
                        values = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside[kw], columns, line, 4);
                    }
                    sum = _mm512_fmadd_ps(_mm512_set1_ps(weights[kh * kernel_width + kw]), values, sum);
                }
            }
            // Clamped with the bound first, so a NaN sum stays NaN (max/min return their second operand then).
            sum = _mm512_min_ps(upper, _mm512_max_ps(lower, sum));
            _mm512_mask_storeu_ps(y + (size_t)oy * out_width + ox, present, sum);
        }
    }
}

#else

void plx_cpu_depthwise_plane_avx512(const float *x, int height, int width, const float *weights, int kernel_height,
                                    int kernel_width, int stride_y, int stride_x, int dilation_y, int dilation_x,
                                    int pad_top, int pad_left, float bias, float low, float high, float *y, int out_height,
                                    int out_width) {
    (void)low; (void)high; (void)x; (void)height; (void)width; (void)weights; (void)kernel_height; (void)kernel_width; (void)stride_y;
    (void)stride_x; (void)dilation_y; (void)dilation_x; (void)pad_top; (void)pad_left; (void)bias; (void)y;
    (void)out_height; (void)out_width;
}

#endif
