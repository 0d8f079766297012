import PlexusPluginKit

/// RMSNormalization (opset 23): x / √(mean(x²) + ε) · scale, the mean taken over the axes
/// from `axis` to the last; composed of arithmetic and reductions so it trains through them.
enum RMSNormalization {
    /// The schema with its kernel and decomposition.
    static var definition: OpDefinition {
        .composed("RMSNormalization", since: 23, inputs: 2...2,
                  attributes: [AttributeDeclaration("axis", .int, default: .int(-1)),
                               AttributeDeclaration("epsilon", .float, default: .float(1e-5)),
                               AttributeDeclaration("stash_type", .int, default: .int(1))],
                  doc: "x / sqrt(mean(x^2 over axis..last) + epsilon) * scale",
                  supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), infer: Inference.sameAsInput(), body)
    }

    /// The forward pass (halfs computed in float32, as stash_type 1 asks).
    static func body(_ ops: OpSequence) throws -> [KernelTensor] {
        let input = try ops.input(0)
        let stashType = try ops.attributes.int("stash_type") ?? 1
        guard stashType == 1 else { throw PlexusError.invalid("RMSNormalization: stash_type must be 1 (float32), got \(stashType)") }
        let axis = try normalizedAxis(try ops.attributes.int("axis") ?? -1, rank: input.rank, op: "RMSNormalization")
        let epsilon = try ops.attributes.float("epsilon") ?? 1e-5
        let x = try ops.widened(input)
        let scale = try ops.widened(try ops.input(1))
        let axes = try ops.int64s(Array(axis..<input.rank))
        let meanSquare = try ops.call("ReduceMean", [try ops.call("Mul", [x, x]), axes], [("keepdims", .int(1))])
        let rms = try ops.call("Sqrt", [try ops.call("Add", [meanSquare, try ops.scalar(epsilon, x.dtype)])])
        let normalized = try ops.call("Div", [x, rms])
        return [try ops.narrowed(try ops.call("Mul", [normalized, scale]), to: input.dtype)]
    }
}
