import PlexusPluginKit

/// ONNX Attention (opset 23): softmax(Q·Kᵀ·scale + bias)·V with multi-head, grouped-query and
/// multi-query layouts, a boolean (true = attend) or additive mask, bottom-right causal
/// masking, a key/value cache (past_key/past_value in, present_key/present_value out), softcap
/// and the qk_matmul_output debug output; with opset 24's nonpad_kv_seqlen (valid keys per batch
/// entry of an external cache) and opset 25's left/right sliding window. A query row whose every
/// key is masked gives zeros.
///
/// While gradients are recorded the op runs as its decomposition into standard ops, so it
/// trains through autograd; otherwise the fused CPU kernel runs.
enum Attention: SingleOperatorFamily {
    /// The schema, fused kernel and decomposition, ready to register.
    static var definition: OpDefinition {
        OpDefinition("Attention", since: 23, inputs: 3...7, outputs: 1...4,
                     attributes: [AttributeDeclaration("is_causal", .int, default: .int(0)),
                                  AttributeDeclaration("kv_num_heads", .int), AttributeDeclaration("q_num_heads", .int),
                                  AttributeDeclaration("left_window_size", .int, default: .int(-1)),
                                  AttributeDeclaration("right_window_size", .int, default: .int(-1)),
                                  AttributeDeclaration("qk_matmul_output_mode", .int, default: .int(0)),
                                  AttributeDeclaration("scale", .float),
                                  AttributeDeclaration("softcap", .float, default: .float(0)),
                                  AttributeDeclaration("softmax_precision", .int)],
                     doc: "scaled dot-product attention with heads, masks and a key/value cache",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), infer: infer,
                     compute: AttentionKernel.compute)
            .decomposed(AttentionDecomposition.decompose)
    }

    /// Output shapes from the input shapes, with unknown dims where inputs leave them open.
    static func infer(_ context: InferenceContext) throws {
        guard let q = context.input(0), let k = context.input(1), let v = context.input(2) else {
            throw PlexusError.invalid("Attention: Q, K and V are required")
        }
        let past = context.input(4)?.shape.flatMap { $0.count == 4 ? $0[2] : nil }
        let hasPast = context.input(4) != nil
        guard let qShape = q.shape, let kShape = k.shape, let vShape = v.shape, qShape.count == kShape.count,
              kShape.count == vShape.count, qShape.count == 3 || qShape.count == 4 else {
            for index in 0..<context.outputCount { try context.setOutput(index, q.dtype, nil) }
            return
        }
        func divided(_ dim: Int??, by heads: Int?) -> Int? {
            guard let dim = dim ?? nil, let heads, heads > 0 else { return nil }
            return dim / heads
        }
        let isPacked = qShape.count == 3
        let qHeads = isPacked ? try context.attributes.int("q_num_heads") : qShape[1]
        let kvHeads = isPacked ? try context.attributes.int("kv_num_heads") : kShape[1]
        let qLength = qShape[isPacked ? 1 : 2], newLength = kShape[isPacked ? 1 : 2]
        let headSize = isPacked ? divided(qShape[2], by: qHeads) : qShape[3]
        let valueHeadSize = isPacked ? divided(vShape.last, by: kvHeads) : vShape.last ?? nil
        let total: Int? = hasPast ? past.flatMap { p in newLength.map { p + $0 } } : newLength
        let y: [Int?] = isPacked ? [qShape[0], qLength, qHeads.flatMap { h in valueHeadSize.map { h * $0 } }]
                                 : [qShape[0], qHeads, qLength, valueHeadSize]
        let outputs: [[Int?]] = [y, [qShape[0], kvHeads, total, headSize], [qShape[0], kvHeads, total, valueHeadSize],
                                 [qShape[0], qHeads, qLength, total]]
        for index in 0..<context.outputCount { try context.setOutput(index, q.dtype, outputs[index]) }
    }
}
