import CPlexusOpenBLAS
import PlexusPluginKit

/// How products use threads: OpenBLAS always runs single-threaded (the loader starts it with one
/// thread), and a large product is cut into one slice per host thread — rows of C, or columns
/// when C is wider than tall — each slice one OpenBLAS call on a Plexus worker. So there is one
/// set of threads: OpenBLAS's own pool, spinning between calls, had competed for the cores with
/// Plexus's workers (a convolution then often ran on one thread), and its thread count was a
/// process-wide setting that concurrent sessions overwrote. Products below `smallProduct`
/// multiply-adds run in one call: waking a second thread costs more than it saves (the digits
/// models' products are about 32 × 64 × 128).
enum BLASThreads {
    static let smallProduct = 1 << 21
    /// Matrix-vector products stream B once and do little else, so one is split from a smaller
    /// B: a 1024 × 1000 classifier's 4 MB took 0.44 ms of MobileNet's run on one thread.
    static let smallVectorProduct = 1 << 18

    /// y[n] = x[k] · op(B) + beta · y (see `BLASScalar.rowTimesMatrix`), in slices of y — rows of
    /// B when transposed, columns otherwise — across the host's threads when B is large enough.
    static func rowTimesMatrix<T: BLASScalar>(transB: Bool, n: Int, k: Int, x: UnsafePointer<T>, b: UnsafePointer<T>, ldb: Int,
                                              beta: Double, y: UnsafeMutablePointer<T>) {
        guard Host.threadCount > 1, n * k >= smallVectorProduct, n > 16 else {
            return T.rowTimesMatrix(transB: transB, n: n, k: k, x: x, b: b, ldb: ldb, beta: beta, y: y)
        }
        inSlices(n, unit: 16) { first, end in  // whole 16-output blocks
            T.rowTimesMatrix(transB: transB, n: end - first, k: k, x: x, b: transB ? b + first * ldb : b + first, ldb: ldb,
                             beta: beta, y: y + first)
        }
    }

    /// `C = alpha·op(A)·op(B) + beta·C` (row-major, leading dimensions as CBLAS), in slices
    /// across the host's threads when large enough.
    static func gemm<T: BLASScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                                    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                    beta: Double, c: UnsafeMutablePointer<T>, ldc: Int) {
        guard Host.threadCount > 1, m * n * k >= smallProduct else {
            return T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                          beta: beta, c: c, ldc: ldc)
        }
        let byColumns = n > m
        // Slices of whole 16-column (or 8-row) blocks, so OpenBLAS's kernels see full tiles.
        inSlices(byColumns ? n : m, unit: byColumns ? 16 : 8) { first, end in
            if byColumns {
                T.gemm(transA: transA, transB: transB, m: m, n: end - first, k: k, alpha: alpha, a: a, lda: lda,
                       b: b + (transB ? first * ldb : first), ldb: ldb, beta: beta, c: c + first, ldc: ldc)
            } else {
                T.gemm(transA: transA, transB: transB, m: end - first, n: n, k: k, alpha: alpha,
                       a: a + (transA ? first : first * lda), lda: lda, b: b, ldb: ldb, beta: beta, c: c + first * ldc, ldc: ldc)
            }
        }
    }

    /// Calls `body(first, end)` for one slice of `0..<extent` per host thread (fewer when there
    /// are fewer blocks), each made of whole `unit`-long blocks, on the host's threads.
    static func inSlices(_ extent: Int, unit: Int, _ body: (_ first: Int, _ end: Int) -> Void) {
        let units = (extent + unit - 1) / unit, parts = min(Host.threadCount, units)
        Host.parallelFor(parts, grain: 1) { range in
            for part in range {
                let first = min(extent, units * part / parts * unit), end = min(extent, units * (part + 1) / parts * unit)
                if end > first { body(first, end) }
            }
        }
    }
}
