import CPlexus
import PlexusPluginKit

/// The MLP architecture plugin: Linear, Dropout, Identity and the activation layers, as layer
/// types built from ONNX ops (so they train through autograd and export as standard ops).
@c @implementation
public func plx_plugin_init(_ host: UnsafePointer<plx_host_api>?, _ registrar: UnsafeMutablePointer<plx_plugin_registrar>?) -> plx_status {
    PluginEntry.initialize(
        host: host, registrar: registrar,
        description: PluginDescription(name: "mlp", version: "0.1.0", kind: PLX_PLUGIN_KIND_ARCHITECTURE, license: "MIT",
                                       summary: "multilayer perceptron layers: Linear, Dropout, activations"),
        backend: "mlp"
    ) { registrar in
        for layer in MLPLayers.all + Activations.all { try registrar.register(layer) }
    }
}
