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
            let opA = transA ? try transposeLastTwo(g, a) : a, opB = transB ? try transposeLastTwo(g, b) : b
            if g.needs(0) {
                let grad = try g.scale(try g.call1("MatMul", [d, try transposeLastTwo(g, opB)]), alpha)
                try g.set(0, transA ? try transposeLastTwo(g, grad) : grad)
            }
            if g.needs(1) {
                let grad = try g.scale(try g.call1("MatMul", [try transposeLastTwo(g, opA), d]), alpha)
                try g.set(1, transB ? try transposeLastTwo(g, grad) : grad)
            }
            if g.inputs.count > 2, g.inputs[2] != nil, g.needs(2) { try g.setReduced(2, try g.scale(d, beta)) }
        },
    ]

    static func transposeLastTwo(_ g: Gradient, _ t: KernelTensor) throws -> KernelTensor {
        var perm = Array(0..<t.rank)
        perm.swapAt(t.rank - 1, t.rank - 2)
        return try g.call1("Transpose", [t], [("perm", .ints(perm))])
    }
}
