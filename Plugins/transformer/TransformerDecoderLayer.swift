import PlexusPluginKit

/// PyTorch's nn.TransformerDecoderLayer: self-attention, cross-attention over the encoder's
/// memory and a feed-forward block, each with a residual connection, dropout and layer norm
/// (after, or before with norm_first). Inputs: tgt, memory, then tgt_mask, memory_mask,
/// tgt_key_padding_mask and memory_key_padding_mask as PyTorch defines them (an empty tensor
/// skips one); `tgt_is_causal` / `memory_is_causal` (constructor attributes here) add causal
/// masks. Parameters: self_attn_*, multihead_attn_* (in_proj/out_proj weight and bias),
/// linear1_*, linear2_*, norm1_*, norm2_*, norm3_*.
enum TransformerDecoderLayer {
    /// The layer type, ready to register.
    static var definition: LayerDefinition { LayerDefinition(
        "TransformerDecoderLayer",
        attributes: TransformerBlock.attributes + [AttributeDeclaration("tgt_is_causal", .int, default: .int(0)),
                                                   AttributeDeclaration("memory_is_causal", .int, default: .int(0))],
        inputs: 2...6, doc: "transformer decoder layer (self-attention, cross-attention and feed-forward)",
        create: { builder, attributes in
            let layer = "TransformerDecoderLayer"
            let block = try TransformerBlock(attributes, layer: layer)
            let selfAttention = try block.attention(prefix: "self_attn_", layer: layer)
            let crossAttention = try block.attention(prefix: "multihead_attn_", layer: layer)
            try selfAttention.create(builder, dtype: block.dtype)
            try crossAttention.create(builder, dtype: block.dtype)
            try block.createFeedForwardAndNorms(builder, norms: ["norm1", "norm2", "norm3"])
            return LayerState(Configuration(block: block, selfAttention: selfAttention, crossAttention: crossAttention,
                                            targetIsCausal: try attributes.int("tgt_is_causal") == 1,
                                            memoryIsCausal: try attributes.int("memory_is_causal") == 1))
        },
        forward: { call, inputs in
            let configuration = try call.configuration(Configuration.self)
            let block = configuration.block, memory = inputs[1]
            let attended = try block.residual(call, inputs[0], norm: "norm1") { x in
                try configuration.selfAttention.forward(call, query: x, key: x, value: x, attnMask: call.optionalInput(inputs, 2),
                                                        keyPaddingMask: call.optionalInput(inputs, 4), isCausal: configuration.targetIsCausal).output
            }
            let crossed = try block.residual(call, attended, norm: "norm2") { x in
                try configuration.crossAttention.forward(call, query: x, key: memory, value: memory, attnMask: call.optionalInput(inputs, 3),
                                                         keyPaddingMask: call.optionalInput(inputs, 5), isCausal: configuration.memoryIsCausal).output
            }
            return [try block.residual(call, crossed, norm: "norm3") { try block.feedForward(call, $0) }]
        }) }

    /// The shared settings, both attention blocks and their causal flags.
    struct Configuration {
        let block: TransformerBlock
        let selfAttention: AttentionBlock
        let crossAttention: AttentionBlock
        let targetIsCausal: Bool
        let memoryIsCausal: Bool
    }
}
