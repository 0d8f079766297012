import PlexusPluginKit

extension GradientRules {
    /// MatMul (with numpy's 1-D promotion and batch broadcasting) and Gemm.
    static let linearAlgebra: [String: Rule] = [
        "MatMul": { g in
            guard let d = g.upstream else { return }
            let a = try g.input(0), b = try g.input(1)
            // Promote vectors to matrices, as the forward pass did, so dims line up.
            let a2 = a.rank == 1 ? try g.reshape(a, [1, a.shape[0]]) : a
            let b2 = b.rank == 1 ? try g.reshape(b, [b.shape[0], 1]) : b
            var dShape = d.shape
            if a.rank == 1 { dShape.insert(1, at: b.rank == 1 ? dShape.count : dShape.count - 1) }
            if b.rank == 1 { dShape.append(1) }
            let d2 = try g.reshape(d, dShape)
            if a2.rank == 2 && b2.rank == 2 {  // plain matrices: Gemm with transposed operands, no copies
                if g.needs(0) { try g.set(0, try g.reshape(try gemm(g, d2, b2, transA: false, transB: true), a.shape)) }
                if g.needs(1) { try g.set(1, try g.reshape(try gemm(g, a2, d2, transA: true, transB: false), b.shape)) }
                return
            }
            if g.needs(0) {
                let grad = try g.sum(try g.call1("MatMul", [d2, try transposeLastTwo(g, b2)]), toShape: a2.shape)
                try g.set(0, try g.reshape(grad, a.shape))
            }
            if g.needs(1) {
                let grad = try g.sum(try g.call1("MatMul", [try transposeLastTwo(g, a2), d2]), toShape: b2.shape)
                try g.set(1, try g.reshape(grad, b.shape))
            }
        },
        "Gemm": { g in
            guard let d = g.upstream else { return }
            let a = try g.input(0), b = try g.input(1)
            let alpha = try g.attributes.float("alpha") ?? 1, beta = try g.attributes.float("beta") ?? 1
            let transA = try g.attributes.int("transA") == 1, transB = try g.attributes.int("transB") == 1
            // With op(X) = X or Xᵀ: d op(A) = α·d·op(B)ᵀ and d op(B) = α·op(A)ᵀ·d, transposed back
            // where the forward transposed. Each is one Gemm with the right flags.
            if g.needs(0) {
                try g.set(0, transA ? try gemm(g, b, d, transA: transB, transB: true, alpha: alpha)
                                    : try gemm(g, d, b, transA: false, transB: !transB, alpha: alpha))
            }
            if g.needs(1) {
                try g.set(1, transB ? try gemm(g, d, a, transA: true, transB: transA, alpha: alpha)
                                    : try gemm(g, a, d, transA: !transA, transB: false, alpha: alpha))
            }
            if g.inputs.count > 2, g.inputs[2] != nil, g.needs(2) { try g.setReduced(2, try g.scale(d, beta)) }
        },
    ]

    /// alpha · op(a) · op(b) as one Gemm.
    static func gemm(_ g: Gradient, _ a: KernelTensor, _ b: KernelTensor, transA: Bool, transB: Bool, alpha: Double = 1) throws -> KernelTensor {
        try g.call1("Gemm", [a, b], [("transA", .int(transA ? 1 : 0)), ("transB", .int(transB ? 1 : 0)), ("alpha", .float(alpha))])
    }

    static func transposeLastTwo(_ g: Gradient, _ t: KernelTensor) throws -> KernelTensor {
        var perm = Array(0..<t.rank)
        perm.swapAt(t.rank - 1, t.rank - 2)
        return try g.call1("Transpose", [t], [("perm", .ints(perm))])
    }
}
