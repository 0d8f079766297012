import PlexusPluginKit

/// PyTorch's nn.MultiheadAttention (embed_dim, num_heads, dropout, bias, batch_first; kdim =
/// vdim = embed_dim). Inputs: query, then key and value (one input: self-attention; two:
/// key = value), then attn_mask and key_padding_mask as PyTorch defines them (an empty tensor
/// skips one). Outputs: the attention output and, when a second output is asked for, the
/// attention weights — averaged over heads `[N, L, S]`, or `[N, H, L, S]` with
/// average_attn_weights = 0. `is_causal` and `average_attn_weights` (forward arguments in
/// PyTorch) are constructor attributes here. Parameters: in_proj_weight, in_proj_bias,
/// out_proj_weight, out_proj_bias.
enum MultiHeadAttentionLayer {
    /// The layer type, ready to register.
    static var definition: LayerDefinition { LayerDefinition(
        "MultiHeadAttention",
        attributes: [.required("embed_dim", .int), .required("num_heads", .int), AttributeDeclaration("dropout", .float, default: .float(0)),
                     AttributeDeclaration("bias", .int, default: .int(1)), AttributeDeclaration("batch_first", .int, default: .int(0)),
                     AttributeDeclaration("is_causal", .int, default: .int(0)),
                     AttributeDeclaration("average_attn_weights", .int, default: .int(1)), LayerBuilding.dtypeAttribute],
        inputs: 1...5, outputs: 1...2, doc: "multi-head attention with PyTorch's parameters and masks",
        create: { builder, attributes in
            let layer = "MultiHeadAttention"
            let block = try AttentionBlock(prefix: "", embedDim: try LayerBuilding.positive(attributes, "embed_dim", layer: layer),
                                           heads: try LayerBuilding.positive(attributes, "num_heads", layer: layer),
                                           dropout: try LayerBuilding.probability(attributes, "dropout", layer: layer),
                                           hasBias: try attributes.int("bias") != 0, batchFirst: try attributes.int("batch_first") == 1,
                                           layer: layer)
            try block.create(builder, dtype: try LayerBuilding.dtype(attributes, layer: layer))
            return LayerState(Configuration(block: block, isCausal: try attributes.int("is_causal") == 1,
                                            averagesWeights: try attributes.int("average_attn_weights") != 0))
        },
        forward: { call, inputs in
            let configuration = try call.configuration(Configuration.self)
            let query = inputs[0], key = inputs.count > 1 ? inputs[1] : query, value = inputs.count > 2 ? inputs[2] : key
            let result = try configuration.block.forward(call, query: query, key: key, value: value,
                                                         attnMask: call.optionalInput(inputs, 3), keyPaddingMask: call.optionalInput(inputs, 4),
                                                         isCausal: configuration.isCausal, withWeights: call.outputCount > 1)
            guard let weights = result.weights else { return [result.output] }
            let averaged = configuration.averagesWeights
                ? try call.call1("ReduceMean", [weights, try call.int64s([1])], [("keepdims", .int(0))]) : weights
            // Unbatched inputs give weights without the batch dim.
            return [result.output, query.rank == 2 ? try call.reshape(averaged, Array(averaged.shape.dropFirst())) : averaged]
        }) }

    /// The attention block, whether it is causal and whether returned weights are averaged.
    struct Configuration {
        let block: AttentionBlock
        let isCausal: Bool
        let averagesWeights: Bool
    }
}
