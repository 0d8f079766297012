import PlexusPluginKit

/// The Attention op written with standard ops (Reshape, Transpose, Concat, MatMul, Softmax,
/// Where, …): what runs while gradients are recorded, so autograd differentiates attention,
/// and what an exporter can emit for opsets before 23.
enum AttentionDecomposition {
    /// The outputs asked for (Y, present_key, present_value, qk_matmul_output), from op calls.
    static func decompose(_ d: Decomposition) throws -> [KernelTensor] {
        let plan = try AttentionPlan(d.inputs, attributes: d.attributes)
        let q = try d.input(0), k = try d.input(1), v = try d.input(2)
        let pastKey = d.optionalInput(4), pastValue = d.optionalInput(5)
        let query = plan.isPacked ? try AttentionComposition.splitHeads(d, q, heads: plan.queryHeads) : q
        var keys = k, values = v, keysTransposed: KernelTensor
        if plan.isPacked && pastKey == nil && d.outputCount < 2 {
            // Nothing needs K as [B, H, T, D]: go from [B, T, H·D] to [B, H, D, T] in one transpose.
            keysTransposed = try d.transpose(try d.reshape(k, [plan.batch, plan.newLength, plan.keyValueHeads, plan.headSize]), [0, 2, 3, 1])
            values = try AttentionComposition.splitHeads(d, v, heads: plan.keyValueHeads)
        } else {
            if plan.isPacked {
                keys = try AttentionComposition.splitHeads(d, k, heads: plan.keyValueHeads)
                values = try AttentionComposition.splitHeads(d, v, heads: plan.keyValueHeads)
            }
            if let pastKey, let pastValue {
                keys = try d.call1("Concat", [pastKey, keys], [("axis", .int(2))])
                values = try d.call1("Concat", [pastValue, values], [("axis", .int(2))])
            }
            keysTransposed = try d.transpose(keys, [0, 1, 3, 2])
        }
        var masks = try AttentionComposition.masks(d, mask: d.optionalInput(3), causalOffset: nil,
                                                   queryLength: plan.queryLength, totalLength: plan.totalLength)
        if plan.hasStructuralMask {
            let allowed = try structuralMask(d, plan)
            masks.keep = try masks.keep.map { try d.call1("And", [$0, allowed]) } ?? allowed
            masks.mayMaskWholeRows = masks.mayMaskWholeRows || plan.keyLengths != nil || plan.isWindowed
        }
        let result = try AttentionComposition.attend(d, query: query, keysTransposed: keysTransposed, values: values, masks: masks,
                                                     scale: plan.scale, softcap: plan.softcap, softmaxDType: plan.softmaxDType)
        var outputs = [plan.isPacked ? try AttentionComposition.mergeHeads(d, result.output) : result.output]
        if d.outputCount > 1 { outputs += [keys, values] }
        if d.outputCount > 3 { outputs.append(try scoresOutput(d, result, masks: masks, mode: plan.scoresOutputMode)) }
        return Array(outputs.prefix(d.outputCount))
    }

    /// The keys each query may attend by causality, padding and window (`plan.keyBounds`), as a
    /// bool `[batch, 1, qLength, total]` (per batch entry with nonpad_kv_seqlen) or `[qLength, total]`.
    static func structuralMask(_ d: Decomposition, _ plan: AttentionPlan) throws -> KernelTensor {
        let perBatch = plan.keyLengths != nil
        let (batches, queries, keys) = (perBatch ? plan.batch : 1, plan.queryLength, plan.totalLength)
        let mask = try d.zeros(.bool, perBatch ? [batches, 1, queries, keys] : [queries, keys])
        let allowed = mask.pointer(as: Bool.self)
        for b in 0..<batches {
            for i in 0..<queries {
                let (lower, upper) = plan.keyBounds(b, i)
                for j in 0..<keys { allowed[(b * queries + i) * keys + j] = j >= lower && j <= upper }
            }
        }
        return mask
    }

    /// qk_matmul_output for `mode`: the scores, after softcap, with the masks (−∞ where masked),
    /// or the weights.
    static func scoresOutput(_ d: Decomposition, _ result: AttentionComposition.Result, masks: AttentionComposition.Masks,
                             mode: Int) throws -> KernelTensor {
        switch mode {
        case 0: return result.scores
        case 1: return result.capped
        case 2:
            guard let keep = masks.keep else { return result.biased }
            return try d.call1("Where", [keep, result.biased, try d.scalar(-Double.infinity, result.biased.dtype)])
        default: return result.weights
        }
    }
}
