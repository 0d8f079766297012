import CPlexus
import PlexusCore

// The layer types the loaded plugins register, for the C ABI (plexus.h): what
// plx_layer_create accepts, so callers (and the export tests) list them instead of
// hard-coding a list that goes stale.

/// The registered layer type names, sorted (plugins discovered first).
private func layerTypeNames() -> [String] {
    PluginLoader.shared.discoverIfNeeded()
    return OpRegistry.shared.layerTypes.keys.sorted()
}

/// Implements `plx_layer_type_count`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_type_count() -> Int { layerTypeNames().count }

/// Implements `plx_layer_type_name`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_type_name(_ index: Int) -> UnsafePointer<CChar>? {
    let names = layerTypeNames()
    guard index >= 0, index < names.count else { return nil }
    return InternedStrings.shared.intern(names[index])
}
