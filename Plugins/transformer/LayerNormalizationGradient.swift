import PlexusPluginKit

/// The vector-Jacobian product of LayerNormalization, written with other ops.
///
/// With x̂ = (x − μ)·r over N normalised elements and y = x̂·γ + β:
/// dβ = Σ dy, dγ = Σ dy·x̂ (summed to their broadcast shapes), and with g = dy·γ,
/// dx = r·(g − mean(g) − x̂·mean(g·x̂)). Gradients arriving at the Mean and InvStdDev outputs
/// add dμ/N and −dr·r²·x̂/N.
enum LayerNormalizationGradient {
    /// Sets the gradients of X, Scale and B that are needed.
    static func rule(_ g: Gradient) throws {
        let x = try g.input(0), scale = try g.input(1)
        let axis = try normalizedAxis(try g.attributes.int("axis") ?? -1, rank: x.rank, op: "LayerNormalization")
        let axes = try g.int64s(Array(axis..<x.rank))
        let count = Double(product(x.shape, axis..<x.rank))
        // x̂ and r again, in x's own precision (stash_type 11 keeps float64 statistics).
        let standardised = try g.call("LayerNormalization", [x, try g.scalar(1, x.dtype)],
                                      [("axis", .int(axis)), ("epsilon", .float(try g.attributes.float("epsilon") ?? 1e-5)),
                                       ("stash_type", .int(x.dtype == .float64 ? 11 : 1))], outputCount: 3)
        let normalized = standardised[0]
        let inverse = try g.cast(standardised[2], to: x.dtype)
        func mean(_ t: KernelTensor) throws -> KernelTensor { try g.call1("ReduceMean", [t, axes], [("keepdims", .int(1))]) }

        var dx: KernelTensor?
        if let dy = g.outputGradients[0] {
            if g.inputs.count > 2, g.inputs[2] != nil { try g.setReduced(2, dy) }
            try g.setReduced(1, try g.mul(dy, normalized))
            if g.needs(0) {
                let dn = try g.mul(dy, scale)
                let centred = try g.sub(try g.sub(dn, try mean(dn)), try g.mul(normalized, try mean(try g.mul(dn, normalized))))
                dx = try g.mul(inverse, centred)
            }
        }
        guard g.needs(0) else { return }
        if g.outputGradients.count > 1, let dMean = g.outputGradients[1] {
            dx = try accumulate(g, dx, try g.scale(try g.cast(dMean, to: x.dtype), 1 / count), like: x)
        }
        if g.outputGradients.count > 2, let dInverse = g.outputGradients[2] {
            let squared = try g.mul(inverse, inverse)
            let term = try g.mul(try g.mul(try g.cast(dInverse, to: x.dtype), squared), normalized)
            dx = try accumulate(g, dx, try g.scale(term, -1 / count), like: x)
        }
        if let dx { try g.set(0, dx) }
    }

    /// `sum + term`, with `term` broadcast to `like`'s shape when there is no sum yet.
    static func accumulate(_ g: Gradient, _ sum: KernelTensor?, _ term: KernelTensor, like: KernelTensor) throws -> KernelTensor {
        if let sum { return try g.add(sum, term) }
        return try g.call1("Expand", [term, try g.int64s(like.shape)])
    }
}
