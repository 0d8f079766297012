import PlexusPluginKit

/// GlobalLpPool (opset 2): the p-norm of each channel over all its spatial dims,
/// (Σ |x|^p)^(1/p), kept as dims of size 1; composed of Abs, Pow and ReduceSum so autograd
/// differentiates it.
enum GlobalLpPool: OperatorFamily {
    static var definitions: [OpDefinition] {
        [OpDefinition.composed("GlobalLpPool", since: 2, inputs: 1...1, attributes: [AttributeDeclaration("p", .int, default: .int(2))],
                               doc: "p-norm of each channel over its spatial dims",
                               supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), infer: infer) { s in
            let x = try s.input(0)
            let p = try s.attributes.int("p") ?? 2
            guard p > 0 else { throw PlexusError.invalid("GlobalLpPool: p must be positive, got \(p)") }
            guard x.rank >= 2 else { throw PlexusError.invalid("GlobalLpPool: the input needs a batch and a channel dim, got shape \(x.shape)") }
            let powered = try s.call("Pow", [try s.call("Abs", [x]), try s.scalar(Double(p), x.dtype)])
            let summed = x.rank == 2 ? powered
                : try s.call("ReduceSum", [powered, try s.int64s(Array(2..<x.rank))], [("keepdims", .int(1))])
            return [try s.call("Pow", [summed, try s.scalar(1 / Double(p), x.dtype)])]
        }]
    }

    /// [N, C, D1, …] → [N, C, 1, …].
    static func infer(_ context: InferenceContext) throws {
        guard let input = context.input(0) else { return }
        try context.setOutput(0, input.dtype, input.shape.map { shape in shape.enumerated().map { $0.offset < 2 ? $0.element : 1 } })
    }
}
