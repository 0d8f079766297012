import CPlexusOpenBLAS
import PlexusPluginKit

/// How products use threads: OpenBLAS runs single-threaded (the loader starts it with one
/// thread), and a large product is cut into one slice per host thread — rows of C, or columns
/// when C is wider than tall — each slice one OpenBLAS call on a Plexus worker. So there is one
/// set of threads: OpenBLAS's own pool, spinning between calls, had competed for the cores with
/// Plexus's workers (a convolution then often ran on one thread), and its thread count was a
/// process-wide setting that concurrent sessions overwrote. Products below `smallProduct`
/// multiply-adds run in one call: waking a second thread costs more than it saves (the digits
/// models' products are about 32 × 64 × 128).
///
/// Products of at least `lentProduct` multiply-adds are the exception: when the host can lend
/// its cores (no other loop holds its pool, and this is not a call inside one), OpenBLAS runs
/// them with its own threads, which share one packed copy of each block of the operands; every
/// slice repacks the whole of the operand it does not cut. That saved about 3% at 1024³ on two
/// threads (interleaved in one process); at 512³ waking OpenBLAS's sleeping thread cost more.
/// Its threads sleep as soon as a call ends (the loader sets OPENBLAS_THREAD_TIMEOUT), so they
/// do not spin against the workers' next loop. OpenBLAS's thread count is process-wide: a
/// product that another session's thread starts meanwhile gets the threads too, and OpenBLAS
/// runs such threaded products one at a time, so only speed is shared, never results.
enum BLASThreads {
    static let smallProduct = 1 << 21
    static let lentProduct = 1 << 30

    /// `C = alpha·op(A)·op(B) + beta·C` (row-major, leading dimensions as CBLAS), in slices
    /// across the host's threads when large enough.
    static func gemm<T: BLASScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                                    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                    beta: Double, c: UnsafeMutablePointer<T>, ldc: Int) {
        let threads = Host.threadCount
        guard threads > 1, m * n * k >= smallProduct else {
            return T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                          beta: beta, c: c, ldc: ldc)
        }
        if m * n * k >= lentProduct, Host.withLentThreads({ threads in
            plx_openblas_set_threads(Int32(threads))
            T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                   beta: beta, c: c, ldc: ldc)
            plx_openblas_set_threads(1)
        }) {
            return
        }
        let byColumns = n > m
        let extent = byColumns ? n : m
        // Slices of whole 16-column (or 8-row) blocks, so OpenBLAS's kernels see full tiles.
        let unit = byColumns ? 16 : 8, units = (extent + unit - 1) / unit
        let parts = min(threads, units)
        Host.parallelFor(parts, grain: 1) { range in
            for part in range {
                let first = min(extent, units * part / parts * unit), end = min(extent, units * (part + 1) / parts * unit)
                guard end > first else { continue }
                if byColumns {
                    T.gemm(transA: transA, transB: transB, m: m, n: end - first, k: k, alpha: alpha, a: a, lda: lda,
                           b: b + (transB ? first * ldb : first), ldb: ldb, beta: beta, c: c + first, ldc: ldc)
                } else {
                    T.gemm(transA: transA, transB: transB, m: end - first, n: n, k: k, alpha: alpha,
                           a: a + (transA ? first : first * lda), lda: lda, b: b, ldb: ldb, beta: beta, c: c + first * ldc, ldc: ldc)
                }
            }
        }
    }
}
