import CPlexus
import PlexusCore

// Operator calls and plugins of the C ABI (plexus.h).

/// Implements `plx_op_call`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_op_call(_ domain: UnsafePointer<CChar>?, _ op: UnsafePointer<CChar>?,
                        _ inputs: UnsafePointer<OpaquePointer?>?, _ inputCount: Int, _ attrs: OpaquePointer?,
                        _ outputs: UnsafeMutablePointer<OpaquePointer?>?, _ outputCount: Int) -> plx_status {
    CTensorFunctions.opCall(domain, op, inputs, inputCount, attrs, outputs, outputCount)
}

/// Implements `plx_plugin_load`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_plugin_load(_ path: UnsafePointer<CChar>?) -> plx_status {
    withStatus {
        PluginLoader.shared.discoverIfNeeded()
        try PluginLoader.shared.load(path: try CAttributeFunctions.string(path, "path"))
    }
}

/// The plugin at `index` after discovery, or nil when out of range.
private func plugin(at index: Int) -> PluginRecord? {
    PluginLoader.shared.discoverIfNeeded()
    let plugins = OpRegistry.shared.plugins
    return index >= 0 && index < plugins.count ? plugins[index] : nil
}

/// Implements `plx_plugin_count`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_plugin_count() -> Int {
    PluginLoader.shared.discoverIfNeeded()
    return OpRegistry.shared.plugins.count
}

/// Implements `plx_plugin_name`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_plugin_name(_ index: Int) -> UnsafePointer<CChar>? {
    plugin(at: index).map { InternedStrings.shared.intern($0.name) }
}

/// Implements `plx_plugin_version`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_plugin_version(_ index: Int) -> UnsafePointer<CChar>? {
    plugin(at: index).map { InternedStrings.shared.intern($0.version) }
}

/// Implements `plx_plugin_path`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_plugin_path(_ index: Int) -> UnsafePointer<CChar>? {
    plugin(at: index).map { InternedStrings.shared.intern($0.path) }
}

/// Implements `plx_plugin_op_count`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_plugin_op_count(_ index: Int) -> Int64 {
    plugin(at: index).map { Int64($0.ops.count) } ?? -1
}
