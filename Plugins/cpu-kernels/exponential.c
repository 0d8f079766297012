// The float32 exponential, logistic sigmoid and hyperbolic tangent over an array, vectorised by
// hand: sixteen lanes with AVX-512, eight with AVX2, else one at a time, every path the same steps
// (the vector ones fuse multiply-adds, so results may differ in the last bit or two). Errors below
// are the largest over all 2^32 inputs, against float64 references.
//
// exp: x is clamped to [−104, 89] (e^−104 rounds to 0 and e^89 to ∞ in float32; NaN stays NaN:
// every clamp takes the bound as its first operand), then x = k·ln2 + r with k = round(x·log2 e)
// and k·ln2 taken in two parts (Cody–Waite: ln2's first 9 bits times |k| ≤ 150 is exact), so
// |r| ≤ ln2/2 carries one rounding. e^r ≈ 1 + r + r²·C(r), C of degree 4 (minimax, within 4.3e-9
// of e^r relatively), and e^x = (e^r·2^(k−j))·2^j with j = round(k/2): both scales are normal
// floats, each built from exponent bits, and only the last product rounds, so results below
// 2^−126 are correctly rounded subnormals of e^r·2^k and those past the largest float are +∞.
// Within 1.02 ulp.
//
// sigmoid: with e = e^−|x| (≤ 1, so it never overflows), 1/(1 + e) for x ≥ 0 and e/(1 + e) for
// x < 0: tiny results keep their relative accuracy until e^x becomes subnormal. Within 2.41 ulp,
// a relative 1.8e-7 for normal results.
//
// tanh: for |x| < 0.625, x·(1 + x²·P(x²)) (P of degree 4, minimax, within 8.5e-9 relatively): no
// cancellation near 0, and as a product it keeps tanh(−0) = −0. Beyond, ±(1 − 2e/(1 + e)) with
// e = e^−2|x|, which reaches ±1 by itself (from |x| ≈ 9.01). Within 1.47 ulp.
#include "plexus_cpu_kernels.h"

#include <stdint.h>
#include <string.h>

static const float LOG2E = 1.44269502f, LN2_HI = 0.693359375f, LN2_LO = -2.12194442e-4f;
static const float SHIFT = 0x1.8p23f;     // v + SHIFT − SHIFT rounds v (|v| < 2^22) to an integer
static const float BIAS = 0x1.8p23f + 127; // k + BIAS (k an integer) has the bits 0x4B40007F + k
static const float C[5] = {0.00138143916f, 0.00836881716f, 0.0416683964f, 0.166665196f, 0.49999994f};
static const float P[5] = {-0.00570498174f, 0.0206390824f, -0.0537397154f, 0.133314416f, -0.333332807f};

/// m's bits shifted left by 23: 2^k when m = k + BIAS for an integer k in [−126, 127] (the low
/// 9 bits, 127 + k, become the exponent field).
static float pow2_bits(float m) {
    uint32_t bits;
    memcpy(&bits, &m, sizeof bits);
    bits <<= 23;
    memcpy(&m, &bits, sizeof m);
    return m;
}

static float exp_one(float x) {
    x = x != x ? x : (x < -104.0f ? -104.0f : (x > 89.0f ? 89.0f : x));
    const float k = (x * LOG2E + SHIFT) - SHIFT, r = (x - k * LN2_HI) - k * LN2_LO;
    float c = C[0];
    for (int i = 1; i < 5; i++) c = c * r + C[i];
    const float e_r = 1.0f + (r * r * c + r);
    const float half = k * 0.5f + BIAS, rest = (k - half) + 2 * BIAS;  // j + BIAS and k − j + BIAS
    return e_r * pow2_bits(rest) * pow2_bits(half);
}

static float sigmoid_one(float x) {
    const float e = exp_one(x < 0 ? x : -x);
    return (x < 0 ? e : 1.0f) / (1.0f + e);
}

static float tanh_one(float x) {
    const float a = x < 0 ? -x : x, z = x * x;
    float p = P[0];
    for (int i = 1; i < 5; i++) p = p * z + P[i];
    if (a < 0.625f) return x * (z * p + 1.0f);
    const float e = exp_one(-2.0f * a), big = 1.0f - (e + e) / (1.0f + e);
    return x < 0 ? -big : big;
}

#if defined(__x86_64__)
#include <immintrin.h>

/// The three functions on one vector, and their loops over the whole vectors of x (returning how
/// many values they wrote), for one instruction set: `V` is the vector type, `OP(name)` its
/// intrinsic, `POW2(m)` pow2_bits and `IF_LESS(a, b, yes, no)` a lane-wise `a < b ? yes : no`.
#define DEFINE_EXPONENTIAL_LOOPS(ISA, TARGET, V, LANES, OP, POW2, IF_LESS)                                     \
    __attribute__((target(TARGET))) static inline V exp_##ISA(V x) {                                           \
        x = OP(min)(OP(set1)(89.0f), OP(max)(OP(set1)(-104.0f), x));                                           \
        const V k = OP(sub)(OP(fmadd)(x, OP(set1)(LOG2E), OP(set1)(SHIFT)), OP(set1)(SHIFT));                  \
        const V r = OP(fnmadd)(k, OP(set1)(LN2_LO), OP(fnmadd)(k, OP(set1)(LN2_HI), x));                       \
        V c = OP(set1)(C[0]);                                                                                  \
        for (int i = 1; i < 5; i++) c = OP(fmadd)(c, r, OP(set1)(C[i]));                                       \
        const V e_r = OP(add)(OP(set1)(1.0f), OP(fmadd)(OP(mul)(r, r), c, r));                                 \
        const V half = OP(fmadd)(k, OP(set1)(0.5f), OP(set1)(BIAS));                                           \
        const V rest = OP(add)(OP(sub)(k, half), OP(set1)(2 * BIAS));                                          \
        return OP(mul)(OP(mul)(e_r, POW2(rest)), POW2(half));                                                  \
    }                                                                                                          \
    __attribute__((target(TARGET))) static inline V sigmoid_##ISA(V x) {                                       \
        const V zero = OP(setzero)(), one = OP(set1)(1.0f), e = exp_##ISA(OP(min)(x, OP(sub)(zero, x)));       \
        return OP(div)(IF_LESS(x, zero, e, one), OP(add)(one, e));                                             \
    }                                                                                                          \
    __attribute__((target(TARGET))) static inline V tanh_##ISA(V x) {                                          \
        const V zero = OP(setzero)(), one = OP(set1)(1.0f), z = OP(mul)(x, x);                                 \
        const V a = OP(max)(x, OP(sub)(zero, x));                                                              \
        V p = OP(set1)(P[0]);                                                                                  \
        for (int i = 1; i < 5; i++) p = OP(fmadd)(p, z, OP(set1)(P[i]));                                       \
        const V e = exp_##ISA(OP(mul)(a, OP(set1)(-2.0f)));                                                    \
        const V big = OP(sub)(one, OP(div)(OP(add)(e, e), OP(add)(one, e)));                                   \
        return IF_LESS(a, OP(set1)(0.625f), OP(mul)(x, OP(fmadd)(z, p, one)),                                  \
                       IF_LESS(x, zero, OP(sub)(zero, big), big));                                             \
    }                                                                                                          \
    DEFINE_LOOP(exp_##ISA, TARGET, V, LANES, OP)                                                               \
    DEFINE_LOOP(sigmoid_##ISA, TARGET, V, LANES, OP)                                                           \
    DEFINE_LOOP(tanh_##ISA, TARGET, V, LANES, OP)

#define DEFINE_LOOP(FUNCTION, TARGET, V, LANES, OP)                                                            \
    __attribute__((target(TARGET))) static size_t FUNCTION##_loop(const float *x, float *y, size_t n) {        \
        size_t i = 0;                                                                                          \
        for (; i + LANES <= n; i += LANES) OP(storeu)(y + i, FUNCTION(OP(loadu)(x + i)));                      \
        return i;                                                                                              \
    }

#define AVX512(name) _mm512_##name##_ps
#define AVX512_POW2(m) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(m), 23))
#define AVX512_IF_LESS(a, b, yes, no) _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), no, yes)
#define AVX2(name) _mm256_##name##_ps
#define AVX2_POW2(m) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(m), 23))
#define AVX2_IF_LESS(a, b, yes, no) _mm256_blendv_ps(no, yes, _mm256_cmp_ps(a, b, _CMP_LT_OQ))
DEFINE_EXPONENTIAL_LOOPS(avx512, "avx512f", __m512, 16, AVX512, AVX512_POW2, AVX512_IF_LESS)
DEFINE_EXPONENTIAL_LOOPS(avx2, "avx2,fma", __m256, 8, AVX2, AVX2_POW2, AVX2_IF_LESS)

#define VECTOR_PART(NAME)                                                                                      \
    (plx_cpu_avx512_available() ? NAME##_avx512_loop(x, y, n)                                                  \
                                : plx_cpu_avx2_available() ? NAME##_avx2_loop(x, y, n) : 0)
#else
#define VECTOR_PART(NAME) 0
#endif

#define DEFINE_ARRAY_FUNCTION(NAME)                                                                            \
    void plx_cpu_##NAME(const float *x, float *y, size_t n) {                                                  \
        for (size_t i = VECTOR_PART(NAME); i < n; i++) y[i] = NAME##_one(x[i]);                                \
    }
DEFINE_ARRAY_FUNCTION(exp)
DEFINE_ARRAY_FUNCTION(sigmoid)
DEFINE_ARRAY_FUNCTION(tanh)
