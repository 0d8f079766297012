import COpenBLAS

/// float and double, each with its CBLAS gemm.
protocol BLASScalar: BinaryFloatingPoint {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major with leading dimensions.
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Double, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// y[n] = x[k] · op(B) for a row-major B ([k×n], or [n×k] when `transB`): one row of A, a
    /// matrix-vector product, which OpenBLAS's gemv streams faster than its gemm.
    static func rowTimesMatrix(transB: Bool, n: Int, k: Int, x: UnsafePointer<Self>, b: UnsafePointer<Self>, ldb: Int,
                               beta: Double, y: UnsafeMutablePointer<Self>)
}

private func transpose(_ flag: Bool) -> CBLAS_TRANSPOSE { flag ? CblasTrans : CblasNoTrans }

extension Float: BLASScalar {
    static func rowTimesMatrix(transB: Bool, n: Int, k: Int, x: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                               beta: Double, y: UnsafeMutablePointer<Float>) {
        // B [k×n] row-major: y = Bᵀ x; B stored [n×k] (transB): y = B x.
        cblas_sgemv(CblasRowMajor, transB ? CblasNoTrans : CblasTrans, blasint(transB ? n : k), blasint(transB ? k : n), 1,
                    b, blasint(ldb), x, 1, Float(beta), y, 1)
    }

    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transpose(transA), transpose(transB), blasint(m), blasint(n), blasint(k), Float(alpha),
                    a, blasint(lda), b, blasint(ldb), Float(beta), c, blasint(ldc))
    }
}

extension Double: BLASScalar {
    static func rowTimesMatrix(transB: Bool, n: Int, k: Int, x: UnsafePointer<Double>, b: UnsafePointer<Double>, ldb: Int,
                               beta: Double, y: UnsafeMutablePointer<Double>) {
        cblas_dgemv(CblasRowMajor, transB ? CblasNoTrans : CblasTrans, blasint(transB ? n : k), blasint(transB ? k : n), 1,
                    b, blasint(ldb), x, 1, beta, y, 1)
    }

    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                     b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transpose(transA), transpose(transB), blasint(m), blasint(n), blasint(k), alpha,
                    a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}
