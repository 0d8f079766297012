// AVX-512 2-D max pooling of one float32 plane, sixteen outputs of a row at a time. Each lane
// keeps the scalar rule exactly: the largest tap inside the image, NaN when any tap inside is
// NaN (as numpy's max and onnxruntime's do), and −∞ for a window with no tap inside. Padding
// lanes are masked out of the loads.
#include "plexus_cpu_kernels.h"

#if defined(__x86_64__)
#include "window_lanes.h"

// "Keep a unless b is strictly larger" is the scalar rule's step, and it is max(b, a) on the
// vector unit (vmaxps returns its second operand when the first is not larger, NaNs included).
// Over taps that are not NaN it is associative (a maximum whose ties keep the earlier tap), so
// the taps of a window combine as a tree, a row's taps and then the rows, instead of one chain
// through every tap. NaN taps are read as −∞ there (vmaxps would keep or drop them by position)
// and tracked apart in a mask, one compare per tap, which makes the lane NaN at the end.
#define MAXPOOL_ROWS(KW)                                                                                               \
    for (int ox = 0; ox < out_width; ox += 16) {                                                                       \
        const int count = out_width - ox < 16 ? out_width - ox : 16;                                                   \
        const __mmask16 present = (__mmask16)((1u << count) - 1);                                                      \
        window_lanes lanes[KW];                                                                                        \
        for (int kw = 0; kw < (KW); kw++) lanes[kw] = window_lanes_at(ox, count, kw, stride_x, 1, pad_left, width);    \
        for (int oy = 0; oy < out_height; oy++) {                                                                      \
            __m512 best = lowest;                                                                                      \
            __mmask16 nan_any = 0; /* lanes with a NaN tap inside their window */                                      \
            int started = 0;                                                                                           \
            for (int kh = 0; kh < kernel_height; kh++) {                                                               \
                const int iy = oy * stride_y + kh - pad_top;                                                           \
                if (iy < 0 || iy >= height) continue;                                                                  \
                const float *line = x + (size_t)iy * width;                                                            \
                __m512 row = lowest;                                                                                   \
                for (int kw = 0; kw < (KW); kw++) {                                                                    \
                    const __m512 values = window_load(line, lanes[kw], stride_x);                                      \
                    nan_any |= _mm512_mask_cmp_ps_mask(lanes[kw].inside, values, values, _CMP_UNORD_Q);                \
                    row = _mm512_max_ps(_mm512_mask_max_ps(lowest, lanes[kw].inside, values, lowest), row);            \
                }                                                                                                      \
                best = started ? _mm512_max_ps(row, best) : row;                                                       \
                started = 1;                                                                                           \
            }                                                                                                          \
            _mm512_mask_storeu_ps(y + (size_t)oy * out_width + ox, present,                                            \
                                  _mm512_mask_mov_ps(best, nan_any, _mm512_set1_ps(__builtin_nanf(""))));             \
        }                                                                                                              \
    }

__attribute__((target("avx512f")))
void plx_cpu_maxpool_plane_avx512(const float *x, int height, int width, int kernel_height, int kernel_width, int stride_y,
                                  int stride_x, int pad_top, int pad_left, float *y, int out_height, int out_width) {
    const __m512 lowest = _mm512_set1_ps(-__builtin_inff());
    switch (kernel_width) {
    case 2: MAXPOOL_ROWS(2) return;
    case 3: MAXPOOL_ROWS(3) return;
    default: MAXPOOL_ROWS(kernel_width) return;
    }
}

#else

void plx_cpu_maxpool_plane_avx512(const float *x, int height, int width, int kernel_height, int kernel_width, int stride_y,
                                  int stride_x, int pad_top, int pad_left, float *y, int out_height, int out_width) {
    (void)x; (void)height; (void)width; (void)kernel_height; (void)kernel_width; (void)stride_y; (void)stride_x; (void)pad_top;
    (void)pad_left; (void)y; (void)out_height; (void)out_width;
}

#endif
