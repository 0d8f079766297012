// Float32 Add, Sub, Mul and Div over a run of n values, each operand either a contiguous array or
// one value repeated (stride 1 or 0), vectorised by hand: sixteen lanes with AVX-512, eight with
// AVX2, else one at a time. The plugins are built for baseline x86-64, and the compiler's own
// vectorisation of the Swift loop gave up when the output was an input's buffer (in-place), which
// is exactly the case a loop that reads each element before writing it handles safely. Each
// lane's operation is the IEEE one of the scalar loop, so the results are the same bits.
#include "plexus_cpu_kernels.h"

static float apply(int op, float a, float b) {
    switch (op) {
    case PLX_CPU_ADD: return a + b;
    case PLX_CPU_SUB: return a - b;
    case PLX_CPU_MUL: return a * b;
    default: return a / b;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/// The vector loop over the whole vectors of the run, for one instruction set and operation:
/// `V` is the vector type, `OP(name)` its intrinsic; returns how many values it wrote.
#define DEFINE_ARITHMETIC_LOOP(NAME, TARGET, V, LANES, OP, OPERATION)                                          \
    __attribute__((target(TARGET))) static size_t NAME(const float *a, size_t sa, const float *b, size_t sb,   \
                                                       float *out, size_t n) {                                 \
        const V a0 = OP(set1)(a[0]), b0 = OP(set1)(b[0]);                                                      \
        size_t i = 0;                                                                                          \
        for (; i + LANES <= n; i += LANES) {                                                                   \
            const V x = sa ? OP(loadu)(a + i) : a0, y = sb ? OP(loadu)(b + i) : b0;                            \
            OP(storeu)(out + i, OP(OPERATION)(x, y));                                                          \
        }                                                                                                      \
        return i;                                                                                              \
    }

#define AVX512(name) _mm512_##name##_ps
#define AVX2(name) _mm256_##name##_ps
#define DEFINE_FOR_BOTH(OPERATION)                                                                             \
    DEFINE_ARITHMETIC_LOOP(OPERATION##_avx512, "avx512f", __m512, 16, AVX512, OPERATION)                       \
    DEFINE_ARITHMETIC_LOOP(OPERATION##_avx2, "avx2", __m256, 8, AVX2, OPERATION)
DEFINE_FOR_BOTH(add)
DEFINE_FOR_BOTH(sub)
DEFINE_FOR_BOTH(mul)
DEFINE_FOR_BOTH(div)

typedef size_t (*arithmetic_loop)(const float *, size_t, const float *, size_t, float *, size_t);
static const arithmetic_loop avx512_loops[4] = {add_avx512, sub_avx512, mul_avx512, div_avx512};
static const arithmetic_loop avx2_loops[4] = {add_avx2, sub_avx2, mul_avx2, div_avx2};
#endif

void plx_cpu_arithmetic(int op, const float *a, size_t a_stride, const float *b, size_t b_stride, float *out, size_t n) {
    if (n == 0) return;
    size_t done = 0;
#if defined(__x86_64__)
    if (op >= PLX_CPU_ADD && op <= PLX_CPU_DIV) {
        if (plx_cpu_avx512_available()) done = avx512_loops[op](a, a_stride, b, b_stride, out, n);
        else if (plx_cpu_avx2_available()) done = avx2_loops[op](a, a_stride, b, b_stride, out, n);
    }
#endif
    for (size_t i = done; i < n; i++) out[i] = apply(op, a[i * a_stride], b[i * b_stride]);
}
