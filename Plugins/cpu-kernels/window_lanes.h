// Shared by the AVX-512 window kernels (depthwise convolution, max pooling, im2col unfolding): sixteen outputs of a
// row at a time read one input row per tap column; these work out, once per block of sixteen
// output columns, where each tap column's lanes read and which of them fall inside the row, and
// load a tap's sixteen inputs. Masked lanes never touch memory, so padding costs no branches.
#ifndef PLEXUS_WINDOW_LANES_H
#define PLEXUS_WINDOW_LANES_H

#if defined(__x86_64__)
#include <immintrin.h>

/// Per tap column of one block of sixteen output columns.
typedef struct window_lanes {
    int first;               // the input column lane 0 reads
    __mmask16 inside;        // lanes whose input column lies in the row (and whose output exists)
    __mmask16 inside_low;    // stride 2: lanes of the first contiguous load inside the row
    __mmask16 inside_high;   // stride 2: the same for the second load
} window_lanes;

/// The lanes of tap column kw for the `count` outputs starting at column ox.
__attribute__((target("avx512f"))) static inline window_lanes window_lanes_at(int ox, int count, int kw, int stride_x, int dilation_x,
                                                                             int pad_left, int width) {
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i limit = _mm512_set1_epi32(width), zero = _mm512_setzero_si512();
    window_lanes lanes;
    lanes.first = ox * stride_x + kw * dilation_x - pad_left;
    const __m512i columns = _mm512_add_epi32(_mm512_set1_epi32(lanes.first), _mm512_mullo_epi32(lane, _mm512_set1_epi32(stride_x)));
    const __mmask16 present = (__mmask16)((1u << count) - 1);
    lanes.inside = present & _mm512_cmpge_epi32_mask(columns, zero) & _mm512_cmplt_epi32_mask(columns, limit);
    const __m512i at = _mm512_add_epi32(_mm512_set1_epi32(lanes.first), lane);
    const __m512i at_high = _mm512_add_epi32(at, _mm512_set1_epi32(16));
    lanes.inside_low = _mm512_cmpge_epi32_mask(at, zero) & _mm512_cmplt_epi32_mask(at, limit);
    lanes.inside_high = _mm512_cmpge_epi32_mask(at_high, zero) & _mm512_cmplt_epi32_mask(at_high, limit);
    return lanes;
}

/// The sixteen inputs of one tap from input row `line` (zero in the lanes outside it): stride 1
/// loads, stride 2 takes two loads and keeps the even lanes (cheaper than a gather), larger
/// strides gather.
__attribute__((target("avx512f"))) static inline __m512 window_load(const float *line, window_lanes lanes, int stride_x) {
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const char *start = (const char *)line + (ptrdiff_t)lanes.first * 4;
    if (stride_x == 1) return _mm512_maskz_loadu_ps(lanes.inside, start);
    if (stride_x == 2) {
        const __m512 a = _mm512_maskz_loadu_ps(lanes.inside_low, start);
        const __m512 b = _mm512_maskz_loadu_ps(lanes.inside_high, start + 64);
        return _mm512_maskz_permutex2var_ps(lanes.inside, a, _mm512_add_epi32(lane, lane), b);
    }
    const __m512i columns = _mm512_add_epi32(_mm512_set1_epi32(lanes.first), _mm512_mullo_epi32(lane, _mm512_set1_epi32(stride_x)));
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), lanes.inside, columns, line, 4);
}

#endif
#endif
