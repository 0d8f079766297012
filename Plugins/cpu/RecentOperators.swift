import PlexusPluginKit

/// Operators from recent opsets (23+) and normalisation/attention helpers.
enum RecentOperators: OperatorFamily {
    static var definitions: [OpDefinition] {
        [RMSNormalization.definition, SwiGLU.definition, RotaryEmbedding.definition, GroupNormalization.definition,
         CausalConvolutionWithState.definition, LinearAttention.definition, TensorScatter.definition]
    }
}
