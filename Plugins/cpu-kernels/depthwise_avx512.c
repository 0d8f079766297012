// AVX-512 depthwise 2-D convolution of one float32 plane: sixteen outputs of a row at a time,
// with every tap of the window summed in one register and clamped (a fused ReLU/ReLU6), so each
// output is written once. The load masks of a column block are worked out once for all rows. Taps
// that fall into the padding are masked out of the loads (masked lanes never fault); stride 2
// takes two loads and keeps the even lanes, larger strides gather.
#include "plexus_cpu_kernels.h"

#if defined(__x86_64__)
#include "window_lanes.h"

__attribute__((target("avx512f")))
void plx_cpu_depthwise_plane_avx512(const float *x, int height, int width, const float *weights, int kernel_height,
                                    int kernel_width, int stride_y, int stride_x, int dilation_y, int dilation_x,
                                    int pad_top, int pad_left, float bias, float low, float high, float *y, int out_height,
                                    int out_width) {
    const __m512 lower = _mm512_set1_ps(low), upper = _mm512_set1_ps(high);
    window_lanes lanes[kernel_width];  // per tap column of the current 16 outputs; the same for every tap row
    for (int ox = 0; ox < out_width; ox += 16) {
        const int count = out_width - ox < 16 ? out_width - ox : 16;
        const __mmask16 present = (__mmask16)((1u << count) - 1);
        for (int kw = 0; kw < kernel_width; kw++) lanes[kw] = window_lanes_at(ox, count, kw, stride_x, dilation_x, pad_left, width);
        for (int oy = 0; oy < out_height; oy++) {
            __m512 sum = _mm512_set1_ps(bias);
            for (int kh = 0; kh < kernel_height; kh++) {
                const int iy = oy * stride_y + kh * dilation_y - pad_top;
                if (iy < 0 || iy >= height) continue;
                const float *line = x + (size_t)iy * width;
                for (int kw = 0; kw < kernel_width; kw++)
                    sum = _mm512_fmadd_ps(_mm512_set1_ps(weights[kh * kernel_width + kw]), window_load(line, lanes[kw], stride_x), sum);
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
