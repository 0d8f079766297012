import PlexusPluginKit

/// PyTorch's attention masks turned into the Attention op's: PyTorch's boolean masks say
/// where attention is NOT allowed, ONNX's where it is.
enum PyTorchMasks {
    /// Combines `attnMask` (`[L, S]` or `[N·H, L, S]`; bool true = not allowed, or float added)
    /// and `keyPaddingMask` (`[N, S]`; bool true = ignore that key, or float added) into one
    /// mask broadcastable to `[N, H, L, S]`: bool true = attend when both are bool, else float
    /// (disallowed positions −∞). Nil when neither is given.
    static func combined(_ ops: OpCaller, attnMask: KernelTensor?, keyPaddingMask: KernelTensor?, batch: Int, heads: Int,
                         queryLength: Int, keyLength: Int, dtype: DType, layer: String) throws -> KernelTensor? {
        var parts: [KernelTensor] = []
        if let attnMask {
            try check(attnMask, dtype: dtype, name: "attn_mask", layer: layer)
            switch attnMask.shape {
            case [queryLength, keyLength]: parts.append(attnMask)
            case [batch * heads, queryLength, keyLength]: parts.append(try ops.reshape(attnMask, [-1, heads, queryLength, keyLength]))
            default:
                throw PlexusError(.shapeMismatch, "\(layer): attn_mask must be [\(queryLength), \(keyLength)] or "
                                  + "[\(batch * heads), \(queryLength), \(keyLength)], got \(attnMask.shape)")
            }
        }
        if let keyPaddingMask {
            try check(keyPaddingMask, dtype: dtype, name: "key_padding_mask", layer: layer)
            guard keyPaddingMask.shape == [batch, keyLength] else {
                throw PlexusError(.shapeMismatch, "\(layer): key_padding_mask must be [\(batch), \(keyLength)], got \(keyPaddingMask.shape)")
            }
            parts.append(try ops.call1("Unsqueeze", [keyPaddingMask, try ops.int64s([1, 2])]))
        }
        guard !parts.isEmpty else { return nil }
        if parts.allSatisfy({ $0.dtype == .bool }) {
            let blocked = parts.count == 1 ? parts[0] : try ops.call1("Or", parts)
            return try ops.call1("Not", [blocked])
        }
        let additive = try parts.map { part in
            part.dtype != .bool ? part
                : try ops.call1("Where", [part, try ops.scalar(-Double.infinity, dtype), try ops.scalar(0, dtype)])
        }
        return parts.count == 1 ? additive[0] : try ops.add(additive[0], additive[1])
    }

    /// Throws unless `mask` is bool or of the inputs' float `dtype`.
    static func check(_ mask: KernelTensor, dtype: DType, name: String, layer: String) throws {
        guard mask.dtype == .bool || mask.dtype == dtype else {
            throw PlexusError(.dtypeMismatch, "\(layer): \(name) must be bool or \(dtype), got \(mask.dtype)")
        }
    }
}
