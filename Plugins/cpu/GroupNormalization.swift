import PlexusPluginKit

/// GroupNormalization (opset 21): the channels of x [N, C, ...] split into `num_groups` groups,
/// each normalised to zero mean and unit variance, then scaled and shifted per channel.
/// Composed of reshapes, reductions and arithmetic so it trains through them.
enum GroupNormalization {
    /// The schema with its kernel and decomposition.
    static var definition: OpDefinition {
        .composed("GroupNormalization", since: 21, inputs: 3...3,
                  attributes: [.required("num_groups", .int),
                               AttributeDeclaration("epsilon", .float, default: .float(1e-5)),
                               AttributeDeclaration("stash_type", .int, default: .int(1))],
                  doc: "per-group normalisation of the channels, then per-channel scale and bias",
                  supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), infer: Inference.sameAsInput(), body)
    }

    /// The forward pass (halfs computed in float32, as stash_type 1 asks).
    static func body(_ ops: OpSequence) throws -> [KernelTensor] {
        let input = try ops.input(0)
        guard input.rank >= 2 else { throw PlexusError.invalid("GroupNormalization: X must have rank 2 or more, got \(input.rank)") }
        let stashType = try ops.attributes.int("stash_type") ?? 1
        guard stashType == 1 else { throw PlexusError.invalid("GroupNormalization: stash_type must be 1 (float32), got \(stashType)") }
        let batch = input.shape[0], channels = input.shape[1]
        let groups = try ops.attributes.int("num_groups") ?? 0
        guard groups > 0, channels % groups == 0 else {
            throw PlexusError.invalid("GroupNormalization: num_groups must divide the \(channels) channels, got \(groups)")
        }
        let scaleInput = try ops.input(1), biasInput = try ops.input(2)
        guard scaleInput.shape == [channels], biasInput.shape == [channels] else {
            throw PlexusError.invalid("GroupNormalization: scale and bias must be [\(channels)], got \(scaleInput.shape) and \(biasInput.shape)")
        }
        let epsilon = try ops.attributes.float("epsilon") ?? 1e-5
        let x = try ops.reshape(try ops.widened(input), [batch, groups, product(input.shape, 1..<input.rank) / groups])
        let axes = try ops.int64s([2])
        let keep: [(String, AttributeValue)] = [("keepdims", .int(1))]
        let centered = try ops.call("Sub", [x, try ops.call("ReduceMean", [x, axes], keep)])
        let variance = try ops.call("ReduceMean", [try ops.call("Mul", [centered, centered]), axes], keep)
        let deviation = try ops.call("Sqrt", [try ops.call("Add", [variance, try ops.scalar(epsilon, x.dtype)])])
        let normalized = try ops.reshape(try ops.call("Div", [centered, deviation]), input.shape)
        let perChannel = [channels] + Array(repeating: 1, count: input.rank - 2)
        let scale = try ops.reshape(try ops.widened(scaleInput), perChannel)
        let bias = try ops.reshape(try ops.widened(biasInput), perChannel)
        let output = try ops.call("Add", [try ops.call("Mul", [normalized, scale]), bias])
        return [try ops.narrowed(output, to: input.dtype)]
    }
}
