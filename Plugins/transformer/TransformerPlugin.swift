import CPlexus
import PlexusPluginKit

/// The Transformer architecture plugin: attention, layer normalisation, embeddings and transformer blocks, as ONNX-aligned ops (schemas, CPU kernels,
/// gradients) and layer types, registered through the plugin ABI.
@c @implementation
public func plx_plugin_init(_ host: UnsafePointer<plx_host_api>?, _ registrar: UnsafeMutablePointer<plx_plugin_registrar>?) -> plx_status {
    PluginEntry.initialize(
        host: host, registrar: registrar,
        description: PluginDescription(name: "transformer", version: "0.1.0", kind: PLX_PLUGIN_KIND_ARCHITECTURE, license: "MIT",
                                       summary: "attention, layer normalisation, embeddings and transformer blocks"),
        backend: "cpu"
    ) { registrar in
        for op in PlexusTransformerOperators.all { try registrar.register(op) }
        for layer in TransformerLayers.all { try registrar.register(layer) }
    }
}

/// Every layer type of the plugin.
enum TransformerLayers {
    static var all: [LayerDefinition] {
        EmbeddingLayers.all + [LayerNormLayer.definition, MultiHeadAttentionLayer.definition, TransformerEncoderLayer.definition,
                               TransformerDecoderLayer.definition]
    }
}
