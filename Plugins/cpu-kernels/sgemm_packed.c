// Float32 GEMM with A packed ahead of time (filters, weights: constant across calls).
//
// Packed layout of an m × k matrix A (`plx_cpu_sgemm_pack`): rows are grouped into blocks, and a
// block of r rows starting at row `first` occupies packed[first·k ..< (first + r)·k] with element
// (first + i, p) at packed[first·k + p·r + i], so one step of k reads the block's r values from
// one cache line. Blocks are 12 rows while 12 rows remain, then 4 rows while 4 remain, then one
// block of the last m % 4 rows. The packed matrix has exactly m·k elements.
//
// The AVX-512 product runs the loop nest of a blocked GEMM around a 12 × 32 register tile:
// k in chunks of at most 256 (so a chunk of a 32-column strip of B, ≤ 32 KB, stays in L1 while
// every row block of A passes over it), and rows in groups of 192 (so the group's chunk of A,
// ≤ 192 KB, stays in L2 while every strip of B passes over it). A is then read from memory once
// per call, even when it is far larger than the caches (the late layers of a CNN).
#include "plexus_cpu_kernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/// Rows in the packed block that starts at row `first` of an m-row matrix.
static size_t block_rows(size_t m, size_t first) {
    const size_t full = m / PLX_CPU_SGEMM_PACKED_ROWS * PLX_CPU_SGEMM_PACKED_ROWS;
    if (first < full) return PLX_CPU_SGEMM_PACKED_ROWS;
    return m - first >= 4 ? 4 : m - first;
}

void plx_cpu_sgemm_pack(const float *a, size_t m, size_t k, float *packed) {
    for (size_t first = 0; first < m;) {
        const size_t rows = block_rows(m, first);
        float *block = packed + first * k;
        for (size_t p = 0; p < k; p++)
            for (size_t i = 0; i < rows; i++) block[p * rows + i] = a[(first + i) * k + p];
        first += rows;
    }
}

size_t plx_cpu_sgemm_packed_block_rows(size_t m, size_t first) { return block_rows(m, first); }

/// Whether `row` starts a block of the packed layout of an m-row matrix (or is m itself): the
/// row ranges the products accept begin and end at such rows (multiples of 12 up to m always do).
static int packed_boundary(size_t m, size_t row) {
    if (row > m) return 0;
    size_t first = 0;
    while (first < row) first += block_rows(m, first);
    return first == row;
}

/// One block's rows of C = A · B for the columns [j0, n), by dot products (the portable path,
/// and the columns the AVX2 kernel leaves); row p of B at b + p·ldb, or at b + b_rows[p] when
/// b_rows is given.
static void scalar_block(const float *a, size_t step, size_t rows, const float *b, size_t ldb, const size_t *b_rows, float *c,
                         size_t ldc, size_t j0, size_t n, size_t k) {
    for (size_t i = 0; i < rows; i++)
        for (size_t j = j0; j < n; j++) {
            float sum = 0;
            for (size_t p = 0; p < k; p++) sum += a[p * step + i] * b[(b_rows ? b_rows[p] : p * ldb) + j];
            c[i * ldc + j] = sum;
        }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define KERNEL __attribute__((target("avx512f")))

/// C tile (R rows × V vectors of 16 columns, masks for the last vector) = or += A block · B:
/// the accumulators stay in registers (R·V ≤ 24 zmm) while k runs; A's R values of a step are
/// broadcast from one cache line of the packed block (stride `step`).
#define UNROLL _Pragma("clang loop unroll(full)")

/// The epilogue of a tile's last chunk: its rows' bias and its residual (C's layout), then the clamp.
typedef struct tile_finish {
    const float *bias, *residual;
    float low, high;
} tile_finish;

/// Lines of the next step's A fetched into L2 while a tile computes, one every `every` steps of k:
/// issued together they would fill the miss queue and stall the tile's own loads behind them.
typedef struct line_fetch {
    const char *next;
    size_t left, every, countdown;
} line_fetch;

static inline line_fetch line_fetch_over(const char *lines, size_t count, size_t steps) {
    const size_t every = count ? (steps / count > 0 ? steps / count : 1) : 0;
    return (line_fetch){lines, count, every, every};
}

/// Called once per step of k: fetches the next line when its turn has come.
KERNEL static inline void line_fetch_step(line_fetch *fetch) {
    if (fetch->left && --fetch->countdown == 0) {
        _mm_prefetch(fetch->next, _MM_HINT_T1);
        fetch->next += 64;
        fetch->left--;
        fetch->countdown = fetch->every;
    }
}

/// Fetches the lines the steps left (more lines than steps).
KERNEL static inline void line_fetch_rest(line_fetch *fetch) {
    for (; fetch->left; fetch->left--, fetch->next += 64) _mm_prefetch(fetch->next, _MM_HINT_T1);
}

#define DEFINE_TILE(R, V)                                                                                              \
    KERNEL static void tile_##R##x##V(const float *a, size_t step, const float *b, const size_t *b_rows, float *c,     \
                                      size_t ldc, size_t k, __mmask16 last, int accumulate, const tile_finish *finish, \
                                      const char *lines, size_t line_count) {                                          \
        __m512 acc[R][V];                                                                                              \
        __mmask16 mask[V];                                                                                             \
        UNROLL for (int v = 0; v < V; v++) mask[v] = v == V - 1 ? last : (__mmask16)0xFFFF;                                   \
        UNROLL for (int i = 0; i < R; i++)                                                                             \
            UNROLL for (int v = 0; v < V; v++)                                                                         \
                acc[i][v] = accumulate ? _mm512_maskz_loadu_ps(mask[v], c + i * ldc + 16 * v) : _mm512_setzero_ps();  \
        line_fetch fetch = line_fetch_over(lines, line_count, k);                                                    \
        for (size_t p = 0; p < k; p++) {                                                                               \
            line_fetch_step(&fetch);                                                                                   \
            __m512 row[V];                                                                                             \
            UNROLL for (int v = 0; v < V; v++) row[v] = _mm512_maskz_loadu_ps(mask[v], b + b_rows[p] + 16 * v);           \
            const float *values = a + p * step;                                                                        \
            UNROLL for (int i = 0; i < R; i++) {                                                                       \
                const __m512 x = _mm512_set1_ps(values[i]);                                                            \
                UNROLL for (int v = 0; v < V; v++) acc[i][v] = _mm512_fmadd_ps(x, row[v], acc[i][v]);                        \
            }                                                                                                          \
        }                                                                                                              \
        line_fetch_rest(&fetch);                                                                                       \
        if (finish) {                                                                                                  \
            const __m512 lower = _mm512_set1_ps(finish->low), upper = _mm512_set1_ps(finish->high);                   \
            UNROLL for (int i = 0; i < R; i++) {                                                                       \
                const __m512 shift = _mm512_set1_ps(finish->bias ? finish->bias[i] : 0.0f);                            \
                UNROLL for (int v = 0; v < V; v++) {                                                                   \
                    __m512 x = _mm512_add_ps(acc[i][v], shift);                                                        \
                    if (finish->residual)                                                                              \
                        x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask[v], finish->residual + i * ldc + 16 * v));     \
                    x = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, lower, _CMP_LT_OQ), x, lower);                      \
                    acc[i][v] = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, upper, _CMP_GT_OQ), x, upper);              \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        UNROLL for (int i = 0; i < R; i++)                                                                             \
            UNROLL for (int v = 0; v < V; v++) _mm512_mask_storeu_ps(c + i * ldc + 16 * v, mask[v], acc[i][v]);             \
    }

DEFINE_TILE(12, 2)
DEFINE_TILE(12, 1)
DEFINE_TILE(4, 2)
DEFINE_TILE(4, 1)
DEFINE_TILE(1, 2)
DEFINE_TILE(1, 1)

/// The last Q (< 16) columns of a strip for one block of `rows` ≤ 16 rows, with the block's rows in
/// the vector lanes: each step loads the block's values of A once (contiguous in the packed
/// block) and does one FMA per column, where a 16-column tile would spend a FMA per row mostly on
/// masked-off lanes (a 7 × 7 image has 49 = 3 · 16 + 1 positions). C is gathered and scattered
/// down its columns.
#define DEFINE_COLUMNS(Q)                                                                                              \
    KERNEL static void columns_##Q(const float *a, size_t step, size_t rows, const float *b, const size_t *b_rows,     \
                                   float *c, size_t ldc, size_t k, int accumulate, const tile_finish *finish,          \
                                   const char *lines, size_t line_count) {                                             \
        const __mmask16 present = (__mmask16)((1u << rows) - 1);                                                       \
        const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);                  \
        const __m512i offsets = _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)ldc));                                 \
        /* U steps of k at a time into separate sums, so at least 8 FMA chains are in flight. */                    \
        enum { U = (8 + Q - 1) / Q };                                                                                  \
        __m512 acc[Q], part[Q][U];                                                                                     \
        UNROLL for (int j = 0; j < Q; j++) UNROLL for (int u = 0; u < U; u++) part[j][u] = _mm512_setzero_ps();        \
        line_fetch fetch = line_fetch_over(lines, line_count, k / U);                                                  \
        size_t p = 0;                                                                                                  \
        for (; p + U <= k; p += U) {                                                                                   \
            line_fetch_step(&fetch);                                                                                   \
            UNROLL for (int u = 0; u < U; u++) {                                                                       \
                const __m512 values = _mm512_maskz_loadu_ps(present, a + (p + u) * step);                              \
                const float *row = b + b_rows[p + u];                                                                  \
                UNROLL for (int j = 0; j < Q; j++)                                                                     \
                    part[j][u] = _mm512_fmadd_ps(values, _mm512_set1_ps(row[j]), part[j][u]);                          \
            }                                                                                                          \
        }                                                                                                              \
        for (; p < k; p++) {                                                                                           \
            const __m512 values = _mm512_maskz_loadu_ps(present, a + p * step);                                        \
            const float *row = b + b_rows[p];                                                                          \
            UNROLL for (int j = 0; j < Q; j++) part[j][0] = _mm512_fmadd_ps(values, _mm512_set1_ps(row[j]), part[j][0]); \
        }                                                                                                              \
        line_fetch_rest(&fetch);                                                                                       \
        UNROLL for (int j = 0; j < Q; j++) {                                                                           \
            acc[j] = accumulate ? _mm512_mask_i32gather_ps(_mm512_setzero_ps(), present, offsets, c + j, 4)            \
                                : _mm512_setzero_ps();                                                                 \
            UNROLL for (int u = 0; u < U; u++) acc[j] = _mm512_add_ps(acc[j], part[j][u]);                             \
        }                                                                                                              \
        if (finish) {                                                                                                  \
            const __m512 lower = _mm512_set1_ps(finish->low), upper = _mm512_set1_ps(finish->high);                   \
            const __m512 shift = finish->bias ? _mm512_maskz_loadu_ps(present, finish->bias) : _mm512_setzero_ps();    \
            UNROLL for (int j = 0; j < Q; j++) {                                                                       \
                __m512 x = _mm512_add_ps(acc[j], shift);                                                               \
                if (finish->residual)                                                                                  \
                    x = _mm512_add_ps(x, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), present, offsets,               \
                                                                  finish->residual + j, 4));                           \
                x = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, lower, _CMP_LT_OQ), x, lower);                          \
                acc[j] = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, upper, _CMP_GT_OQ), x, upper);                     \
            }                                                                                                          \
        }                                                                                                              \
        UNROLL for (int j = 0; j < Q; j++) _mm512_mask_i32scatter_ps(c + j, present, offsets, acc[j], 4);              \
    }

DEFINE_COLUMNS(1)
DEFINE_COLUMNS(2)
DEFINE_COLUMNS(3)
DEFINE_COLUMNS(4)
DEFINE_COLUMNS(5)
DEFINE_COLUMNS(6)
DEFINE_COLUMNS(7)
DEFINE_COLUMNS(8)

/// The column kernels by count (index Q − 1).
typedef void (*column_kernel)(const float *, size_t, size_t, const float *, const size_t *, float *, size_t, size_t, int,
                              const tile_finish *, const char *, size_t);
static const column_kernel column_kernels[] = {columns_1, columns_2, columns_3, columns_4,
                                               columns_5, columns_6, columns_7, columns_8};

/// Leftover columns of a 12-row block the column kernels take (with more, they would cost about
/// what the masked tile does).
enum { MAX_LEFTOVER_COLUMNS = 8 };

/// One block (`rows` rows, packed with stride `step`) times a strip of up to 32 columns of B
/// (row p of the strip at b + b_rows[p]); `epilogue`, on the last chunk of k, finishes the tile
/// (`first`: the block's first row of C, `column`: the strip's first column).
KERNEL static void block_strip(const float *a, size_t step, size_t rows, const float *b, const size_t *b_rows, float *c,
                               size_t ldc, size_t columns, size_t k, int accumulate, const plx_cpu_epilogue *epilogue,
                               size_t first, size_t column, const char *fetch, size_t fetches) {
    const int two = columns > 16;
    const size_t tail = columns - (two ? 16 : 0);
    const __mmask16 last = tail >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << tail) - 1);
    tile_finish finish;
    if (epilogue) {
        finish.bias = epilogue->bias ? epilogue->bias + first : NULL;
        finish.residual = epilogue->residual ? epilogue->residual + first * ldc + column : NULL;
        finish.low = epilogue->low;
        finish.high = epilogue->high;
    }
    const tile_finish *done = epilogue ? &finish : NULL;
    const size_t leftover = columns % 16, whole = columns - leftover;
    // (The column kernels address C's rows with 32-bit lane offsets, 15 · ldc at most.)
    if (rows == 12 && leftover > 0 && leftover <= MAX_LEFTOVER_COLUMNS && ldc <= INT32_MAX / 16) {
        if (whole == 32) tile_12x2(a, step, b, b_rows, c, ldc, k, 0xFFFF, accumulate, done, fetch, fetches);
        else if (whole == 16) tile_12x1(a, step, b, b_rows, c, ldc, k, 0xFFFF, accumulate, done, fetch, fetches);
        tile_finish rest = finish;
        if (done && rest.residual) rest.residual += whole;
        column_kernels[leftover - 1](a, step, rows, b + whole, b_rows, c + whole, ldc, k, accumulate, done ? &rest : NULL,
                                     whole ? NULL : fetch, whole ? 0 : fetches);
        return;
    }
    if (rows == 12) {
        if (two) tile_12x2(a, step, b, b_rows, c, ldc, k, last, accumulate, done, fetch, fetches);
        else tile_12x1(a, step, b, b_rows, c, ldc, k, last, accumulate, done, fetch, fetches);
    } else if (rows == 4) {
        if (two) tile_4x2(a, step, b, b_rows, c, ldc, k, last, accumulate, done, fetch, fetches);
        else tile_4x1(a, step, b, b_rows, c, ldc, k, last, accumulate, done, fetch, fetches);
    } else {
        for (size_t i = 0; i < rows; i++) {
            tile_finish row = finish;
            if (done) {
                row.bias = finish.bias ? finish.bias + i : NULL;
                row.residual = finish.residual ? finish.residual + i * ldc : NULL;
            }
            const size_t share = i + 1 < rows ? fetches / rows : fetches - fetches / rows * i;
            if (two) tile_1x2(a + i, step, b, b_rows, c + i * ldc, ldc, k, last, accumulate, done ? &row : NULL, fetch, share);
            else tile_1x1(a + i, step, b, b_rows, c + i * ldc, ldc, k, last, accumulate, done ? &row : NULL, fetch, share);
            fetch += 64 * share;
        }
    }
}

/// Rows per group whose chunk of A stays in L2 while the strips of B pass over it.
enum { GROUP_ROWS = 192, CHUNK_DEPTH = 256, PANEL_CHUNK_DEPTH = 128, STRIP = PLX_CPU_SGEMM_PANEL_COLUMNS };

/// Where the blocks of rows [group, group_end) keep their chunk p0 ..< p0 + depth of A: up to
/// `capacity` (start, floats) pairs, one per block; returns how many.
static size_t chunk_blocks(const float *packed, size_t m, size_t k, size_t group, size_t group_end, size_t p0, size_t depth,
                           const float **starts, size_t *lengths, size_t capacity) {
    size_t count = 0;
    for (size_t first = group; first < group_end && count < capacity;) {
        const size_t rows = block_rows(m, first);
        starts[count] = packed + first * k + p0 * rows;
        lengths[count++] = depth * rows;
        first += rows;
    }
    return count;
}

/// How many packed blocks rows [group, group_end) hold.
static size_t group_blocks(size_t m, size_t group, size_t group_end) {
    size_t count = 0;
    for (size_t first = group; first < group_end; count++) first += block_rows(m, first);
    return count;
}

/// The blocked product; strip s of B (columns 32·s ...) starts at b + s · strip_stride, its row p
/// at b_rows[p] from there (strip_stride 32 for B's own rows, 32·k for pre-packed panels), and k
/// runs in chunks of at most `chunk_depth`.
KERNEL static void product_avx512(const float *packed, size_t m, size_t k, size_t row_begin, size_t row_end,
                                  const float *b, const size_t *b_rows, size_t strip_stride, size_t chunk_depth, size_t n,
                                  float *c, size_t ldc, const plx_cpu_epilogue *epilogue) {
    enum { MAX_BLOCKS = GROUP_ROWS / PLX_CPU_SGEMM_PACKED_ROWS + 4 };
    const size_t chunks = (k + chunk_depth - 1) / chunk_depth;
    const size_t depth = (k + chunks - 1) / chunks;
    const size_t strips = (n + STRIP - 1) / STRIP;
    for (size_t p0 = 0; p0 < k; p0 += depth) {
        const size_t kk = k - p0 < depth ? k - p0 : depth;
        for (size_t group = row_begin; group < row_end; group += GROUP_ROWS) {
            const size_t group_end = row_end - group < GROUP_ROWS ? row_end : group + GROUP_ROWS;
            // The chunk of A the next (chunk, group) step reads, fetched into L2 a slice per tile
            // while this step computes: A streams from memory once, and a step's first strip
            // would otherwise wait for it (a late layer's filters are far larger than the caches).
            const float *next[MAX_BLOCKS];
            size_t lengths[MAX_BLOCKS], upcoming = 0;
            if (group_end < row_end) {
                const size_t next_end = row_end - group_end < GROUP_ROWS ? row_end : group_end + GROUP_ROWS;
                upcoming = chunk_blocks(packed, m, k, group_end, next_end, p0, kk, next, lengths, MAX_BLOCKS);
            } else if (p0 + depth < k) {
                const size_t next_end = row_end - row_begin < GROUP_ROWS ? row_end : row_begin + GROUP_ROWS;
                const size_t next_depth = k - p0 - depth < depth ? k - p0 - depth : depth;
                upcoming = chunk_blocks(packed, m, k, row_begin, next_end, p0 + depth, next_depth, next, lengths, MAX_BLOCKS);
            }
            const size_t blocks = group_blocks(m, group, group_end);
            const size_t b_slice = (kk + blocks - 1) / blocks;
            // Nothing fetched the first step's chunk: there, the first strip's tiles fetch the
            // next block's chunk of this step, and the later strips share the next step's.
            const int cold = p0 == 0 && group == row_begin && strips > 1;
            const size_t slices = cold ? strips - 1 : strips;
            for (size_t strip = 0; strip < strips; strip++) {
                const size_t j = strip * STRIP, columns = n - j < STRIP ? n - j : STRIP;
                size_t index = 0;
                for (size_t first = group; first < group_end; index++) {
                    const size_t rows = block_rows(m, first);
                    // The next strip's chunk of B, fetched into L2 a slice of its rows per block:
                    // B's rows lie far apart (a row of an image, a shifted plane), a pattern the
                    // hardware prefetchers miss, so a strip's first block would wait on every row.
                    if (strip + 1 < strips) {
                        const size_t next_columns = n - j - STRIP < STRIP ? n - j - STRIP : STRIP;
                        const size_t from = p0 + index * b_slice, to = from + b_slice < p0 + kk ? from + b_slice : p0 + kk;
                        for (size_t p = from; p < to; p++) {
                            const float *row = b + (strip + 1) * strip_stride + b_rows[p];
                            _mm_prefetch((const char *)row, _MM_HINT_T1);
                            _mm_prefetch((const char *)(row + next_columns - 1), _MM_HINT_T1);
                            if (next_columns > 16) _mm_prefetch((const char *)(row + 16), _MM_HINT_T1);
                        }
                    }
                    // A slice of the next step's chunk of this block, fetched while the tile computes.
                    const char *fetch = NULL;
                    size_t fetches = 0;
                    if (cold && strip == 0) {
                        if (first + rows < group_end) {
                            fetch = (const char *)(packed + (first + rows) * k + p0 * block_rows(m, first + rows));
                            fetches = (block_rows(m, first + rows) * kk + 15) / 16;
                        }
                    } else if (index < upcoming) {
                        const size_t slice = (lengths[index] + slices - 1) / slices;
                        const size_t from = (strip - (cold ? 1 : 0)) * slice;
                        const size_t to = from + slice < lengths[index] ? from + slice : lengths[index];
                        if (from < to) {
                            fetch = (const char *)(next[index] + from);
                            fetches = (to - from + 15) / 16;
                        }
                    }
                    block_strip(packed + first * k + p0 * rows, rows, rows, b + strip * strip_stride, b_rows + p0, c + first * ldc + j, ldc,
                                columns, kk, p0 > 0, p0 + kk == k ? epilogue : NULL, first, j, fetch, fetches);
                    first += rows;
                }
            }
        }
    }
}


/// product_avx512 over rows of B `row_step` floats apart: 0, or −2 when the offset table (k > 1024)
/// cannot be allocated.
KERNEL static int product_evenly_spaced(const float *packed, size_t m, size_t k, size_t row_begin, size_t row_end,
                                        const float *b, size_t row_step, size_t strip_stride, size_t chunk_depth, size_t n,
                                        float *c, size_t ldc, const plx_cpu_epilogue *epilogue) {
    size_t stack[1024];  // B's row offsets; most products have k ≤ 1024
    size_t *rows = k <= 1024 ? stack : malloc(k * sizeof(size_t));
    if (!rows) return -2;
    for (size_t p = 0; p < k; p++) rows[p] = p * row_step;
    product_avx512(packed, m, k, row_begin, row_end, b, rows, strip_stride, chunk_depth, n, c, ldc, epilogue);
    if (rows != stack) free(rows);
    return 0;
}

#endif

/// Applies `epilogue` to rows [first, first + rows) of C, columns [0, n) (the paths without the
/// AVX-512 tile, which finish a block after its whole product).
static void finish_rows(const plx_cpu_epilogue *epilogue, size_t first, size_t rows, float *c, size_t ldc, size_t n) {
    if (!epilogue) return;
    for (size_t i = first; i < first + rows; i++)
        for (size_t j = 0; j < n; j++) {
            float v = c[i * ldc + j] + (epilogue->bias ? epilogue->bias[i] : 0.0f);
            if (epilogue->residual) v += epilogue->residual[i * ldc + j];
            c[i * ldc + j] = v < epilogue->low ? epilogue->low : (v > epilogue->high ? epilogue->high : v);
        }
}

/// The checks both products start with: −1 for a row range that does not begin and end on
/// blocks, 0 when nothing is left to do (no rows or columns, or k = 0, whose product is zeros,
/// written here), 1 when the caller has a product to compute.
static int check_or_finish(size_t m, size_t k, size_t row_begin, size_t row_end, size_t n, float *c, size_t ldc) {
    if (row_begin > row_end || !packed_boundary(m, row_begin) || !packed_boundary(m, row_end))
        return -1;
    if (row_begin == row_end || n == 0) return 0;
    if (k == 0) {
        for (size_t i = row_begin; i < row_end; i++) memset(c + i * ldc, 0, n * sizeof(float));
        return 0;
    }
    return 1;
}

int plx_cpu_sgemm_packed(const float *packed, size_t m, size_t k, size_t row_begin, size_t row_end,
                         const float *b, size_t ldb, size_t n, float *c, size_t ldc, const plx_cpu_epilogue *epilogue) {
    const int checked = check_or_finish(m, k, row_begin, row_end, n, c, ldc);
    if (checked < 0) return checked;
    if (checked == 0) {  // k = 0 wrote zeros; the epilogue still applies
        finish_rows(epilogue, row_begin, row_end - row_begin, c, ldc, n);
        return 0;
    }
#if defined(__x86_64__)
    if (plx_cpu_avx512_available())
        return product_evenly_spaced(packed, m, k, row_begin, row_end, b, ldb, STRIP, CHUNK_DEPTH, n, c, ldc, epilogue);
#endif
    for (size_t first = row_begin; first < row_end;) {
        const size_t rows = block_rows(m, first);
        const float *block = packed + first * k;
        size_t done = 0;
        if (plx_cpu_avx2_available()) {
            // The AVX2 kernel reads A through strides: row i of the block at block + i, step `rows`.
            done = n;
            for (size_t i = 0; i < rows; i += PLX_CPU_SGEMM_AVX2_ROWS) {
                const size_t count = rows - i < PLX_CPU_SGEMM_AVX2_ROWS ? rows - i : PLX_CPU_SGEMM_AVX2_ROWS;
                const size_t written = plx_cpu_sgemm_rows_avx2(block + i, 1, rows, b, ldb, c + (first + i) * ldc, ldc, count, n, k);
                if (written < done) done = written;
            }
        }
        if (done < n) scalar_block(block, rows, rows, b, ldb, NULL, c + first * ldc, ldc, done, n, k);
        finish_rows(epilogue, first, rows, c, ldc, n);
        first += rows;
    }
    return 0;
}

int plx_cpu_sgemm_packed_gather(const float *packed, size_t m, size_t k, size_t row_begin, size_t row_end,
                                const float *b, const size_t *b_rows, size_t n, float *c, size_t ldc) {
    const int checked = check_or_finish(m, k, row_begin, row_end, n, c, ldc);
    if (checked <= 0) return checked;
#if defined(__x86_64__)
    if (plx_cpu_avx512_available()) {
        product_avx512(packed, m, k, row_begin, row_end, b, b_rows, STRIP, CHUNK_DEPTH, n, c, ldc, NULL);
        return 0;
    }
#endif
    for (size_t first = row_begin; first < row_end;) {
        const size_t rows = block_rows(m, first);
        scalar_block(packed + first * k, rows, rows, b, 0, b_rows, c + first * ldc, ldc, 0, n, k);
        first += rows;
    }
    return 0;
}

void plx_cpu_sgemm_pack_panels(const float *b, size_t k, size_t n, size_t ldb, float *panels) {
    for (size_t j0 = 0; j0 < n; j0 += PLX_CPU_SGEMM_PANEL_COLUMNS) {
        float *panel = panels + j0 * k;
        const size_t width = n - j0 < PLX_CPU_SGEMM_PANEL_COLUMNS ? n - j0 : PLX_CPU_SGEMM_PANEL_COLUMNS;
        for (size_t p = 0; p < k; p++) {
            for (size_t j = 0; j < width; j++) panel[p * PLX_CPU_SGEMM_PANEL_COLUMNS + j] = b[p * ldb + j0 + j];
            for (size_t j = width; j < PLX_CPU_SGEMM_PANEL_COLUMNS; j++) panel[p * PLX_CPU_SGEMM_PANEL_COLUMNS + j] = 0;
        }
    }
}

int plx_cpu_sgemm_packed_panels(const float *packed, size_t m, size_t k, size_t row_begin, size_t row_end,
                                const float *panels, size_t n, float *c, size_t ldc, const plx_cpu_epilogue *epilogue) {
    const int checked = check_or_finish(m, k, row_begin, row_end, n, c, ldc);
    if (checked < 0) return checked;
    if (checked == 0) {
        finish_rows(epilogue, row_begin, row_end - row_begin, c, ldc, n);
        return 0;
    }
#if defined(__x86_64__)
    // Chunks of 128: a panel's chunk (16 KB) and a block's (6 KB) then share L1 with room to
    // spare; at 256 they filled it and BERT-4's products ran about 15% slower.
    if (plx_cpu_avx512_available())
        return product_evenly_spaced(packed, m, k, row_begin, row_end, panels, PLX_CPU_SGEMM_PANEL_COLUMNS,
                                     k * PLX_CPU_SGEMM_PANEL_COLUMNS, PANEL_CHUNK_DEPTH, n, c, ldc, epilogue);
#endif
    for (size_t first = row_begin; first < row_end;) {  // portable: dot products over the panels
        const size_t rows = block_rows(m, first);
        const float *block = packed + first * k;
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < n; j++) {
                const float *column = panels + (j / PLX_CPU_SGEMM_PANEL_COLUMNS) * k * PLX_CPU_SGEMM_PANEL_COLUMNS + j % PLX_CPU_SGEMM_PANEL_COLUMNS;
                float sum = 0;
                for (size_t p = 0; p < k; p++) sum += block[p * rows + i] * column[p * PLX_CPU_SGEMM_PANEL_COLUMNS];
                c[(first + i) * ldc + j] = sum;
            }
        finish_rows(epilogue, first, rows, c, ldc, n);
        first += rows;
    }
    return 0;
}
