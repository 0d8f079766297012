// AVX-512 depthwise 2-D convolution of one float32 plane: sixteen outputs of a row at a time,
// with every tap of the window summed in one register, so each output is written once. Taps
// that fall into the padding are masked out of the loads (masked lanes never fault); stride 2
// takes two loads and keeps the even lanes, larger strides gather.
#include "plexus_cpu_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
void plx_cpu_depthwise_plane_avx512(const float *x, int height, int width, const float *weights, int kernel_height,
                                    int kernel_width, int stride_y, int stride_x, int dilation_y, int dilation_x,
                                    int pad_top, int pad_left, float bias, float *y, int out_height, int out_width) {
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i step = _mm512_mullo_epi32(lane, _mm512_set1_epi32(stride_x));
    const __m512i limit = _mm512_set1_epi32(width);
    for (int oy = 0; oy < out_height; oy++) {
        float *out = y + (size_t)oy * out_width;
        for (int ox = 0; ox < out_width; ox += 16) {
            const int count = out_width - ox < 16 ? out_width - ox : 16;
            const __mmask16 present = (__mmask16)((1u << count) - 1);
            __m512 sum = _mm512_set1_ps(bias);
            for (int kh = 0; kh < kernel_height; kh++) {
                const int iy = oy * stride_y + kh * dilation_y - pad_top;
                if (iy < 0 || iy >= height) continue;
                const float *line = x + (size_t)iy * width;
                for (int kw = 0; kw < kernel_width; kw++) {
                    const int first = ox * stride_x + kw * dilation_x - pad_left;  // input column of lane 0
                    const __m512i columns = _mm512_add_epi32(_mm512_set1_epi32(first), step);
                    const __mmask16 inside = present & _mm512_cmpge_epi32_mask(columns, _mm512_setzero_si512())
                                           & _mm512_cmplt_epi32_mask(columns, limit);
                    __m512 values;
                    if (stride_x == 1) {
                        values = _mm512_maskz_loadu_ps(inside, (const char *)line + (ptrdiff_t)first * 4);
                    } else if (stride_x == 2) {  // two loads and a shuffle of the even lanes beat a gather
                        const __m512i at = _mm512_add_epi32(_mm512_set1_epi32(first), lane);
                        const __mmask16 low = _mm512_cmpge_epi32_mask(at, _mm512_setzero_si512()) & _mm512_cmplt_epi32_mask(at, limit);
                        const __m512i at_high = _mm512_add_epi32(at, _mm512_set1_epi32(16));
                        const __mmask16 high = _mm512_cmpge_epi32_mask(at_high, _mm512_setzero_si512())
                                             & _mm512_cmplt_epi32_mask(at_high, limit);
                        const __m512 a = _mm512_maskz_loadu_ps(low, (const char *)line + (ptrdiff_t)first * 4);
                        const __m512 b = _mm512_maskz_loadu_ps(high, (const char *)line + (ptrdiff_t)(first + 16) * 4);
                        values = _mm512_maskz_permutex2var_ps(inside, a, _mm512_add_epi32(lane, lane), b);
                    } else {
                        values = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, columns, line, 4);
                    }
                    sum = _mm512_fmadd_ps(_mm512_set1_ps(weights[kh * kernel_width + kw]), values, sum);
                }
            }
            _mm512_mask_storeu_ps(out + ox, present, sum);
        }
    }
}

#else

void plx_cpu_depthwise_plane_avx512(const float *x, int height, int width, const float *weights, int kernel_height,
                                    int kernel_width, int stride_y, int stride_x, int dilation_y, int dilation_x,
                                    int pad_top, int pad_left, float bias, float *y, int out_height, int out_width) {
    (void)x; (void)height; (void)width; (void)weights; (void)kernel_height; (void)kernel_width; (void)stride_y;
    (void)stride_x; (void)dilation_y; (void)dilation_x; (void)pad_top; (void)pad_left; (void)bias; (void)y;
    (void)out_height; (void)out_width;
}

#endif
