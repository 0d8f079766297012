import PlexusPluginKit

/// SwiGLU (opset 28): a · sigmoid(α·a) · b for equally shaped a and b; composed of
/// arithmetic and Sigmoid so it trains through them.
enum SwiGLU {
    /// The schema with its kernel and decomposition.
    static var definition: OpDefinition {
        .composed("SwiGLU", since: 28, inputs: 2...2,
                  attributes: [AttributeDeclaration("alpha", .float, default: .float(1))],
                  doc: "A * sigmoid(alpha * A) * B (no broadcasting)",
                  supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), infer: Inference.sameAsInput(), body)
    }

    /// The forward pass (halfs computed in float32).
    static func body(_ ops: OpSequence) throws -> [KernelTensor] {
        let gateInput = try ops.input(0), valueInput = try ops.input(1)
        guard gateInput.shape == valueInput.shape else {
            throw PlexusError.invalid("SwiGLU: A and B must have the same shape, got \(gateInput.shape) and \(valueInput.shape)")
        }
        _ = try requireSameDType([gateInput, valueInput], op: "SwiGLU")
        let alpha = try ops.attributes.float("alpha") ?? 1
        let gate = try ops.widened(gateInput), value = try ops.widened(valueInput)
        let sigmoid = try ops.call("Sigmoid", [try ops.call("Mul", [gate, try ops.scalar(alpha, gate.dtype)])])
        let swish = try ops.call("Mul", [gate, sigmoid])
        return [try ops.narrowed(try ops.call("Mul", [swish, value]), to: gateInput.dtype)]
    }
}
