import CPlexusCPUKernels
import PlexusPluginKit

extension RecurrentPass {
    /// A step's product of the [batch, hidden] states by the transpose of rows `rows` of R. For
    /// float32 and a few batch entries (one sequence at inference), dot products of the states
    /// with R's rows as they lie (`plx_cpu_sgemm_dot_rows`) into a buffer kept for the pass: no
    /// transposed copy, no operator call per step, and each thread takes the same rows at every
    /// step, so they stay in its core's cache. Otherwise the MatMul op on a transposed copy.
    struct RecurrentProduct {
        let weights: UnsafePointer<T>, rows: Int, hidden: Int
        /// The direct path's output; nil when products go through MatMul.
        let buffer: OwnedTensor?
        /// The MatMul path's right-hand side, Rᵀ: [hidden, rows].
        let transposedWeights: OwnedTensor?

        /// Up to this many batch entries take dot products (as Gemm with transB does).
        static var directBatch: Int { 8 }

        init(_ pass: RecurrentPass, rows range: Range<Int>) throws {
            weights = pass.recurrentWeights + range.lowerBound &* pass.setup.hidden
            rows = range.count
            hidden = pass.setup.hidden
            if T.self == Float.self && pass.setup.batch <= Self.directBatch {
                buffer = try OwnedTensor.create(T.dtype, [pass.setup.batch, rows])
                transposedWeights = nil
            } else {
                buffer = nil
                transposedWeights = try pass.transposed(rows: range)
            }
        }

        /// states · Rᵀ for these rows: [batch, rows]. The direct path's result is overwritten by the next call.
        func multiply(_ states: OwnedTensor) throws -> OwnedTensor {
            guard let buffer else { return try Host.call("MatMul", [states.view, transposedWeights!.view])[0] }
            let a = UnsafeRawPointer(states.view.pointer(as: T.self)).assumingMemoryBound(to: Float.self)
            let b = UnsafeRawPointer(weights).assumingMemoryBound(to: Float.self)
            let c = UnsafeMutableRawPointer(buffer.view.pointer(as: T.self)).assumingMemoryBound(to: Float.self)
            let (batch, rows, hidden) = (states.view.shape[0], self.rows, self.hidden)
            // One chunk per thread once R is worth splitting (the pool gives at most one each).
            let grain = rows &* hidden < (1 << 15) ? rows : max(4, rows / max(Host.threadCount, 1))
            Host.parallelFor(rows, grain: grain) { range in
                plx_cpu_sgemm_dot_rows(a, batch, b + range.lowerBound &* hidden, range.count, hidden, c + range.lowerBound, rows)
            }
            return buffer
        }
    }
}
