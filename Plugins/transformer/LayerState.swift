import PlexusPluginKit

/// A layer instance's configuration, kept by the host as the layer's state between calls.
final class LayerState<Configuration> {
    let configuration: Configuration
    /// Keeps `configuration`.
    init(_ configuration: Configuration) { self.configuration = configuration }
}

/// Access to the state a layer's `create` returned.
extension LayerCall {
    /// The configuration `create` stored for this layer instance.
    func configuration<Configuration>(_ type: Configuration.Type = Configuration.self) throws -> Configuration {
        guard let state = state as? LayerState<Configuration> else { throw PlexusError(.internal, "layer state has an unexpected type") }
        return state.configuration
    }
}
