import CPlexus

/// A layer type registered by a plugin: its constructor attributes and the C functions that
/// create, run and destroy instances.
public struct LayerType: @unchecked Sendable {
    /// The type name used by `PluginLayer(type:)` and `plx_layer_create`.
    public var name: String
    /// Constructor attributes.
    public var attributes: [AttributeSpec]
    /// Defaults of optional constructor attributes.
    public var defaults: Attributes
    /// Inputs forward accepts.
    public var inputs: ClosedRange<Int>
    /// Outputs forward produces.
    public var outputs: ClosedRange<Int>
    /// One-line description.
    public var doc: String
    /// The plugin that registered it.
    public var plugin: String
    let create: plx_layer_create_fn
    let forward: plx_layer_forward_fn
    let destroy: plx_layer_destroy_fn?
    let user: UnsafeMutableRawPointer?
}

extension OpRegistry {
    /// The layer type called `name`, or a clear error naming what is missing.
    public func layerType(_ name: String) throws -> LayerType {
        PluginLoader.shared.discoverIfNeeded()
        if let type = layerTypes[name] { return type }
        if let provider = PluginLoader.index?.provider(ofLayer: name) {
            throw PlexusError(.notFound, "layer type '\(name)' is not available\(PluginLoader.notLoadedHint(provider))")
        }
        let known = layerTypes.keys.sorted().joined(separator: ", ")
        throw PlexusError(.notFound, "unknown layer type '\(name)': no loaded plugin provides it (available: \(known.isEmpty ? "none" : known))")
    }
}
