// AVX-512 depthwise 2-D convolution of one float32 plane: sixteen outputs of a row at a time,
// with every tap of the window summed in registers and clamped (a fused ReLU/ReLU6), so each
// output is written once. The load masks of a column block are worked out once for all rows. Taps
// that fall into the padding are masked out of the loads (masked lanes never fault); stride 2
// takes two loads and keeps the even lanes, larger strides gather.
#include "plexus_cpu_kernels.h"

#if defined(__x86_64__)
#include "window_lanes.h"

/// The lines of the next plane, fetched into L2 a few per output row while this plane computes:
/// a plane produced a layer earlier (a pointwise convolution's output, megabytes) has left the
/// core's caches, and the window's rows far apart defeat the hardware prefetchers.
typedef struct plane_fetch {
    const char *next, *end;
    size_t per_row;  // lines per output row of each column block
} plane_fetch;

static plane_fetch plane_fetch_over(const float *next, size_t floats, int out_height, int out_width) {
    const size_t rows = (size_t)out_height * (size_t)((out_width + 15) / 16), lines = (floats + 15) / 16;
    plane_fetch fetch = {(const char *)next, (const char *)next + (next ? floats * 4 : 0), rows ? (lines + rows - 1) / rows : 0};
    return fetch;
}

__attribute__((target("avx512f"))) static inline void plane_fetch_row(plane_fetch *fetch) {
    for (size_t i = 0; i < fetch->per_row && fetch->next < fetch->end; i++, fetch->next += 64)
        _mm_prefetch(fetch->next, _MM_HINT_T1);
}

/// The plane for a window of KH × KW taps known at compile time (3 × 3 and 5 × 5, the common
/// depthwise shapes): the weights stay in registers, and each tap row sums into its own register,
/// so the FMAs of an output row form KH short chains instead of one long one.
#define DEFINE_FIXED_PLANE(KH, KW)                                                                                     \
    __attribute__((target("avx512f"))) static void plane_##KH##x##KW(                                                 \
        const float *x, int height, int width, const float *weights, int stride_y, int stride_x, int dilation_y,       \
        int dilation_x, int pad_top, int pad_left, float bias, float low, float high, float *y, int out_height,        \
        int out_width, const float *next, size_t next_floats) {                                                        \
        const __m512 lower = _mm512_set1_ps(low), upper = _mm512_set1_ps(high);                                        \
        plane_fetch fetch = plane_fetch_over(next, next_floats, out_height, out_width);                                \
        __m512 w[KH * KW];                                                                                             \
        UNROLL for (int t = 0; t < KH * KW; t++) w[t] = _mm512_set1_ps(weights[t]);                                    \
        for (int ox = 0; ox < out_width; ox += 16) {                                                                   \
            const int count = out_width - ox < 16 ? out_width - ox : 16;                                               \
            const __mmask16 present = (__mmask16)((1u << count) - 1);                                                  \
            window_lanes lanes[KW];                                                                                    \
            UNROLL for (int kw = 0; kw < KW; kw++)                                                                     \
                lanes[kw] = window_lanes_at(ox, count, kw, stride_x, dilation_x, pad_left, width);                     \
            for (int oy = 0; oy < out_height; oy++) {                                                                  \
                plane_fetch_row(&fetch);                                                                               \
                __m512 acc[KH];                                                                                        \
                UNROLL for (int kh = 0; kh < KH; kh++) {                                                               \
                    acc[kh] = kh == 0 ? _mm512_set1_ps(bias) : _mm512_setzero_ps();                                    \
                    const int iy = oy * stride_y + kh * dilation_y - pad_top;                                          \
                    if (iy < 0 || iy >= height) continue;                                                              \
                    const float *line = x + (size_t)iy * width;                                                        \
                    UNROLL for (int kw = 0; kw < KW; kw++)                                                             \
                        acc[kh] = _mm512_fmadd_ps(w[kh * KW + kw], window_load(line, lanes[kw], stride_x), acc[kh]);   \
                }                                                                                                      \
                __m512 sum = acc[0];                                                                                   \
                UNROLL for (int kh = 1; kh < KH; kh++) sum = _mm512_add_ps(sum, acc[kh]);                              \
                /* Clamped with the bound first, so a NaN sum stays NaN (max/min return their second operand then). */ \
                sum = _mm512_min_ps(upper, _mm512_max_ps(lower, sum));                                                 \
                _mm512_mask_storeu_ps(y + (size_t)oy * out_width + ox, present, sum);                                  \
            }                                                                                                          \
        }                                                                                                              \
    }

#define UNROLL _Pragma("clang loop unroll(full)")
DEFINE_FIXED_PLANE(3, 3)
DEFINE_FIXED_PLANE(5, 5)

__attribute__((target("avx512f")))
void plx_cpu_depthwise_plane_avx512(const float *x, int height, int width, const float *weights, int kernel_height,
                                    int kernel_width, int stride_y, int stride_x, int dilation_y, int dilation_x,
                                    int pad_top, int pad_left, float bias, float low, float high, float *y, int out_height,
                                    int out_width, const float *next, size_t next_floats) {
    if (kernel_height == 3 && kernel_width == 3)
        return plane_3x3(x, height, width, weights, stride_y, stride_x, dilation_y, dilation_x, pad_top, pad_left, bias, low,
                         high, y, out_height, out_width, next, next_floats);
    if (kernel_height == 5 && kernel_width == 5)
        return plane_5x5(x, height, width, weights, stride_y, stride_x, dilation_y, dilation_x, pad_top, pad_left, bias, low,
                         high, y, out_height, out_width, next, next_floats);
    const __m512 lower = _mm512_set1_ps(low), upper = _mm512_set1_ps(high);
    plane_fetch fetch = plane_fetch_over(next, next_floats, out_height, out_width);
    window_lanes lanes[kernel_width];  // per tap column of the current 16 outputs; the same for every tap row
    for (int ox = 0; ox < out_width; ox += 16) {
        const int count = out_width - ox < 16 ? out_width - ox : 16;
        const __mmask16 present = (__mmask16)((1u << count) - 1);
        for (int kw = 0; kw < kernel_width; kw++) lanes[kw] = window_lanes_at(ox, count, kw, stride_x, dilation_x, pad_left, width);
        for (int oy = 0; oy < out_height; oy++) {
            plane_fetch_row(&fetch);
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
                                    int out_width, const float *next, size_t next_floats) {
    (void)next; (void)next_floats; (void)low; (void)high; (void)x; (void)height; (void)width; (void)weights; (void)kernel_height; (void)kernel_width; (void)stride_y;
    (void)stride_x; (void)dilation_y; (void)dilation_x; (void)pad_top; (void)pad_left; (void)bias; (void)y;
    (void)out_height; (void)out_width;
}

#endif
