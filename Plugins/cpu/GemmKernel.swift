import CPlexusCPUKernels
import PlexusPluginKit

/// Row-major matrix multiply `C[m×n] = A[m×k] · B[k×n]` (C is overwritten), with A read through
/// strides so a transposed A costs no copy.
///
/// Float32 on a CPU with AVX2 + FMA runs the C micro-kernel in `Plugins/cpu-kernels` (6 × 16
/// tiles, chosen at run time, since the portable build targets baseline x86-64). Otherwise
/// floating-point types use a Swift register-blocked kernel: 4 rows × 8 columns of C are kept in
/// SIMD accumulators while k runs, B rows are read as vectors and A elements broadcast.
/// (Multiply and add stay separate operations there: `addingProduct` would call libm's scalar
/// `fma` per lane on the baseline target.) Integer types use a plain i-k-j loop with wrapping
/// arithmetic. Work is split across threads by row blocks. All are reorderings of the dot
/// product, so results match a naive loop to rounding.
enum Gemm {
    /// Multiply-adds below which a product runs on one thread: waking a second costs more.
    static let parallelWork = 1 << 21

    /// Whether the AVX2 float32 kernel runs on this CPU (asked once).
    static let hasAVX2 = plx_cpu_avx2_available() != 0
    static let hasAVX512 = plx_cpu_avx512_available() != 0

    /// How A is laid out: element (i, p) is at `i * row + p * column`.
    struct Strides {
        /// Elements between A[i, p] and A[i + 1, p], and between A[i, p] and A[i, p + 1].
        let row: Int, column: Int
        /// A row-major [m × k] matrix.
        static func rowMajor(k: Int) -> Strides { Strides(row: k, column: 1) }
        /// The transpose of a row-major [k × m] matrix.
        static func transposed(m: Int) -> Strides { Strides(row: 1, column: m) }
    }

    static func multiply<T: CPUNumber>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
                                       m: Int, n: Int, k: Int, aStrides: Strides? = nil) {
        let strides = aStrides ?? .rowMajor(k: k)
        if let af = a as? UnsafePointer<Float>, let bf = b as? UnsafePointer<Float>, let cf = c as? UnsafeMutablePointer<Float> {
            if hasAVX512 {
                return vectorKernel(af, strides, bf, cf, m: m, n: n, k: k, rows: Int(PLX_CPU_SGEMM_AVX512_ROWS),
                                    kernel: plx_cpu_sgemm_rows_avx512)
            }
            if hasAVX2 {
                return vectorKernel(af, strides, bf, cf, m: m, n: n, k: k, rows: Int(PLX_CPU_SGEMM_AVX2_ROWS),
                                    kernel: plx_cpu_sgemm_rows_avx2)
            }
            blocked(af, strides, bf, cf, m: m, n: n, k: k)
        } else if let ad = a as? UnsafePointer<Double>, let bd = b as? UnsafePointer<Double>, let cd = c as? UnsafeMutablePointer<Double> {
            blocked(ad, strides, bd, cd, m: m, n: n, k: k)
        } else {
            naive(a, strides, b, c, m: m, n: n, k: k)
        }
    }

    static func naive<T: CPUNumber>(_ a: UnsafePointer<T>, _ s: Strides, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
                                    m: Int, n: Int, k: Int) {
        Host.parallelFor(m, grain: max(1, Gemm.parallelWork / max(n * k, 1))) { rows in
            for i in rows {
                let row = c + i &* n
                for j in 0..<n { row[j] = T.zero }
                for p in 0..<k {
                    let x = a[i &* s.row &+ p &* s.column], brow = b + p &* n
                    for j in 0..<n { row[j] = T.add(row[j], T.mul(x, brow[j])) }
                }
            }
        }
    }

    /// Splits the rows of C into blocks of `height` across threads; `body(i0, rows)` computes
    /// one block.
    @inline(__always)
    static func forEachRowBlock(height: Int, m: Int, n: Int, k: Int, _ body: (Int, Int) -> Void) {
        let rowBlocks = (m + height - 1) / height
        let grain = m * n * k < parallelWork ? rowBlocks : max(1, parallelWork / max(height * n * k, 1))
        Host.parallelFor(rowBlocks, grain: grain) { blocks in
            for block in blocks {
                let i0 = block * height
                body(i0, min(height, m - i0))
            }
        }
    }

    /// Columns `from..<to` of rows `i0..<i0+rows`, one dot product at a time.
    @inline(__always)
    static func scalarColumns<T: CPUFloat>(_ a: UnsafePointer<T>, _ s: Strides, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
                                           i0: Int, rows: Int, from: Int, to: Int, n: Int, k: Int) {
        for i in i0..<(i0 + rows) {
            for jj in from..<to {
                var sum = T.zero
                for p in 0..<k { sum += a[i &* s.row &+ p &* s.column] * b[p &* n &+ jj] }
                c[i &* n &+ jj] = sum
            }
        }
    }

    /// A C micro-kernel's signature: `rows` rows of C over n columns; returns the columns it wrote.
    typealias RowKernel = @convention(c) (UnsafePointer<Float>?, Int, Int, UnsafePointer<Float>?, Int,
                                          UnsafeMutablePointer<Float>?, Int, Int, Int, Int) -> Int

    /// Float32 through a C micro-kernel (AVX-512 or AVX2) of `height` rows. B is walked in column
    /// panels of about 256 KB (outside the row blocks, so each thread reuses a panel from cache
    /// for all its rows instead of streaming all of B once per row block); columns a kernel
    /// leaves (the AVX2 one's last n % 8) are scalar.
    static func vectorKernel(_ a: UnsafePointer<Float>, _ s: Strides, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                             m: Int, n: Int, k: Int, rows height: Int, kernel: RowKernel) {
        let panel = max(32, (1 << 16) / max(k, 1) / 32 * 32)
        let rowBlocks = (m + height - 1) / height
        let grain = m * n * k < parallelWork ? rowBlocks : max(1, parallelWork / max(height * n * k, 1))
        Host.parallelFor(rowBlocks, grain: grain) { blocks in
            for j0 in stride(from: 0, to: n, by: panel) {
                let width = min(panel, n - j0)
                for block in blocks {
                    let i0 = block * height, rows = min(height, m - i0)
                    let done = kernel(a + i0 &* s.row, s.row, s.column, b + j0, n, c + (i0 &* n &+ j0), n, rows, width, k)
                    if done < width { scalarColumns(a, s, b, c, i0: i0, rows: rows, from: j0 + done, to: j0 + width, n: n, k: k) }
                }
            }
        }
    }

    /// The portable SIMD kernel for Float and Double: tiles of 4 rows × 8 columns of C, whose
    /// accumulators (4 × SIMD8) fit the 16 vector registers of baseline x86-64.
    static func blocked<T: CPUFloat & SIMDScalar>(_ a: UnsafePointer<T>, _ s: Strides, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
                                                   m: Int, n: Int, k: Int) {
        forEachRowBlock(height: 4, m: m, n: n, k: k) { i0, rows in
            var j = 0
            while j + 8 <= n {
                tile(a, s, b, c, i0: i0, rows: rows, j: j, n: n, k: k)
                j += 8
            }
            scalarColumns(a, s, b, c, i0: i0, rows: rows, from: j, to: n, n: n, k: k)
        }
    }

    @inline(__always)
    static func tile<T: CPUFloat & SIMDScalar>(_ a: UnsafePointer<T>, _ s: Strides, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
                                                i0: Int, rows: Int, j: Int, n: Int, k: Int) {
        typealias V = SIMD8<T>
        var c0 = V(), c1 = V(), c2 = V(), c3 = V()
        let r0 = a + i0 &* s.row
        let r1 = rows > 1 ? r0 + s.row : r0, r2 = rows > 2 ? r0 + 2 &* s.row : r0, r3 = rows > 3 ? r0 + 3 &* s.row : r0
        let raw = UnsafeRawPointer(b + j)
        let rowBytes = n &* MemoryLayout<T>.stride
        for p in 0..<k {
            let bp = raw.loadUnaligned(fromByteOffset: p &* rowBytes, as: V.self)
            let q = p &* s.column
            c0 += V(repeating: r0[q]) * bp
            c1 += V(repeating: r1[q]) * bp
            c2 += V(repeating: r2[q]) * bp
            c3 += V(repeating: r3[q]) * bp
        }
        func store(_ row: Int, _ value: V) {
            guard row < rows else { return }
            UnsafeMutableRawPointer(c + ((i0 + row) &* n &+ j)).storeBytes(of: value, as: V.self)
        }
        store(0, c0)
        store(1, c1)
        store(2, c2)
        store(3, c3)
    }
}
