import PlexusPluginKit

/// MatMul (numpy semantics: 1-D promotion, broadcast batch dims) and Gemm (transA/transB,
/// alpha, beta, a bias broadcast to [M, N]) as CBLAS gemm calls. A batch whose right-hand
/// matrix is shared is folded into one taller product, the common case of a layer applied to
/// a [batch, sequence, features] tensor.
enum BLASProducts {
    /// CBLAS takes 32-bit sizes.
    static let largest = Int(Int32.max)

    /// The kernels, for inputs of one of `types` (float32 and/or float64).
    static func definitions(types: Set<DType>) -> [OpDefinition] {
        let supports = { (dtypes: [DType?]) -> Bool in
            guard let first = dtypes.first ?? nil, types.contains(first) else { return false }
            return dtypes.allSatisfy { $0 == nil || $0 == first }
        }
        return [
            OpDefinition("MatMul", since: 13, inputs: 2...2, doc: "matrix product with numpy semantics (OpenBLAS)",
                         supports: supports, compute: matMul),
            OpDefinition("Gemm", since: 13, inputs: 2...3, doc: "alpha·op(A)·op(B) + beta·C (OpenBLAS)",
                         supports: supports, compute: gemm),
        ]
    }

    static func matMul(_ context: KernelContext) throws {
        let a = try context.input(0), b = try context.input(1)
        let dtype = try requireSameDType([a, b], op: "MatMul")
        let product = try MatrixProductShape(a.shape, b.shape, op: "MatMul")
        let (m, n, k) = (product.m, product.n, product.k)
        let batch = try BatchPlan(product.leftBatch, product.rightBatch)
        let shape = product.outputShape(batch: batch.shape)
        let out = try context.output(0, dtype, shape)
        if out.count == 0 { return }
        guard m * batch.count <= largest, n <= largest, k <= largest else {
            throw PlexusError(.unsupported, "MatMul: dimensions beyond 2^31 are not supported by the OpenBLAS backend")
        }
        if k == 0 {
            out.data.initializeMemory(as: UInt8.self, repeating: 0, count: out.count * dtype.elementSize)
            return
        }
        if dtype == .float32 { multiply(Float.self, a, b, out, batch: batch, m: m, n: n, k: k) }
        else { multiply(Double.self, a, b, out, batch: batch, m: m, n: n, k: k) }
    }

    static func multiply<T: BLASScalar>(_ type: T.Type, _ a: KernelTensor, _ b: KernelTensor, _ out: KernelTensor,
                                        batch: BatchPlan, m: Int, n: Int, k: Int) {
        let pa = UnsafePointer(a.pointer(as: T.self)), pb = UnsafePointer(b.pointer(as: T.self)), po = out.pointer(as: T.self)
        if batch.sharesRight && batch.count * m > 1 {  // [batch·m, k] · [k, n] in one product
            return BLASThreads.gemm(transA: false, transB: false, m: batch.count * m, n: n, k: k, alpha: 1, a: pa, lda: k,
                                    b: pb, ldb: n, beta: 0, c: po, ldc: n)
        }
        if batch.count == 1 && m == 1 {
            let (left, right) = batch.offsets(0)
            return BLASThreads.rowTimesMatrix(transB: false, n: n, k: k, x: pa + left * k, b: pb + right * k * n, ldb: n, beta: 0,
                                              y: po)
        }
        if batch.count == 1 {
            let (left, right) = batch.offsets(0)
            return BLASThreads.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: pa + left * m * k, lda: k,
                                    b: pb + right * k * n, ldb: n, beta: 0, c: po, ldc: n)
        }
        // Several products (attention heads): the batch is split across threads.
        let grain = max(1, BLASThreads.smallProduct / max(m * n * k, 1))
        Host.parallelFor(batch.count, grain: grain) { items in
            for index in items {
                let (left, right) = batch.offsets(index)
                if m == 1 {
                    T.rowTimesMatrix(transB: false, n: n, k: k, x: pa + left * k, b: pb + right * k * n, ldb: n, beta: 0,
                                     y: po + index * n)
                    continue
                }
                T.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: pa + left * m * k, lda: k,
                       b: pb + right * k * n, ldb: n, beta: 0, c: po + index * m * n, ldc: n)
            }
        }
    }

    static func gemm(_ context: KernelContext) throws {
        let a = try context.input(0), b = try context.input(1), c = context.optionalInput(2)
        let dtype = try requireSameDType([a, b, c], op: "Gemm")
        let transA = try context.attributes.int("transA") ?? 0 != 0, transB = try context.attributes.int("transB") ?? 0 != 0
        let alpha = try context.attributes.float("alpha") ?? 1, beta = try context.attributes.float("beta") ?? 1
        let (m, n, k) = try MatrixProductShape.gemm(a.shape, b.shape, transA: transA, transB: transB)
        guard m <= largest, n <= largest, k <= largest else {
            throw PlexusError(.unsupported, "Gemm: dimensions beyond 2^31 are not supported by the OpenBLAS backend")
        }
        let bias = try c.map { try BiasLayout($0.shape, m: m, n: n) }
        let out = try context.output(0, dtype, [m, n])
        if out.count == 0 { return }
        if dtype == .float32 { gemm(Float.self, a, b, c, bias, out, transA, transB, alpha, beta, m, n, k) }
        else { gemm(Double.self, a, b, c, bias, out, transA, transB, alpha, beta, m, n, k) }
    }

    static func gemm<T: BLASScalar>(_ type: T.Type, _ a: KernelTensor, _ b: KernelTensor, _ c: KernelTensor?, _ bias: BiasLayout?,
                                    _ out: KernelTensor, _ transA: Bool, _ transB: Bool, _ alpha: Double, _ beta: Double,
                                    _ m: Int, _ n: Int, _ k: Int) {
        let po = out.pointer(as: T.self)
        let useBias = c != nil && beta != 0
        if let c, let bias, useBias { bias.fill(UnsafePointer(c.pointer(as: T.self)), into: po) }
        else { po.initialize(repeating: T.zero, count: m * n) }
        if k == 0 {  // an empty product: beta · C alone
            if useBias { for i in 0..<(m * n) { po[i] *= T(beta) } }
            return
        }
        if m == 1 && alpha == 1 {
            return BLASThreads.rowTimesMatrix(transB: transB, n: n, k: k, x: UnsafePointer(a.pointer(as: T.self)),
                                              b: UnsafePointer(b.pointer(as: T.self)), ldb: transB ? k : n, beta: useBias ? beta : 0,
                                              y: po)
        }
        BLASThreads.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                         a: UnsafePointer(a.pointer(as: T.self)), lda: transA ? m : k,
                         b: UnsafePointer(b.pointer(as: T.self)), ldb: transB ? k : n,
                         beta: useBias ? beta : 0, c: po, ldc: n)
    }
}
