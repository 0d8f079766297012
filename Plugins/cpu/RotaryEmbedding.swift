import PlexusPluginKit

/// RotaryEmbedding (opset 23): rotates pairs of features of each head by position-dependent
/// angles given as cos/sin caches — halves (x[:d/2], x[d/2:]) or, when `interleaved`, even/odd
/// features — over the first `rotary_embedding_dim` features. Input is
/// [batch, heads, sequence, head_size] or [batch, sequence, hidden] with `num_heads`. Composed of
/// slicing and arithmetic so it trains through them.
enum RotaryEmbedding {
    /// The schema with its kernel and decomposition.
    static var definition: OpDefinition {
        .composed("RotaryEmbedding", since: 23, inputs: 3...4,
                  attributes: [AttributeDeclaration("interleaved", .int, default: .int(0)),
                               AttributeDeclaration("rotary_embedding_dim", .int, default: .int(0)),
                               AttributeDeclaration("num_heads", .int)],
                  doc: "rotary position embedding of X with cos/sin caches (optionally indexed by position_ids)",
                  supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), infer: Inference.sameAsInput(), body)
    }

    /// The forward pass, in the [batch, sequence, heads, head_size] layout.
    static func body(_ ops: OpSequence) throws -> [KernelTensor] {
        let input = try ops.input(0)
        let x = try headsLast(try ops.widened(input), ops)
        let headSize = x.shape[3]
        let rotaryDim = try ops.attributes.int("rotary_embedding_dim") ?? 0
        let rotated = rotaryDim == 0 ? headSize : rotaryDim
        guard rotated > 0, rotated <= headSize, rotated % 2 == 0 else {
            throw PlexusError.invalid("RotaryEmbedding: rotary_embedding_dim must be even and at most the head size \(headSize), got \(rotated)")
        }
        let (cos, sin) = try caches(ops, batch: x.shape[0], sequence: x.shape[1], half: rotated / 2)
        let interleaved = (try ops.attributes.int("interleaved") ?? 0) != 0
        let first = try slice(ops, x, start: 0, end: interleaved ? rotated : rotated / 2, step: interleaved ? 2 : 1)
        let second = try slice(ops, x, start: interleaved ? 1 : rotated / 2, end: rotated, step: interleaved ? 2 : 1)
        let real = try ops.call("Sub", [try ops.call("Mul", [cos, first]), try ops.call("Mul", [sin, second])])
        let imaginary = try ops.call("Add", [try ops.call("Mul", [sin, first]), try ops.call("Mul", [cos, second])])
        var pieces: [KernelTensor]
        if interleaved {
            let pairs = try ops.call("Concat", [try unsqueezed(ops, real), try unsqueezed(ops, imaginary)], [("axis", .int(-1))])
            pieces = [try ops.reshape(pairs, Array(x.shape[0..<3]) + [rotated])]
        } else {
            pieces = [real, imaginary]
        }
        if rotated < headSize { pieces.append(try slice(ops, x, start: rotated, end: headSize, step: 1)) }
        let output = try ops.call("Concat", pieces, [("axis", .int(-1))])
        let restored = input.rank == 4 ? try ops.call("Transpose", [output], [("perm", .ints([0, 2, 1, 3]))])
                                       : try ops.reshape(output, input.shape)
        return [try ops.narrowed(restored, to: input.dtype)]
    }

    /// The input as [batch, sequence, heads, head_size]: 4-D inputs transposed, 3-D inputs split
    /// into `num_heads` heads.
    static func headsLast(_ x: KernelTensor, _ ops: OpSequence) throws -> KernelTensor {
        switch x.rank {
        case 4:
            return try ops.call("Transpose", [x], [("perm", .ints([0, 2, 1, 3]))])
        case 3:
            guard let heads = try ops.attributes.int("num_heads"), heads > 0, x.shape[2] % heads == 0 else {
                throw PlexusError.invalid("RotaryEmbedding: a 3-D input needs num_heads dividing its hidden size \(x.shape[2])")
            }
            return try ops.reshape(x, [x.shape[0], x.shape[1], heads, x.shape[2] / heads])
        default:
            throw PlexusError.invalid("RotaryEmbedding: X must be 3-D or 4-D, got rank \(x.rank)")
        }
    }

    /// The cos and sin caches as [batch, sequence, 1, half]: gathered by position_ids when given,
    /// otherwise already [batch, sequence, half].
    static func caches(_ ops: OpSequence, batch: Int, sequence: Int, half: Int) throws -> (KernelTensor, KernelTensor) {
        let expected = [batch, sequence, half]
        let positions = ops.optionalInput(3)
        let tables = try [1, 2].map { index -> KernelTensor in
            var table = try ops.widened(try ops.input(index))
            if let positions {
                guard table.rank == 2, table.shape[1] == half, positions.shape == [batch, sequence] else {
                    throw PlexusError.invalid("RotaryEmbedding: with position_ids [\(batch), \(sequence)] the caches must be [max_position, \(half)], got \(table.shape) and position_ids \(positions.shape)")
                }
                table = try ops.call("Gather", [table, positions], [("axis", .int(0))])
            } else {
                guard table.shape == expected else {
                    throw PlexusError.invalid("RotaryEmbedding: without position_ids the caches must be \(expected), got \(table.shape)")
                }
            }
            return try ops.reshape(table, [batch, sequence, 1, half])
        }
        return (tables[0], tables[1])
    }

    /// x[..., start..<end by step] along the last (head_size) axis.
    static func slice(_ ops: OpSequence, _ x: KernelTensor, start: Int, end: Int, step: Int) throws -> KernelTensor {
        try ops.call("Slice", [x, try ops.int64s([start]), try ops.int64s([end]), try ops.int64s([3]), try ops.int64s([step])])
    }

    /// `tensor` with a trailing axis of size 1.
    static func unsqueezed(_ ops: OpSequence, _ tensor: KernelTensor) throws -> KernelTensor {
        try ops.reshape(tensor, tensor.shape + [1])
    }
}
