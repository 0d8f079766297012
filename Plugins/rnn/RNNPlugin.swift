import CPlexus
import PlexusPluginKit

/// The RNN architecture plugin: recurrent networks: RNN, LSTM, GRU, as ONNX-aligned ops (schemas, CPU kernels,
/// gradients) and layer types, registered through the plugin ABI.
@c @implementation
public func plx_plugin_init(_ host: UnsafePointer<plx_host_api>?, _ registrar: UnsafeMutablePointer<plx_plugin_registrar>?) -> plx_status {
    PluginEntry.initialize(
        host: host, registrar: registrar,
        description: PluginDescription(name: "rnn", version: "0.1.0", kind: PLX_PLUGIN_KIND_ARCHITECTURE, license: "MIT",
                                       summary: "recurrent networks: RNN, LSTM, GRU"),
        backend: "cpu"
    ) { registrar in
        for op in PlexusRNNOperators.all { try registrar.register(op) }
        for layer in RNNLayers.all { try registrar.register(layer) }
    }
}

/// Every layer type of the plugin.
enum RNNLayers {
    static var all: [LayerDefinition] { RecurrentLayers.definitions }
}
