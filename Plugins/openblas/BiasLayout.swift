import PlexusPluginKit

/// How Gemm's C (rank ≤ 2, numpy-broadcastable to [M, N]: a scalar, [N], [1, N], [M, 1] or
/// [M, N]) maps onto the output.
struct BiasLayout {
    let rowStride: Int, columnStride: Int, m: Int, n: Int

    init(_ shape: [Int], m: Int, n: Int) throws {
        guard shape.count <= 2 else { throw PlexusError(.shapeMismatch, "Gemm: C must have rank <= 2, got \(shape)") }
        let dims = [Int](repeating: 1, count: 2 - shape.count) + shape
        guard dims[0] == m || dims[0] == 1, dims[1] == n || dims[1] == 1 else {
            throw PlexusError(.shapeMismatch, "Gemm: C of shape \(shape) does not broadcast to [\(m), \(n)]")
        }
        rowStride = dims[0] == 1 ? 0 : dims[1]
        columnStride = dims[1] == 1 ? 0 : 1
        self.m = m
        self.n = n
    }

    /// Writes C broadcast to [M, N] into `out`.
    func fill<T>(_ c: UnsafePointer<T>, into out: UnsafeMutablePointer<T>) {
        for row in 0..<m {
            for column in 0..<n { out[row * n + column] = c[row * rowStride + column * columnStride] }
        }
    }
}
