import PlexusPluginKit

/// One Attention call (ONNX opset 23, with opset 24's nonpad_kv_seqlen and opset 25's
/// sliding window) checked and measured: batch, heads, sequence lengths and
/// head sizes, the mask's shape, and the attributes. Shared by the fused kernel and the
/// decomposition, so both reject the same inputs with the same messages.
struct AttentionPlan {
    /// True when Q, K and V are 3-D `[batch, sequence, heads·size]`; false for 4-D
    /// `[batch, heads, sequence, size]`.
    let isPacked: Bool
    let batch: Int
    let queryHeads: Int
    let keyValueHeads: Int
    let queryLength: Int
    /// Keys and values given in this call (K's sequence length).
    let newLength: Int
    /// Cached keys and values before this call (past_key's sequence length, else 0).
    let pastLength: Int
    let headSize: Int
    let valueHeadSize: Int
    /// Multiplies Q·Kᵀ: the `scale` attribute, else 1/√headSize.
    let scale: Double
    /// Scores become softcap·tanh(scores/softcap) when positive.
    let softcap: Double
    let isCausal: Bool
    /// What output 3 (qk_matmul_output) holds: 0 Q·Kᵀ·scale, 1 after softcap, 2 after the
    /// masks, 3 the softmax.
    let scoresOutputMode: Int
    /// The dtype the softmax runs in, when `softmax_precision` asks for another one.
    let softmaxDType: DType?
    /// The mask's shape when one is given.
    let maskShape: [Int]?
    /// Valid (non-padding) keys per batch entry, from nonpad_kv_seqlen (an external cache).
    let keyLengths: [Int]?
    /// Keys before a query's position it may still attend (`left_window_size`; -1 = unbounded).
    let leftWindow: Int
    /// Keys after a query's position it may attend (`right_window_size`; -1 = unbounded).
    let rightWindow: Int

    /// Keys and values attended to: cached plus new.
    var totalLength: Int { pastLength + newLength }
    /// Query heads sharing one key/value head (1 without grouped-query attention).
    var groupSize: Int { queryHeads / keyValueHeads }
    /// The shape of Y.
    var outputShape: [Int] {
        isPacked ? [batch, queryLength, queryHeads * valueHeadSize] : [batch, queryHeads, queryLength, valueHeadSize]
    }
    /// The shape of present_key.
    var presentKeyShape: [Int] { [batch, keyValueHeads, totalLength, headSize] }
    /// The shape of present_value.
    var presentValueShape: [Int] { [batch, keyValueHeads, totalLength, valueHeadSize] }
    /// The shape of the attention scores and weights, `[batch, qHeads, qLength, total]`.
    var scoresShape: [Int] { [batch, queryHeads, queryLength, totalLength] }
    /// True when a sliding window limits the keys.
    var isWindowed: Bool { leftWindow >= 0 || rightWindow >= 0 }
    /// True when causality, padding or a window limits the keys (besides attn_mask).
    var hasStructuralMask: Bool { isCausal || keyLengths != nil || isWindowed }

    /// The keys query `i` of batch entry `b` may attend by causality, the window and the padding
    /// (attn_mask aside): `lower...upper`, empty when `lower > upper`. The query's position is
    /// i + past length, or i + nonpad_kv_seqlen[b] − query length with an external cache.
    @inline(__always) func keyBounds(_ b: Int, _ i: Int) -> (lower: Int, upper: Int) {
        let position = i &+ (keyLengths.map { $0[b] &- queryLength } ?? pastLength)
        var upper = totalLength &- 1, lower = 0
        if isCausal { upper = Swift.min(upper, position) }
        if rightWindow >= 0 { upper = Swift.min(upper, position &+ rightWindow) }
        if let keyLengths { upper = Swift.min(upper, keyLengths[b] &- 1) }
        if leftWindow >= 0 { lower = Swift.max(lower, position &- leftWindow) }
        return (lower, upper)
    }

    /// Checks the inputs (Q, K, V, attn_mask, past_key, past_value, nonpad_kv_seqlen; nil where
    /// omitted) and reads the attributes.
    init(_ inputs: [KernelTensor?], attributes: AttributeReader) throws {
        let op = "Attention"
        guard inputs.count >= 3, let q = inputs[0], let k = inputs[1], let v = inputs[2] else {
            throw PlexusError.invalid("\(op): Q, K and V are required")
        }
        func optional(_ index: Int) -> KernelTensor? { index < inputs.count ? inputs[index] : nil }
        let mask = optional(3), pastKey = optional(4), pastValue = optional(5)
        guard DTypes.floats.union(DTypes.halfs).contains(q.dtype) else {
            throw PlexusError(.unsupported, "\(op): Q must be float16, bfloat16, float32 or float64, got \(q.dtype)")
        }
        if let other = [k, v, pastKey, pastValue].compactMap({ $0 }).first(where: { $0.dtype != q.dtype }) {
            throw PlexusError(.dtypeMismatch, "\(op): K, V and the caches must have Q's dtype \(q.dtype), got \(other.dtype)")
        }
        guard q.rank == k.rank, k.rank == v.rank, q.rank == 3 || q.rank == 4 else {
            throw PlexusError.invalid("\(op): Q, K and V must all be 3-D or all 4-D, got ranks \(q.rank), \(k.rank), \(v.rank)")
        }
        let givenQueryHeads = try attributes.int("q_num_heads"), givenKeyValueHeads = try attributes.int("kv_num_heads")
        isPacked = q.rank == 3
        batch = q.shape[0]
        if isPacked {
            guard let qHeads = givenQueryHeads, let kvHeads = givenKeyValueHeads, qHeads > 0, kvHeads > 0 else {
                throw PlexusError.invalid("\(op): 3-D inputs need positive q_num_heads and kv_num_heads attributes")
            }
            for (name, t, heads) in [("Q", q, qHeads), ("K", k, kvHeads), ("V", v, kvHeads)] where t.shape[2] % heads != 0 {
                throw PlexusError(.shapeMismatch, "\(op): \(name)'s hidden size \(t.shape[2]) is not divisible by its \(heads) heads")
            }
            (queryHeads, keyValueHeads) = (qHeads, kvHeads)
            (queryLength, newLength) = (q.shape[1], k.shape[1])
            (headSize, valueHeadSize) = (q.shape[2] / qHeads, v.shape[2] / kvHeads)
            guard k.shape[2] / kvHeads == headSize else {
                throw PlexusError(.shapeMismatch, "\(op): Q's head size \(headSize) differs from K's \(k.shape[2] / kvHeads)")
            }
            guard v.shape[1] == newLength else {
                throw PlexusError(.shapeMismatch, "\(op): K and V have different sequence lengths (\(newLength) and \(v.shape[1]))")
            }
        } else {
            (queryHeads, keyValueHeads) = (q.shape[1], k.shape[1])
            (queryLength, newLength) = (q.shape[2], k.shape[2])
            (headSize, valueHeadSize) = (q.shape[3], v.shape[3])
            if let given = givenQueryHeads, given != queryHeads {
                throw PlexusError(.shapeMismatch, "\(op): q_num_heads is \(given) but Q has \(queryHeads) heads")
            }
            if let given = givenKeyValueHeads, given != keyValueHeads {
                throw PlexusError(.shapeMismatch, "\(op): kv_num_heads is \(given) but K has \(keyValueHeads) heads")
            }
            guard k.shape[3] == headSize else {
                throw PlexusError(.shapeMismatch, "\(op): Q's head size \(headSize) differs from K's \(k.shape[3])")
            }
            guard v.shape[1] == keyValueHeads, v.shape[2] == newLength else {
                throw PlexusError(.shapeMismatch, "\(op): V \(v.shape) does not match K \(k.shape) in heads and sequence length")
            }
        }
        guard k.shape[0] == batch, v.shape[0] == batch else {
            throw PlexusError(.shapeMismatch, "\(op): Q, K and V have different batch sizes (\(batch), \(k.shape[0]), \(v.shape[0]))")
        }
        guard keyValueHeads > 0, queryHeads % keyValueHeads == 0 else {
            throw PlexusError.invalid("\(op): q_num_heads \(queryHeads) must be a multiple of kv_num_heads \(keyValueHeads)")
        }
        switch (pastKey, pastValue) {
        case (nil, nil): pastLength = 0
        case (let pastKey?, let pastValue?):
            pastLength = pastKey.rank == 4 ? pastKey.shape[2] : -1
            guard pastKey.shape == [batch, keyValueHeads, pastLength, headSize],
                  pastValue.shape == [batch, keyValueHeads, pastLength, valueHeadSize] else {
                throw PlexusError(.shapeMismatch, "\(op): past_key \(pastKey.shape) and past_value \(pastValue.shape) must be "
                                  + "[batch, kv_num_heads, past_length, head_size] matching K and V")
            }
        default: throw PlexusError.invalid("\(op): past_key and past_value must be given together")
        }
        maskShape = mask?.shape
        if let mask {
            guard mask.dtype == .bool || mask.dtype == q.dtype else {
                throw PlexusError(.dtypeMismatch, "\(op): attn_mask must be bool or \(q.dtype), got \(mask.dtype)")
            }
            let target = [batch, queryHeads, queryLength, pastLength + newLength]
            guard mask.rank >= 1, let last = mask.shape.last, last <= target[3] else {
                throw PlexusError(.shapeMismatch, "\(op): attn_mask \(mask.shape) does not broadcast to \(target)")
            }
            var padded = mask.shape
            padded[padded.count - 1] = target[3]
            _ = try BroadcastStrides.strides(of: padded, to: target, what: "\(op): attn_mask")
        }
        if let lengths = optional(6) {
            guard pastKey == nil else { throw PlexusError.invalid("\(op): nonpad_kv_seqlen cannot be combined with past_key and past_value") }
            guard lengths.dtype == .int64, lengths.shape == [batch] else {
                throw PlexusError.invalid("\(op): nonpad_kv_seqlen must be int64 of shape [\(batch)], got \(lengths.dtype) \(lengths.shape)")
            }
            keyLengths = try lengths.integers()
        } else {
            keyLengths = nil
        }
        leftWindow = try attributes.int("left_window_size") ?? -1
        rightWindow = try attributes.int("right_window_size") ?? -1
        guard leftWindow >= -1, rightWindow >= -1 else {
            throw PlexusError.invalid("\(op): left_window_size and right_window_size must be -1 or nonnegative, got \(leftWindow) and \(rightWindow)")
        }
        scale = try attributes.float("scale") ?? 1 / Double(headSize).squareRoot()
        softcap = try attributes.float("softcap") ?? 0
        guard softcap >= 0 else { throw PlexusError.invalid("\(op): softcap must be >= 0, got \(softcap)") }
        isCausal = try attributes.int("is_causal") == 1
        scoresOutputMode = try attributes.int("qk_matmul_output_mode") ?? 0
        guard (0...3).contains(scoresOutputMode) else {
            throw PlexusError.invalid("\(op): qk_matmul_output_mode must be 0, 1, 2 or 3, got \(scoresOutputMode)")
        }
        if let precision = try attributes.int("softmax_precision") {
            guard let dtype = DType(rawValue: Int32(precision)), DTypes.floats.union(DTypes.halfs).contains(dtype) else {
                throw PlexusError.invalid("\(op): softmax_precision must name a floating-point type, got \(precision)")
            }
            softmaxDType = dtype == q.dtype ? nil : dtype
        } else {
            softmaxDType = nil
        }
    }
}
