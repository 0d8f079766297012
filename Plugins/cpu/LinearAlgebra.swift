import CPlexusCPUKernels
import PlexusPluginKit

/// MatMul (numpy semantics: 1-D promotion and batch broadcasting) and Gemm.
enum LinearAlgebra: OperatorFamily {
    static var definitions: [OpDefinition] {
        [
            OpDefinition("MatMul", since: 13, inputs: 2...2, doc: "matrix product with numpy semantics",
                         supports: DTypes.first(DTypes.numeric), compute: matMul),
            OpDefinition("Gemm", since: 13, inputs: 2...3,
                         attributes: [AttributeDeclaration("alpha", .float, default: .float(1)),
                                      AttributeDeclaration("beta", .float, default: .float(1)),
                                      AttributeDeclaration("transA", .int, default: .int(0)),
                                      AttributeDeclaration("transB", .int, default: .int(0))],
                         doc: "alpha·op(A)·op(B) + beta·C", supports: DTypes.first(DTypes.numeric), compute: gemm),
        ]
    }

    struct MatMulBody: NumericBody {
        let a: KernelTensor, b: KernelTensor, out: KernelTensor
        let batch: Broadcast?, m: Int, n: Int, k: Int

        func run<T: CPUNumber>(_ type: T.Type) throws {
            let pa = UnsafePointer(a.pointer(as: T.self)), pb = UnsafePointer(b.pointer(as: T.self)), po = out.pointer(as: T.self)
            guard let batch else { return Gemm.multiply(pa, pb, po, m: m, n: n, k: k) }
            // One matrix product per batch position; the plan maps it to A's and B's matrices.
            let aMatrix = m * k, bMatrix = k * n, oMatrix = m * n
            batch.forEachRun(0..<batch.runCount) { offsets, first in
                for i in 0..<batch.runLength {
                    let ai = (offsets[0] + i * batch.innerStride(0)) * aMatrix
                    let bi = (offsets[1] + i * batch.innerStride(1)) * bMatrix
                    Gemm.multiply(pa + ai, pb + bi, po + (first + i) * oMatrix, m: m, n: n, k: k)
                }
            }
        }
    }

    static func matMul(_ context: KernelContext) throws {
        let a = try context.input(0), b = try context.input(1)
        let dtype = try requireSameDType([a, b], op: "MatMul")
        let product = try MatrixProductShape(a.shape, b.shape, op: "MatMul")
        let (m, n, k) = (product.m, product.n, product.k)
        let plan = try Broadcast([product.leftBatch, product.rightBatch], op: "MatMul")
        let shape = product.outputShape(batch: plan.shape)
        let out = try context.output(0, dtype, shape)
        if out.count == 0 { return }
        if k == 0 {
            out.data.initializeMemory(as: UInt8.self, repeating: 0, count: out.count * dtype.elementSize)
            return
        }
        try TypeDispatch.numeric(dtype, op: "MatMul",
                                 MatMulBody(a: a, b: b, out: out, batch: plan.count > 1 ? plan : nil, m: m, n: n, k: k))
    }

    struct GemmBody: NumericBody {
        let a: KernelTensor, b: KernelTensor, c: KernelTensor?, out: KernelTensor
        let transA: Bool, transB: Bool, alpha: Double, beta: Double, m: Int, n: Int, k: Int

        func run<T: CPUNumber>(_ type: T.Type) throws {
            let pa = a.pointer(as: T.self), pb = b.pointer(as: T.self), po = out.pointer(as: T.self)
            if k == 0 || m * n == 0 {
                for i in 0..<(m * n) { po[i] = T.zero }
            } else if transB && !transA && m <= LinearAlgebra.rowsForDotProducts && (a.dtype == .float32 || a.dtype == .float64) {
                // A few rows (a batch of one through a Linear layer): C[i, j] = A[i, :]·B[j, :], both
                // contiguous, with no repacking of B.
                dotRows(m: m, n: n, k: k)
            } else {
                // The kernel reads A through strides and a row-major B[k×n]; a transposed B is repacked once.
                let right = transB ? transposed(pb, rows: n, columns: k) : nil
                withOptionalBuffer(right, or: pb) { r in
                    Gemm.multiply(UnsafePointer(pa), r, po, m: m, n: n, k: k, aStrides: transA ? .transposed(m: m) : .rowMajor(k: k))
                }
            }
            if alpha != 1 {
                let scale = T(double: alpha)
                for i in 0..<(m * n) { po[i] = T.mul(po[i], scale) }
            }
            if let c, beta != 0 {
                let plan = try Broadcast([[m, n], c.shape], op: "Gemm")
                let bias = UnsafePointer(c.pointer(as: T.self))
                if beta == 1 {  // a Linear layer's bias: Add's loops (the vector kernel for float32), in place
                    broadcastArithmetic(plan, UnsafePointer(po), bias, po, .add)
                } else {
                    let scale = T(double: beta)
                    broadcastBinary(plan, UnsafePointer(po), bias, po) { y, bias in T.add(y, T.mul(scale, bias)) }
                }
            }
        }

        func withOptionalBuffer<T, R>(_ array: [T]?, or pointer: UnsafeMutablePointer<T>, _ body: (UnsafePointer<T>) -> R) -> R {
            guard let array else { return body(pointer) }
            return array.withUnsafeBufferPointer { body($0.baseAddress!) }
        }

        /// p is [rows × columns]; the result is [columns × rows]: float32 through the C kernel's
        /// 8 × 8 register blocks, other types copied in 16 × 16 blocks so both sides stay in cache.
        func transposed<T>(_ p: UnsafePointer<T>, rows: Int, columns: Int) -> [T] {
            let block = 16
            return [T](unsafeUninitializedCapacity: rows * columns) { buffer, count in
                let out = buffer.baseAddress!
                if T.self == Float.self {  // 8 × 8 blocks in registers (the C kernel)
                    plx_cpu_transpose(UnsafeRawPointer(p).assumingMemoryBound(to: Float.self), rows, columns,
                                      UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self))
                    count = rows * columns
                    return
                }
                for r0 in stride(from: 0, to: rows, by: block) {
                    for c0 in stride(from: 0, to: columns, by: block) {
                        // Writes run along an output row: with `rows` a multiple of 1024 a write stride of
                        // `rows` would put every line of the block in one cache set.
                        for col in c0..<min(c0 + block, columns) {
                            for r in r0..<min(r0 + block, rows) { (out + (col &* rows &+ r)).initialize(to: p[r &* columns &+ col]) }
                        }
                    }
                }
                count = rows * columns
            }
        }
    }

    /// Up to this many rows of A, Gemm with transB takes dot products instead of repacking B.
    static let rowsForDotProducts = 8

    static func gemm(_ context: KernelContext) throws {
        let a = try context.input(0), b = try context.input(1), c = context.optionalInput(2)
        let dtype = try requireSameDType([a, b, c], op: "Gemm")
        let transA = try context.attributes.int("transA") != 0, transB = try context.attributes.int("transB") != 0
        let (m, n, k) = try MatrixProductShape.gemm(a.shape, b.shape, transA: transA, transB: transB)
        if let c { _ = try Broadcast.shape(of: [[m, n], c.shape], op: "Gemm") }
        let out = try context.output(0, dtype, [m, n])
        try TypeDispatch.numeric(dtype, op: "Gemm", GemmBody(a: a, b: b, c: c, out: out, transA: transA, transB: transB,
                                                           alpha: try context.attributes.float("alpha")!,
                                                           beta: try context.attributes.float("beta")!, m: m, n: n, k: k))
    }
}

extension LinearAlgebra.GemmBody {
    /// out[i, j] = Σ_p a[i, p]·b[j, p] for float32 (the C kernel, four rows of B at a time) and
    /// float64 (eight lanes at a time), parallel over j.
    func dotRows(m: Int, n: Int, k: Int) {
        if a.dtype == .float32 {
            let pa = a.pointer(as: Float.self), pb = b.pointer(as: Float.self), po = out.pointer(as: Float.self)
            // Split by B's size, not the arithmetic: the product waits on B's rows streaming in
            // from memory, and each thread brings its own share at once.
            Host.parallelFor(n, grain: max(4, (1 << 16) / max(k, 1))) { columns in
                plx_cpu_sgemm_dot_rows(pa, m, pb + columns.lowerBound * k, columns.count, k, po + columns.lowerBound, n)
            }
        } else if a.dtype == .float64 {
            rows(Double.self, m: m, n: n, k: k)
        }
    }

    private func rows<T: BinaryFloatingPoint & SIMDScalar>(_ type: T.Type, m: Int, n: Int, k: Int) {
        let pa = a.pointer(as: T.self), pb = b.pointer(as: T.self), po = out.pointer(as: T.self)
        Host.parallelFor(n, grain: max(1, Gemm.parallelWork / max(m * k, 1))) { columns in
            for j in columns {
                let right = pb + j * k
                for i in 0..<m {
                    let left = pa + i * k
                    var lanes = SIMD8<T>(), p = 0
                    while p + 8 <= k {
                        lanes += UnsafeRawPointer(left + p).loadUnaligned(as: SIMD8<T>.self)
                            * UnsafeRawPointer(right + p).loadUnaligned(as: SIMD8<T>.self)
                        p += 8
                    }
                    var sum = lanes.sum()
                    while p < k { sum += left[p] * right[p]; p += 1 }
                    po[i * n + j] = sum
                }
            }
        }
    }
}
