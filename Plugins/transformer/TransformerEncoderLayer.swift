import PlexusPluginKit

/// PyTorch's nn.TransformerEncoderLayer: self-attention and a feed-forward block, each with a
/// residual connection, dropout and layer norm (after, or before with norm_first). Inputs: src,
/// then src_mask and src_key_padding_mask as PyTorch defines them (an empty tensor skips one);
/// `is_causal` (a constructor attribute here) adds a causal mask. Parameters:
/// self_attn_in_proj_weight/bias, self_attn_out_proj_weight/bias, linear1_weight/bias,
/// linear2_weight/bias, norm1_weight/bias, norm2_weight/bias.
enum TransformerEncoderLayer {
    /// The layer type, ready to register.
    static var definition: LayerDefinition { LayerDefinition(
        "TransformerEncoderLayer", attributes: TransformerBlock.attributes + [AttributeDeclaration("is_causal", .int, default: .int(0))],
        inputs: 1...3, doc: "transformer encoder layer (self-attention and feed-forward)",
        create: { builder, attributes in
            let layer = "TransformerEncoderLayer"
            let block = try TransformerBlock(attributes, layer: layer)
            let selfAttention = try block.attention(prefix: "self_attn_", layer: layer)
            try selfAttention.create(builder, dtype: block.dtype)
            try block.createFeedForwardAndNorms(builder, norms: ["norm1", "norm2"])
            return LayerState(Configuration(block: block, selfAttention: selfAttention, isCausal: try attributes.int("is_causal") == 1))
        },
        forward: { call, inputs in
            let configuration = try call.configuration(Configuration.self)
            let block = configuration.block
            let attended = try block.residual(call, inputs[0], norm: "norm1") { x in
                try configuration.selfAttention.forward(call, query: x, key: x, value: x, attnMask: call.optionalInput(inputs, 1),
                                                        keyPaddingMask: call.optionalInput(inputs, 2), isCausal: configuration.isCausal).output
            }
            return [try block.residual(call, attended, norm: "norm2") { try block.feedForward(call, $0) }]
        }) }

    /// The shared settings, the self-attention block and its causal flag.
    struct Configuration {
        let block: TransformerBlock
        let selfAttention: AttentionBlock
        let isCausal: Bool
    }
}
