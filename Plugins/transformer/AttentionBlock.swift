import PlexusPluginKit

/// PyTorch's nn.MultiheadAttention as a part of a layer (embed_dim = kdim = vdim): parameters
/// `<prefix>in_proj_weight` [3E, E] (xavier-uniform), `<prefix>in_proj_bias` [3E] (zeros),
/// `<prefix>out_proj_weight` [E, E] (uniform ±1/√E) and `<prefix>out_proj_bias` [E] (zeros), and
/// the forward pass: project, split heads, attend (the Attention op, or its composition with
/// dropout on the weights while training), merge heads, project back.
struct AttentionBlock {
    /// Prefix of the parameter names ("" for the MultiHeadAttention layer itself).
    let prefix: String
    let embedDim: Int
    let heads: Int
    /// Dropout probability on the attention weights (training mode only).
    let dropout: Double
    let hasBias: Bool
    /// Inputs are `[batch, sequence, embed]` instead of `[sequence, batch, embed]`.
    let batchFirst: Bool
    /// The layer's name, for messages.
    let layer: String

    /// Size of each head's slice of the embedding.
    var headSize: Int { embedDim / heads }

    /// Checks that `embedDim` splits into `heads` heads.
    init(prefix: String, embedDim: Int, heads: Int, dropout: Double, hasBias: Bool, batchFirst: Bool, layer: String) throws {
        guard embedDim % heads == 0 else {
            throw PlexusError.invalid("\(layer): embed_dim \(embedDim) must be divisible by num_heads \(heads)")
        }
        (self.prefix, self.embedDim, self.heads, self.dropout, self.hasBias, self.batchFirst, self.layer) =
            (prefix, embedDim, heads, dropout, hasBias, batchFirst, layer)
    }

    /// Declares the parameters with PyTorch's initialisation.
    func create(_ builder: LayerBuilder, dtype: DType) throws {
        let xavier = (6 / Double(4 * embedDim)).squareRoot(), linear = 1 / Double(embedDim).squareRoot()
        try builder.parameter("\(prefix)in_proj_weight", dtype, [3 * embedDim, embedDim], .uniform(-xavier, xavier))
        if hasBias { try builder.parameter("\(prefix)in_proj_bias", dtype, [3 * embedDim], .zeros) }
        try builder.parameter("\(prefix)out_proj_weight", dtype, [embedDim, embedDim], .uniform(-linear, linear))
        if hasBias { try builder.parameter("\(prefix)out_proj_bias", dtype, [embedDim], .zeros) }
    }

    /// Attention of `query` (`[L, N, E]`, `[N, L, E]` batch-first, or unbatched `[L, E]`) over
    /// `key` and `value` (`[S, N, E]` likewise). `attnMask` and `keyPaddingMask` follow
    /// PyTorch (see `PyTorchMasks`); `isCausal` masks keys after each query's position. With
    /// `withWeights`, also the attention weights per head, `[N, H, L, S]` (after dropout, as
    /// PyTorch returns them).
    func forward(_ call: LayerCall, query: KernelTensor, key: KernelTensor, value: KernelTensor, attnMask: KernelTensor?,
                 keyPaddingMask: KernelTensor?, isCausal: Bool, withWeights: Bool = false) throws -> (output: KernelTensor, weights: KernelTensor?) {
        guard query.rank == 2 || query.rank == 3, key.rank == query.rank, value.rank == query.rank else {
            throw PlexusError.invalid("\(layer): query, key and value must all be 3-D (or all 2-D unbatched), got ranks "
                                      + "\(query.rank), \(key.rank), \(value.rank)")
        }
        let dtype = try call.tensor("\(prefix)in_proj_weight").dtype
        for (name, t) in [("query", query), ("key", key), ("value", value)] {
            guard t.shape.last == embedDim else {
                throw PlexusError(.shapeMismatch, "\(layer): \(name) \(t.shape) must end in embed_dim \(embedDim)")
            }
            try LayerBuilding.requireDType(t, dtype, name: name, layer: layer)
        }
        let unbatched = query.rank == 2, sequenceFirst = unbatched || !batchFirst
        func batched(_ t: KernelTensor) throws -> KernelTensor { unbatched ? try call.reshape(t, [t.shape[0], 1, embedDim]) : t }
        let (q3, k3, v3) = (try batched(query), try batched(key), try batched(value))
        let batch = q3.shape[sequenceFirst ? 1 : 0], queryLength = q3.shape[sequenceFirst ? 0 : 1]
        let keyLength = k3.shape[sequenceFirst ? 0 : 1]
        guard k3.shape == v3.shape, k3.shape[sequenceFirst ? 1 : 0] == batch else {
            throw PlexusError(.shapeMismatch, "\(layer): key \(key.shape) and value \(value.shape) must match each other and "
                              + "query \(query.shape)'s batch")
        }
        let (q, k, v) = try projectedHeads(call, q3, k3, v3, sameKeyValue: key.handle == value.handle,
                                           selfAttention: query.handle == key.handle && key.handle == value.handle,
                                           sequenceFirst: sequenceFirst)
        let padding = try keyPaddingMask.map { unbatched && $0.rank == 1 ? try call.reshape($0, [1, $0.shape[0]]) : $0 }
        let mask = try PyTorchMasks.combined(call, attnMask: attnMask, keyPaddingMask: padding, batch: batch, heads: heads,
                                             queryLength: queryLength, keyLength: keyLength, dtype: q.dtype, layer: layer)
        let (attended, weights) = try attend(call, q, k, v, mask: mask, isCausal: isCausal, withWeights: withWeights)
        // [N, H, L, D] → [L, N, E] (or [N, L, E]) → output projection.
        let perHead = try call.transpose(attended, sequenceFirst ? [2, 0, 1, 3] : [0, 2, 1, 3])
        let projected = try call.linear(try call.reshape(perHead, leadingDimsOf: perHead, dropping: 2, appending: [embedDim]),
                                        "\(prefix)out_proj")
        return (unbatched ? try call.reshape(projected, [queryLength, embedDim]) : projected, weights)
    }

    /// softmax(Q·Kᵀ/√D + mask)·V on `[N, H, length, D]` heads (and the weights when asked for):
    /// the Attention op — so inference runs its fused kernel — or, in training with dropout,
    /// its composition with dropout applied to the weights.
    func attend(_ call: LayerCall, _ q: KernelTensor, _ k: KernelTensor, _ v: KernelTensor, mask: KernelTensor?, isCausal: Bool,
                withWeights: Bool) throws -> (KernelTensor, KernelTensor?) {
        if call.isTraining && dropout > 0 {
            let masks = try AttentionComposition.masks(call, mask: mask, causalOffset: isCausal ? 0 : nil,
                                                       queryLength: q.shape[2], totalLength: k.shape[2])
            let result = try AttentionComposition.attend(call, query: q, keysTransposed: try call.transpose(k, [0, 1, 3, 2]), values: v,
                                                         masks: masks, scale: 1 / Double(headSize).squareRoot(), softcap: 0,
                                                         softmaxDType: nil, dropout: { try call.dropout($0, dropout) })
            return (result.output, withWeights ? result.appliedWeights : nil)
        }
        // The weights are the op's qk_matmul_output in mode 3 (after the softmax).
        let mode: [(String, AttributeValue)] = withWeights ? [("qk_matmul_output_mode", .int(3))] : []
        let results = try call.call("Attention", [q, k, v, mask], [("is_causal", .int(isCausal ? 1 : 0))] + mode,
                                    outputCount: withWeights ? 4 : 1)
        return (results[0], withWeights ? results[3] : nil)
    }

    /// Q, K and V as `[N, H, length, D]`, from one Gemm for self-attention, two when key is
    /// value, three otherwise.
    func projectedHeads(_ call: LayerCall, _ query: KernelTensor, _ key: KernelTensor, _ value: KernelTensor, sameKeyValue: Bool,
                        selfAttention: Bool, sequenceFirst: Bool) throws -> (KernelTensor, KernelTensor, KernelTensor) {
        let weight = try call.tensor("\(prefix)in_proj_weight"), bias = try? call.tensor("\(prefix)in_proj_bias")
        if selfAttention {
            let qkv = try heads(call, query, weight: weight, bias: bias, parts: 3, sequenceFirst: sequenceFirst)
            return (qkv[0], qkv[1], qkv[2])
        }
        let sizes = try call.int64s(sameKeyValue ? [embedDim, 2 * embedDim] : [embedDim, embedDim, embedDim])
        let weights = try call.call("Split", [weight, sizes], outputCount: sameKeyValue ? 2 : 3)
        let biases = try bias.map { try call.call("Split", [$0, sizes], outputCount: sameKeyValue ? 2 : 3) }
        let q = try heads(call, query, weight: weights[0], bias: biases?[0], parts: 1, sequenceFirst: sequenceFirst)[0]
        if sameKeyValue {
            let kv = try heads(call, key, weight: weights[1], bias: biases?[1], parts: 2, sequenceFirst: sequenceFirst)
            return (q, kv[0], kv[1])
        }
        let k = try heads(call, key, weight: weights[1], bias: biases?[1], parts: 1, sequenceFirst: sequenceFirst)[0]
        let v = try heads(call, value, weight: weights[2], bias: biases?[2], parts: 1, sequenceFirst: sequenceFirst)[0]
        return (q, k, v)
    }

    /// `parts` projections of `x` stacked in `weight`'s rows, each split into heads:
    /// `[d0, d1, parts·E]` → `[d0, d1, parts, H, D]` → `[parts, N, H, length, D]` → parts.
    func heads(_ call: LayerCall, _ x: KernelTensor, weight: KernelTensor, bias: KernelTensor?, parts: Int,
               sequenceFirst: Bool) throws -> [KernelTensor] {
        let projected = try call.linear(x, weight: weight, bias: bias)
        let split = try call.reshape(projected, leadingDimsOf: x, dropping: 1, appending: [parts, heads, headSize])
        let stacked = try call.transpose(split, sequenceFirst ? [2, 1, 3, 0, 4] : [2, 0, 3, 1, 4])
        let chunks = parts == 1 ? [stacked] : try call.call("Split", [stacked], [("axis", .int(0)), ("num_outputs", .int(parts))],
                                                            outputCount: parts)
        return try chunks.map { try call.call1("Squeeze", [$0, try call.int64s([0])]) }
    }
}
