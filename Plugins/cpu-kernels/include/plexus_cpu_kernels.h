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

/// C[i, j] = Σ_p A[i, p] · B[j, p] for i < m and j < n, overwriting C: A is m × k and B n × k,
/// both row-major and contiguous (Gemm with transB, a Linear layer's weights), C[i, j] at
/// c[i·ldc + j]. Meant for few rows of A (a batch of one): B is read once, four rows at a time,
/// and every row of A meets them while they are in L1. AVX-512, else AVX2 + FMA, else a portable
/// loop (PLEXUS_CPU_PORTABLE / PLEXUS_CPU_ISA choose as for the other kernels). Pure; thread-safe
/// for disjoint C.
void plx_cpu_sgemm_dot_rows(const float *a, size_t m, const float *b, size_t n, size_t k, float *c, size_t ldc);

/// target[c·rows + r] = source[r·columns + c]: writes the transpose of the rows × columns
/// row-major `source` into `target` (rows·columns floats, not overlapping it). 8 × 8 blocks in
/// AVX registers where plx_cpu_avx2_available(), else a portable loop. Pure; thread-safe.
void plx_cpu_transpose(const float *source, size_t rows, size_t columns, float *target);

/// target[j] = source[j · stride] for j < count (target not overlapping the values read). Reads
/// only source[0], source[stride], ..., source[(count − 1) · stride]. Stride 2 uses AVX-512 where
/// plx_cpu_avx512_available(); other strides, or other CPUs, a portable loop. Pure; thread-safe.
void plx_cpu_copy_strided(const float *source, size_t stride, size_t count, float *target);

/// Rows of the full blocks of plx_cpu_sgemm_pack's layout.
enum { PLX_CPU_SGEMM_PACKED_ROWS = 12 };

/// Writes the m × k row-major matrix `a` into `packed` (m·k floats, not overlapping `a`) in the
/// layout plx_cpu_sgemm_packed reads: blocks of 12 rows while 12 remain, then of 4 while 4
/// remain, then one of the last m % 4; the block of r rows starting at row f holds element
/// (f + i, p) at packed[f·k + p·r + i]. Portable; pure; thread-safe.
void plx_cpu_sgemm_pack(const float *a, size_t m, size_t k, float *packed);

/// What a product does to each element of C once it is complete, before it is stored:
/// c[i, j] = clamp(c[i, j] + bias[i] + residual[i·ldc + j], low, high), with C's row index i and
/// stride ldc. `bias` and `residual` may be NULL; ±∞ bounds leave values unclamped (NaN stays NaN).
typedef struct plx_cpu_epilogue {
    const float *bias;
    const float *residual;
    float low, high;
} plx_cpu_epilogue;

/// Rows of the block of plx_cpu_sgemm_pack's layout that starts at row `first` (< m) of an m-row
/// matrix. Pure; thread-safe.
size_t plx_cpu_sgemm_packed_block_rows(size_t m, size_t first);

/// Rows [row_begin, row_end) of the float32 product C = A · B for columns [0, n), overwriting
/// them: A is m × k, packed by plx_cpu_sgemm_pack; B[p, j] is b[p·ldb + j]; C[i, j] is
/// c[i·ldc + j] (c points at row 0 of C even when row_begin > 0). The row bounds must start packed
/// blocks (or be m): multiples of 12 up to m always do. Uses the AVX-512 kernel when
/// plx_cpu_avx512_available(), else the AVX2 one, else portable loops; results use fused
/// multiply-adds and may differ from a plain dot product by rounding. Returns 0, −1 (writing
/// nothing) when a row bound is not a block boundary, or −2 when out of memory (k > 1024 needs a
/// small heap buffer). `epilogue` (NULL for none) finishes each element of C as it is stored.
/// Pure; thread-safe for disjoint row ranges or disjoint C.
int plx_cpu_sgemm_packed(const float *packed, size_t m, size_t k, size_t row_begin, size_t row_end,
                         const float *b, size_t ldb, size_t n, float *c, size_t ldc, const plx_cpu_epilogue *epilogue);

/// As plx_cpu_sgemm_packed, but row p of B starts at b + b_rows[p] (k offsets, in floats): an
/// implicit im2col, where each row of the unfolded matrix is a shifted view of a padded image
/// and nothing is copied. Portable loops stand in on CPUs without AVX-512 (no AVX2 path: callers
/// use it where plx_cpu_avx512_available()). Returns 0, or −1 for a row bound that is not a
/// block boundary. Pure; thread-safe.
int plx_cpu_sgemm_packed_gather(const float *packed, size_t m, size_t k, size_t row_begin, size_t row_end,
                                const float *b, const size_t *b_rows, size_t n, float *c, size_t ldc);

/// Columns per panel of plx_cpu_sgemm_pack_panels's layout.
enum { PLX_CPU_SGEMM_PANEL_COLUMNS = 32 };

/// Writes the k × n matrix B (B[p, j] at b[p·ldb + j]) into `panels` as ⌈n / 32⌉ panels of 32
/// columns, panel s holding B[p, 32·s + j] at panels[s·32·k + p·32 + j], zero past column n:
/// ⌈n / 32⌉·32·k floats, each panel contiguous (a weight matrix packed once for
/// plx_cpu_sgemm_packed_panels). Portable; pure; thread-safe.
void plx_cpu_sgemm_pack_panels(const float *b, size_t k, size_t n, size_t ldb, float *panels);

/// As plx_cpu_sgemm_packed, with B given as panels (plx_cpu_sgemm_pack_panels): the kernel reads
/// each panel as one contiguous stream. To compute only columns [32·s, 32·s + n'), pass
/// panels + s·32·k, n' and c + 32·s. Portable loops stand in without AVX-512. Returns 0, −1 for
/// row bounds that are not block boundaries, −2 when out of memory (k > 1024). Pure; thread-safe
/// for disjoint C.
int plx_cpu_sgemm_packed_panels(const float *packed, size_t m, size_t k, size_t row_begin, size_t row_end,
                                const float *panels, size_t n, float *c, size_t ldc, const plx_cpu_epilogue *epilogue);

/// The window of a 2-D convolution (a 1-D one has height 1, kernel 1, stride 1, no padding):
/// output (oh, ow), tap (kh, kw) reads input (oh·stride_height + kh·dilation_height − pad_top,
/// ow·stride_width + kw·dilation_width − pad_left), zero outside the input.
typedef struct plx_cpu_window {
    long input_height, input_width, output_height, output_width;
    long kernel_height, kernel_width, stride_height, stride_width;
    long dilation_height, dilation_width, pad_top, pad_left;
} plx_cpu_window;

/// Writes the im2col columns [begin, end) (output positions, row-major over the output plane) of
/// one image [channels, input_height, input_width] into `panel`, a
/// [channels · kernel_height · kernel_width, end − begin] matrix with rows `panel_stride`
/// (≥ end − begin) floats apart, padding included as zeros (nothing needs clearing first; the
/// floats between a row's end and the next row are left as they are). Requires
/// plx_cpu_avx512_available(). Pure; thread-safe.
void plx_cpu_unfold_avx512(const float *image, const plx_cpu_window *window, size_t channels, size_t begin, size_t end,
                           float *panel, size_t panel_stride);

/// Finishes a tile of a convolution's output: for each of `rows` filters i and `lines` output
/// rows l, the `columns` values y[i·y_stride + l·columns + j] become
/// clamp(source[i·source_stride + l·source_pitch + j] + bias[i] + residual[same index as y],
/// low, high). `source` may be `y` itself (in place, with source_pitch = columns and lines = 1
/// for a flat tile) or a product over padded rows (source_pitch > columns: the columns past
/// `columns` are dropped). `bias` and `residual` may be NULL; ±∞ bounds leave values unclamped
/// (NaN stays NaN). Requires plx_cpu_avx512_available(). Pure; thread-safe.
void plx_cpu_finish_tile_avx512(const float *source, size_t source_stride, size_t source_pitch, float *y, size_t y_stride,
                                size_t rows, size_t lines, size_t columns, const float *bias, const float *residual,
                                float low, float high);

/// One plane of a depthwise 2-D convolution in float32: y[oy, ox] = clamp(bias + Σ w[kh, kw] ·
/// x[oy·stride_y + kh·dilation_y − pad_top, ox·stride_x + kw·dilation_x − pad_left], low, high),
/// taps outside the [height × width] plane counting as 0 (pass −∞/∞ for no clamp; NaN stays
/// NaN). `next` (NULL for none) is the plane the caller computes next, `next_floats` long: it is
/// fetched into the cache while this one computes (only read as a prefetch hint, never
/// dereferenced). Requires plx_cpu_avx512_available() (the CNN plugin links these kernels too).
/// Pure; thread-safe.
void plx_cpu_depthwise_plane_avx512(const float *x, int height, int width, const float *weights, int kernel_height,
                                    int kernel_width, int stride_y, int stride_x, int dilation_y, int dilation_x,
                                    int pad_top, int pad_left, float bias, float low, float high, float *y, int out_height,
                                    int out_width, const float *next, size_t next_floats);

/// Winograd F(2×2, 3×3) filter transform: from 3×3 filters W [m, channels, 3, 3] in
/// plx_cpu_sgemm_pack's layout (k = 9·channels), writes the 16 matrices U_ξ = (G g Gᵀ)_ξ
/// (ξ = 4·row + column of the 4×4 transform), each m × channels in the same packed layout
/// (k = channels), one after another into `u` (16·m·channels floats). Requires
/// plx_cpu_avx512_available(). Pure; thread-safe.
void plx_cpu_winograd_filters_avx512(const float *packed, size_t m, size_t channels, float *u);

/// Winograd F(2×2, 3×3) input transform of the tile rows [first_tile_row, first_tile_row +
/// tile_rows) of an image x [channels, height, width] (tile (ty, tx) is the 4×4 window at input
/// row 2·ty − pad_top, column 2·tx − pad_left; outside the image counts as 0): V_ξ[c, t] = (Bᵀ d
/// B)_ξ for local tile t = (ty − first_tile_row)·tiles_wide + tx, at v[ξ·v_matrix + c·v_stride
/// + t]. Requires plx_cpu_avx512_available(). Pure; thread-safe.
void plx_cpu_winograd_input_avx512(const float *x, size_t channels, int height, int width, int pad_top, int pad_left,
                                   int first_tile_row, int tile_rows, int tiles_wide, float *v, size_t v_stride,
                                   size_t v_matrix);

/// Winograd F(2×2, 3×3) output transform: from the 16 products M_ξ[f, t] at products[ξ·p_matrix
/// + f·p_stride + t] (local tiles t as in the input transform), writes each tile's 2×2 outputs
/// Aᵀ M A of `filters` filters into y [filters, out_height, out_width] (plane size `positions`),
/// finished as y = clamp(value + bias[f] + residual[same index], low, high); outputs past the
/// plane's edge are dropped. `bias` and `residual` may be NULL; NaN stays NaN. Requires
/// plx_cpu_avx512_available(). Pure; thread-safe.
void plx_cpu_winograd_output_avx512(const float *products, size_t p_stride, size_t p_matrix, size_t filters,
                                    int first_tile_row, int tile_rows, int tiles_wide, int out_height, int out_width,
                                    float *y, size_t positions, const float *bias, const float *residual, float low,
                                    float high);

/// One plane of a 2-D max pooling in float32 without dilation: y[oy, ox] = the maximum of x over
/// the window at (oy·stride_y − pad_top, ox·stride_x − pad_left), taps outside the
/// [height × width] plane excluded, by the scalar rule (the first tap inside, then any strictly
/// larger one: a NaN first tap stays NaN, a later NaN is passed over; −∞ when no tap is inside).
/// Requires plx_cpu_avx512_available(). Pure; thread-safe.
void plx_cpu_maxpool_plane_avx512(const float *x, int height, int width, int kernel_height, int kernel_width, int stride_y,
                                  int stride_x, int pad_top, int pad_left, float *y, int out_height, int out_width);

/// The operations of plx_cpu_arithmetic.
enum { PLX_CPU_ADD = 0, PLX_CPU_SUB = 1, PLX_CPU_MUL = 2, PLX_CPU_DIV = 3 };

/// out[i] = a[i · a_stride] op b[i · b_stride] for n float32 values, each stride 1 (an array) or 0
/// (one value repeated), op one of PLX_CPU_ADD/SUB/MUL/DIV: AVX-512 or AVX2 lanes where the CPU
/// has them, else one at a time, the same IEEE result either way. `out` may be `a` or `b` itself
/// (in place), but must not otherwise overlap them. Pure; thread-safe.
void plx_cpu_arithmetic(int op, const float *a, size_t a_stride, const float *b, size_t b_stride, float *out, size_t n);

/// y[i] = erf(x[i]) for n float32 values (x and y may be the same array), within 3.6e-7 of the
/// exact value (the rational approximation of PlexusPluginKit's Float.erf), NaN kept: AVX-512 or
/// AVX2 lanes where the CPU has them, portable code otherwise. Pure; thread-safe.
void plx_cpu_erf(const float *x, float *y, size_t n);

/// y[i] = e^x[i] for n float32 values (x and y may be the same array, but must not otherwise
/// overlap), within 1.02 ulp of the exact value: subnormal results rounded correctly, 0 below
/// x ≈ −103.97 and +∞ above x ≈ 88.72 (where float32 rounds to them), NaN kept. AVX-512 or AVX2
/// lanes where the CPU has them, portable code otherwise, the same method on every path (their
/// results differ at most in the last bit). Pure; thread-safe.
void plx_cpu_exp(const float *x, float *y, size_t n);

/// y[i] = 1/(1 + e^−x[i]) for n float32 values (x and y as for plx_cpu_exp), within 2.5 ulp and a
/// relative 1.8e-7 of the exact value wherever it is a normal float (so also the tiny results of
/// very negative x), NaN kept; computed from e^−|x|, which cannot overflow. Paths as for
/// plx_cpu_exp (results differ by at most 2 ulp between them). Pure; thread-safe.
void plx_cpu_sigmoid(const float *x, float *y, size_t n);

/// y[i] = tanh(x[i]) for n float32 values (x and y as for plx_cpu_exp), within 1.5 ulp of the exact
/// value, relative accuracy kept near 0 (a polynomial below |x| = 0.625), tanh(−0) = −0, ±1 from
/// |x| ≈ 9.01, NaN kept. Paths as for plx_cpu_sigmoid. Pure; thread-safe.
void plx_cpu_tanh(const float *x, float *y, size_t n);

#ifdef __cplusplus
}
#endif

#endif
