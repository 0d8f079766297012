import CPlexusOpenBLAS

/// float and double, each with its BLAS gemm and gemv.
protocol BLASScalar: BinaryFloatingPoint {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major with leading dimensions.
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Double, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// y[n] = x[k] · op(B) + beta · y for a row-major B ([k×n], or [n×k] when `transB`): one row
    /// of A, a matrix-vector product, which OpenBLAS's gemv streams faster than its gemm.
    static func rowTimesMatrix(transB: Bool, n: Int, k: Int, x: UnsafePointer<Self>, b: UnsafePointer<Self>, ldb: Int,
                               beta: Double, y: UnsafeMutablePointer<Self>)
}

extension Float: BLASScalar {
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Float>, ldc: Int) {
        plx_openblas_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), Float(alpha), a, Int32(lda),
                           b, Int32(ldb), Float(beta), c, Int32(ldc))
    }

    static func rowTimesMatrix(transB: Bool, n: Int, k: Int, x: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                               beta: Double, y: UnsafeMutablePointer<Float>) {
        // B [k×n] row-major: y = Bᵀ x; B stored [n×k] (transB): y = B x.
        plx_openblas_sgemv(transB ? 0 : 1, Int32(transB ? n : k), Int32(transB ? k : n), 1, b, Int32(ldb), x, Float(beta), y)
    }
}

extension Double: BLASScalar {
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                     b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        plx_openblas_dgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                           b, Int32(ldb), beta, c, Int32(ldc))
    }

    static func rowTimesMatrix(transB: Bool, n: Int, k: Int, x: UnsafePointer<Double>, b: UnsafePointer<Double>, ldb: Int,
                               beta: Double, y: UnsafeMutablePointer<Double>) {
        plx_openblas_dgemv(transB ? 0 : 1, Int32(transB ? n : k), Int32(transB ? k : n), 1, b, Int32(ldb), x, beta, y)
    }
}
