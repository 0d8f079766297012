// AVX-512 2-D max pooling of one float32 plane, sixteen outputs of a row at a time. Each lane
// keeps the scalar rule exactly: its window's first tap inside the image, then any strictly
// larger one — so a NaN first tap stays and a later NaN is passed over — and −∞ for a window with
// no tap inside. Padding lanes are masked out of the loads.
#include "plexus_cpu_kernels.h"

#if defined(__x86_64__)
#include "window_lanes.h"

__attribute__((target("avx512f")))
void plx_cpu_maxpool_plane_avx512(const float *x, int height, int width, int kernel_height, int kernel_width, int stride_y,
                                  int stride_x, int pad_top, int pad_left, float *y, int out_height, int out_width) {
    const __m512 lowest = _mm512_set1_ps(-__builtin_inff());
    window_lanes lanes[kernel_width];
    for (int ox = 0; ox < out_width; ox += 16) {
        const int count = out_width - ox < 16 ? out_width - ox : 16;
        const __mmask16 present = (__mmask16)((1u << count) - 1);
        for (int kw = 0; kw < kernel_width; kw++) lanes[kw] = window_lanes_at(ox, count, kw, stride_x, 1, pad_left, width);
        for (int oy = 0; oy < out_height; oy++) {
            __m512 best = lowest;
            __mmask16 started = 0;
            for (int kh = 0; kh < kernel_height; kh++) {
                const int iy = oy * stride_y + kh - pad_top;
                if (iy < 0 || iy >= height) continue;
                const float *line = x + (size_t)iy * width;
                for (int kw = 0; kw < kernel_width; kw++) {
                    const __m512 values = window_load(line, lanes[kw], stride_x);
                    const __mmask16 take = lanes[kw].inside & (__mmask16)(~started | _mm512_cmp_ps_mask(values, best, _CMP_GT_OQ));
                    best = _mm512_mask_mov_ps(best, take, values);
                    started |= lanes[kw].inside;
                }
            }
            _mm512_mask_storeu_ps(y + (size_t)oy * out_width + ox, present, _mm512_mask_mov_ps(lowest, started, best));
        }
    }
}

#else

void plx_cpu_maxpool_plane_avx512(const float *x, int height, int width, int kernel_height, int kernel_width, int stride_y,
                                  int stride_x, int pad_top, int pad_left, float *y, int out_height, int out_width) {
    (void)x; (void)height; (void)width; (void)kernel_height; (void)kernel_width; (void)stride_y; (void)stride_x; (void)pad_top;
    (void)pad_left; (void)y; (void)out_height; (void)out_width;
}

#endif
