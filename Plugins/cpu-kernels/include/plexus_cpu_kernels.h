#ifndef PLEXUS_CPU_KERNELS_H
#define PLEXUS_CPU_KERNELS_H

/// Hand-vectorised inner kernels of the CPU plugin for instruction sets the portable Swift build
/// cannot assume (it targets baseline x86-64, i.e. SSE2). Each kernel is compiled for its own
/// target and is called only after the matching `*_available` check says this CPU has it.
/// Pure functions of their arguments: thread-safe, no allocation, no global state besides the
/// one-time CPU feature query.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Number of rows of C one call of `plx_cpu_sgemm_rows_avx2` computes at most.
enum { PLX_CPU_SGEMM_AVX2_ROWS = 6 };

/// Whether this CPU runs the AVX2 + FMA kernels (always 0 on other architectures, and 0 when
/// the environment sets `PLEXUS_CPU_PORTABLE` to anything but "0", which tests use to exercise
/// the portable kernels). Read once; later calls return the first answer.
int plx_cpu_avx2_available(void);

/// Computes `rows` (1 ... PLX_CPU_SGEMM_AVX2_ROWS) rows of a float32 product
/// `C[i, j] = Σ_p A[i, p] · B[p, j]` for the columns `j < n - n % 8`, overwriting them, and
/// returns how many columns it wrote (the caller finishes the rest).
///
/// A is read through strides: element (i, p) is `a[i * a_row_stride + p * a_column_stride]`
/// (so a transposed A needs no copy); B[p, j] is `b[p * b_row_stride + j]` and C[i, j] is
/// `c[i * c_row_stride + j]`, so a call can cover a panel of wider matrices. Requires
/// `plx_cpu_avx2_available()`; results use fused multiply-adds.
size_t plx_cpu_sgemm_rows_avx2(const float *a, size_t a_row_stride, size_t a_column_stride,
                               const float *b, size_t b_row_stride, float *c, size_t c_row_stride,
                               size_t rows, size_t n, size_t k);

/// Number of rows of C one call of `plx_cpu_sgemm_rows_avx512` computes at most.
enum { PLX_CPU_SGEMM_AVX512_ROWS = 12 };

/// Whether this CPU runs the AVX-512 kernel: AVX-512F and everything plx_cpu_avx2_available()
/// needs (so PLEXUS_CPU_PORTABLE turns it off too); `PLEXUS_CPU_ISA=avx2` keeps it off so the
/// AVX2 kernel can be tested on AVX-512 machines. Read once.
int plx_cpu_avx512_available(void);

/// As plx_cpu_sgemm_rows_avx2 for 1 ... PLX_CPU_SGEMM_AVX512_ROWS rows, but it computes every
/// column (masked loads and stores finish the last n % 16) and returns n.
size_t plx_cpu_sgemm_rows_avx512(const float *a, size_t a_row_stride, size_t a_column_stride,
                                 const float *b, size_t b_row_stride, float *c, size_t c_row_stride,
                                 size_t rows, size_t n, size_t k);

/// One plane of a depthwise 2-D convolution in float32: y[oy, ox] = clamp(bias + Σ w[kh, kw] ·
/// x[oy·stride_y + kh·dilation_y − pad_top, ox·stride_x + kw·dilation_x − pad_left], low, high),
/// taps outside the [height × width] plane counting as 0 (pass −∞/∞ for no clamp; NaN stays
/// NaN). Requires plx_cpu_avx512_available() (the CNN plugin links these kernels too). Pure;
/// thread-safe.
void plx_cpu_depthwise_plane_avx512(const float *x, int height, int width, const float *weights, int kernel_height,
                                    int kernel_width, int stride_y, int stride_x, int dilation_y, int dilation_x,
                                    int pad_top, int pad_left, float bias, float low, float high, float *y, int out_height,
                                    int out_width);

#ifdef __cplusplus
}
#endif

#endif
