import CPlexus
import PlexusPluginKit

/// The CNN architecture plugin: convolution, pooling, normalisation and resampling, as ONNX-aligned ops (schemas, CPU kernels,
/// gradients) and layer types, registered through the plugin ABI.
@c @implementation
public func plx_plugin_init(_ host: UnsafePointer<plx_host_api>?, _ registrar: UnsafeMutablePointer<plx_plugin_registrar>?) -> plx_status {
    PluginEntry.initialize(
        host: host, registrar: registrar,
        description: PluginDescription(name: "cnn", version: "0.1.0", kind: PLX_PLUGIN_KIND_ARCHITECTURE, license: "MIT",
                                       summary: "convolution, pooling, normalisation and resampling"),
        backend: "cpu"
    ) { registrar in
        for op in PlexusCNNOperators.all { try registrar.register(op) }
        for layer in CNNLayers.all { try registrar.register(layer) }
        for rewrite in CNNOperators.rewrites { try registrar.register(rewrite) }
    }
}

/// The plugin's graph rewrites (its operators are every `OperatorFamily` of the target, listed at
/// build time as `PlexusCNNOperators`).
enum CNNOperators {}

extension CNNOperators {
    /// The graph rewrites into the plugin's FusedConv, and its filter pre-packing where
    /// PackFilters is registered.
    static var rewrites: [RewriteDefinition] {
        ConvFusion.rewrites + (PanelConvolution.microKernel != nil ? [FilterPacking.rewrite] : [])
    }
}

/// Every layer type of the plugin.
enum CNNLayers {
    /// The layer types, gathered from the files that define them.
    static var all: [LayerDefinition] {
        ConvolutionLayers.all + PoolingLayers.all + BatchNormLayers.all + ShapeLayers.all
    }
}
