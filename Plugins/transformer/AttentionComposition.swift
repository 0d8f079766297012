import PlexusPluginKit

/// Scaled dot-product attention written with standard ops (MatMul, Softmax, Where, …) on 4-D
/// `[batch, heads, sequence, size]` tensors: the body of the Attention decomposition, and what
/// the attention layers call directly when they drop attention weights out in training.
///
/// Masked positions take the dtype's lowest finite value rather than −∞ before the softmax, and
/// rows with no allowed key are zeroed after it; so no NaN appears forward or backward.
enum AttentionComposition {
    /// Which keys each query may attend to, ready for `attend`.
    struct Masks {
        /// Bool, broadcastable to the scores `[batch, qHeads, qLength, total]`: false = masked.
        var keep: KernelTensor?
        /// Added to the scores (a float mask), when given.
        var additive: KernelTensor?
        /// True when a user mask may mask a whole row, which must then come out as zeros.
        var mayMaskWholeRows: Bool
    }

    /// The attention output and the intermediate scores (for qk_matmul_output).
    struct Result {
        /// softmax(…)·V, `[batch, qHeads, qLength, vSize]`.
        let output: KernelTensor
        /// Q·Kᵀ·scale.
        let scores: KernelTensor
        /// The scores after softcap.
        let capped: KernelTensor
        /// The capped scores plus the additive mask.
        let biased: KernelTensor
        /// The attention weights (softmax output, fully masked rows zeroed).
        let weights: KernelTensor
        /// The weights multiplied with V: `weights` after dropout.
        let appliedWeights: KernelTensor
    }

    /// Builds the masks: an ONNX-style `mask` (bool true = attend, or float additive) whose last
    /// dim may be shorter than `totalLength` (the rest is masked), and a causal frontier where
    /// query i sees key j iff j ≤ i + `causalOffset`.
    static func masks(_ ops: OpCaller, mask: KernelTensor?, causalOffset: Int?, queryLength: Int, totalLength: Int) throws -> Masks {
        var masks = Masks(keep: nil, additive: nil, mayMaskWholeRows: mask != nil)
        if let mask {
            let padded = try paddedToLength(ops, mask, totalLength)
            if padded.dtype == .bool {
                masks.keep = padded
            } else {
                masks.additive = padded
                let negativeInfinite = try ops.call1("IsInf", [padded], [("detect_positive", .int(0))])
                masks.keep = try ops.call1("Not", [negativeInfinite])
            }
        }
        if let causalOffset {
            let causal = try ops.zeros(.bool, [queryLength, totalLength])
            let allowed = causal.pointer(as: Bool.self)
            for i in 0..<queryLength {
                for j in 0..<totalLength { allowed[i * totalLength + j] = j <= i + causalOffset }
            }
            masks.keep = try masks.keep.map { try ops.call1("And", [$0, causal]) } ?? causal
        }
        return masks
    }

    /// `mask` with its last dim extended to `length` by masked entries (false, or −∞).
    static func paddedToLength(_ ops: OpCaller, _ mask: KernelTensor, _ length: Int) throws -> KernelTensor {
        let missing = length - (mask.shape.last ?? length)
        guard missing > 0 else { return mask }
        let fill = try ops.scalar(mask.dtype == .bool ? 0 : -Double.infinity, mask.dtype)
        let padding = try ops.call1("Expand", [fill, try ops.int64s(Array(mask.shape.dropLast()) + [missing])])
        return try ops.call1("Concat", [mask, padding], [("axis", .int(-1))])
    }

    /// softmax(Q·Kᵀ·scale [softcapped] + masks)·V. `query` is `[B, Hq, Sq, D]`, `keysTransposed`
    /// `[B, Hkv, D, T]` and `values` `[B, Hkv, T, Dv]`; query head h uses key/value head
    /// h / (Hq/Hkv). `dropout`, when given, is applied to the weights before the second product.
    static func attend(_ ops: OpCaller, query: KernelTensor, keysTransposed: KernelTensor, values: KernelTensor, masks: Masks,
                       scale: Double, softcap: Double, softmaxDType: DType?,
                       dropout: ((KernelTensor) throws -> KernelTensor)? = nil) throws -> Result {
        let (batch, queryHeads, queryLength) = (query.shape[0], query.shape[1], query.shape[2])
        let keyValueHeads = keysTransposed.shape[1]
        let groups = queryHeads / keyValueHeads
        // Grouped heads: query heads sharing a key/value head become extra rows of one product.
        func grouped(_ t: KernelTensor) throws -> KernelTensor {
            groups == 1 ? t : try ops.reshape(t, [batch, keyValueHeads, groups * queryLength, t.shape[3]])
        }
        func ungrouped(_ t: KernelTensor) throws -> KernelTensor {
            groups == 1 ? t : try ops.reshape(t, [batch, queryHeads, queryLength, t.shape[3]])
        }
        let scores = try ungrouped(try ops.call1("MatMul", [try grouped(try ops.scale(query, scale)), keysTransposed]))
        let capped = softcap > 0 ? try ops.scale(try ops.call1("Tanh", [try ops.scale(scores, 1 / softcap)]), softcap) : scores
        let biased = try masks.additive.map { try ops.add(capped, $0) } ?? capped
        let selected = try masks.keep.map { keep in
            try ops.call1("Where", [keep, biased, try ops.scalar(lowestFinite(biased.dtype), biased.dtype)])
        } ?? biased
        let softmaxInput = try softmaxDType.map { try ops.cast(selected, to: $0) } ?? selected
        var weights = try ops.cast(try ops.call1("Softmax", [softmaxInput], [("axis", .int(-1))]), to: query.dtype)
        if masks.mayMaskWholeRows, let keep = masks.keep {
            let rowHasKey = try ops.call1("ReduceMax", [keep, try ops.int64s([-1])], [("keepdims", .int(1))])
            weights = try ops.call1("Where", [rowHasKey, weights, try ops.scalar(0, weights.dtype)])
        }
        let applied = try dropout?(weights) ?? weights
        let output = try ungrouped(try ops.call1("MatMul", [try grouped(applied), values]))
        return Result(output: output, scores: scores, capped: capped, biased: biased, weights: weights, appliedWeights: applied)
    }

    /// `[B, S, H·D]` → `[B, H, S, D]`.
    static func splitHeads(_ ops: OpCaller, _ t: KernelTensor, heads: Int) throws -> KernelTensor {
        let (batch, length, hidden) = (t.shape[0], t.shape[1], t.shape[2])
        return try ops.transpose(try ops.reshape(t, [batch, length, heads, hidden / heads]), [0, 2, 1, 3])
    }

    /// `[B, H, S, D]` → `[B, S, H·D]`.
    static func mergeHeads(_ ops: OpCaller, _ t: KernelTensor) throws -> KernelTensor {
        let (batch, heads, length, size) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        return try ops.reshape(try ops.transpose(t, [0, 2, 1, 3]), [batch, length, heads * size])
    }

    /// The most negative finite value of a floating-point dtype: what masked scores become.
    static func lowestFinite(_ dtype: DType) -> Double {
        switch dtype {
        case .float16: return -Double(Float16.greatestFiniteMagnitude)
        case .bfloat16: return -Double(BFloat16(bitPattern: 0x7F7F).floatValue)
        case .float32: return -Double(Float.greatestFiniteMagnitude)
        default: return -Double.greatestFiniteMagnitude
        }
    }
}
