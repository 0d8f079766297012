// AVX-512 pieces of the panel convolution: the im2col unfolding of a panel of output positions,
// and the epilogue (bias, residual, clamp) over a finished tile. Masked loads do the padding:
// lanes whose input column lies outside the image load as zero and never touch memory, so the
// borders need no branches and no separate zero fill.
#include "plexus_cpu_kernels.h"

#if defined(__x86_64__)
#include "window_lanes.h"

#define KERNEL __attribute__((target("avx512f")))

KERNEL void plx_cpu_unfold_avx512(const float *image, const plx_cpu_window *window, size_t channels, size_t begin, size_t end,
                                  float *panel, size_t panel_stride) {
    const long in_h = window->input_height, in_w = window->input_width;
    const long out_w = window->output_width;
    const long plane = in_h * in_w;
    float *target = panel;
    for (size_t channel = 0; channel < channels; channel++) {
        const float *source = image + (long)channel * plane;
        for (long kh = 0; kh < window->kernel_height; kh++) {
            const long row_shift = kh * window->dilation_height - window->pad_top;
            for (long kw = 0; kw < window->kernel_width; kw++) {
                for (long j = (long)begin; j < (long)end;) {
                    const long oh = j / out_w, start = j - oh * out_w;
                    const long stop = start + ((long)end - j) < out_w ? start + ((long)end - j) : out_w;
                    float *out = target + (j - (long)begin) - start;  // out[ow] is position (oh, ow)
                    const long ih = oh * window->stride_height + row_shift;
                    if (ih < 0 || ih >= in_h) {
                        for (long ow = start; ow < stop; ow += 16) {
                            const long n = stop - ow;
                            _mm512_mask_storeu_ps(out + ow, n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1), _mm512_setzero_ps());
                        }
                    } else {
                        const float *row = source + ih * in_w;
                        for (long ow = start; ow < stop; ow += 16) {
                            const int n = stop - ow < 16 ? (int)(stop - ow) : 16;
                            const window_lanes lanes = window_lanes_at((int)ow, n, (int)kw, (int)window->stride_width,
                                                                       (int)window->dilation_width, (int)window->pad_left, (int)in_w);
                            _mm512_mask_storeu_ps(out + ow, (__mmask16)((1u << n) - 1), window_load(row, lanes, (int)window->stride_width));
                        }
                    }
                    j += stop - start;
                }
                target += panel_stride;
            }
        }
    }
}

KERNEL void plx_cpu_finish_tile_avx512(const float *source, size_t source_stride, size_t source_pitch, float *y, size_t y_stride,
                                       size_t rows, size_t lines, size_t columns, const float *bias, const float *residual,
                                       float low, float high) {
    const __m512 lower = _mm512_set1_ps(low), upper = _mm512_set1_ps(high);
    for (size_t i = 0; i < rows; i++) {
        const __m512 shift = _mm512_set1_ps(bias ? bias[i] : 0.0f);
        for (size_t line = 0; line < lines; line++) {
            const float *from = source + i * source_stride + line * source_pitch;
            float *to = y + i * y_stride + line * columns;
            const float *r = residual ? residual + i * y_stride + line * columns : 0;
            for (size_t j = 0; j < columns; j += 16) {
                const size_t n = columns - j;
                const __mmask16 mask = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
                __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, from + j), shift);
                if (r) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, r + j));
                // Compare-and-blend rather than max/min, so a NaN stays NaN.
                v = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, lower, _CMP_LT_OQ), v, lower);
                v = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, upper, _CMP_GT_OQ), v, upper);
                _mm512_mask_storeu_ps(to + j, mask, v);
            }
        }
    }
}

#else

void plx_cpu_unfold_avx512(const float *image, const plx_cpu_window *window, size_t channels, size_t begin, size_t end,
                           float *panel, size_t panel_stride) {
    (void)image; (void)window; (void)channels; (void)begin; (void)end; (void)panel; (void)panel_stride;
}

void plx_cpu_finish_tile_avx512(const float *source, size_t source_stride, size_t source_pitch, float *y, size_t y_stride,
                                size_t rows, size_t lines, size_t columns, const float *bias, const float *residual,
                                float low, float high) {
    (void)source; (void)source_stride; (void)source_pitch; (void)y; (void)y_stride; (void)rows; (void)lines; (void)columns;
    (void)bias; (void)residual; (void)low; (void)high;
}

#endif
