import PlexusPluginKit

/// CausalConvWithState (opset 27): a depthwise causal 1-D convolution of input [B, C, L] with
/// weight [C, 1, K], left-padded by past_state [B, C, K-1] (zeros when omitted), optionally
/// followed by SiLU; the second output is the last K-1 positions of the padded input (the state
/// for the next call). Composed of Concat/Pad, Conv and Slice so it trains through them.
enum CausalConvolutionWithState {
    /// The schema with its kernel and decomposition.
    static var definition: OpDefinition {
        .composed("CausalConvWithState", since: 27, inputs: 2...4, outputs: 1...2,
                  attributes: [AttributeDeclaration("activation", .string, default: .string("none"))],
                  doc: "depthwise causal Conv1d carrying its left context as state, optional SiLU",
                  supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), infer: infer, body)
    }

    /// output has the input's type; present_state is [batch, channels, kernel - 1].
    static func infer(_ context: InferenceContext) throws {
        guard let input = context.input(0), let weight = context.input(1) else {
            throw PlexusError.invalid("CausalConvWithState: input and weight are required")
        }
        try context.setOutput(0, input.dtype, input.shape)
        if context.outputCount > 1 {
            let stateLength = weight.shape.flatMap { $0.count == 3 ? $0[2].map { $0 - 1 } : nil }
            try context.setOutput(1, input.dtype, input.shape.map { [$0.first ?? nil, $0.count > 1 ? $0[1] : nil, stateLength] })
        }
    }

    /// The forward pass (halfs computed in float32).
    static func body(_ ops: OpSequence) throws -> [KernelTensor] {
        let input = try ops.input(0), weightInput = try ops.input(1)
        let activation = try ops.attributes.string("activation") ?? "none"
        guard ["none", "silu", "swish"].contains(activation) else {
            throw PlexusError.invalid("CausalConvWithState: activation must be none, silu or swish, got \(activation)")
        }
        guard input.rank == 3 else { throw PlexusError.invalid("CausalConvWithState: input must be [batch, channels, length], got \(input.shape)") }
        let batch = input.shape[0], channels = input.shape[1], length = input.shape[2]
        guard weightInput.rank == 3, weightInput.shape[0] == channels, weightInput.shape[1] == 1, weightInput.shape[2] >= 1 else {
            throw PlexusError.invalid("CausalConvWithState: weight must be [\(channels), 1, kernel], got \(weightInput.shape)")
        }
        let context = weightInput.shape[2] - 1
        let x = try ops.widened(input), weight = try ops.widened(weightInput)
        let padded: KernelTensor
        if let past = ops.optionalInput(3) {
            guard past.shape == [batch, channels, context] else {
                throw PlexusError.invalid("CausalConvWithState: past_state must be [\(batch), \(channels), \(context)], got \(past.shape)")
            }
            padded = try ops.call("Concat", [try ops.widened(past), x], [("axis", .int(2))])
        } else {
            padded = try ops.call("Pad", [x, try ops.int64s([0, 0, context, 0, 0, 0])])
        }
        if let bias = ops.optionalInput(2), bias.shape != [channels] {
            throw PlexusError.invalid("CausalConvWithState: bias must be [\(channels)], got \(bias.shape)")
        }
        let bias = try ops.optionalInput(2).map { try ops.widened($0) }
        var output = try ops.call("Conv", [padded, weight, bias], [("group", .int(channels))])
        if activation != "none" { output = try ops.call("Mul", [output, try ops.call("Sigmoid", [output])]) }
        var results = [try ops.narrowed(output, to: input.dtype)]
        if ops.outputCount > 1 {
            let state = try ops.call("Slice", [padded, try ops.int64s([length]), try ops.int64s([length + context]), try ops.int64s([2])])
            results.append(try ops.narrowed(state, to: input.dtype))
        }
        return results
    }
}
