// Float32 copy of every stride-th value: target[j] = source[j · stride]. Stride 2 — splitting an
// image row into its even and odd columns, as a stride-2 convolution's phase planes do — takes two
// AVX-512 loads and one permute per sixteen values instead of sixteen scalar loads.
#include "plexus_cpu_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

/// Stride 2, sixteen values at a time; returns how many it wrote (the caller finishes the rest).
__attribute__((target("avx512f"))) static size_t every_other_avx512(const float *source, size_t count, float *target) {
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    size_t j = 0;
    // Each step reads source[2j ..< 2j + 32], so it stops where that would pass source[2(count − 1)].
    for (; j + 16 <= count && 2 * j + 32 <= 2 * count - 1; j += 16)
        _mm512_storeu_ps(target + j, _mm512_permutex2var_ps(_mm512_loadu_ps(source + 2 * j), even, _mm512_loadu_ps(source + 2 * j + 16)));
    return j;
}
#endif

void plx_cpu_copy_strided(const float *source, size_t stride, size_t count, float *target) {
    size_t j = 0;
#if defined(__x86_64__)
    if (stride == 2 && plx_cpu_avx512_available()) j = every_other_avx512(source, count, target);
#endif
    for (; j < count; j++) target[j] = source[j * stride];
}
