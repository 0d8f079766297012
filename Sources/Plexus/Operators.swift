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

/// Implements `plx_op_prepare`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_op_prepare(_ domain: UnsafePointer<CChar>?, _ op: UnsafePointer<CChar>?, _ inputCount: Int,
                           _ attrs: OpaquePointer?, _ outputCount: Int, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    withStatus {
        guard let op else { throw PlexusError.invalid("op name is NULL") }
        guard let out else { throw PlexusError.invalid("out is NULL") }
        let key = OpKey(domain: domain.map { String(cString: $0) } ?? "", name: String(cString: op))
        let prepared = try PreparedOp(key, inputCount: inputCount, attributes: attrs.map(Attributes.from)?.copy() ?? Attributes(),
                                      outputCount: outputCount)
        out.pointee = OpaquePointer(Unmanaged.passRetained(prepared).toOpaque())
    }
}

/// Implements `plx_prepared_op_call`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_prepared_op_call(_ op: OpaquePointer?, _ inputs: UnsafePointer<OpaquePointer?>?, _ inputCount: Int,
                                 _ outputs: UnsafeMutablePointer<OpaquePointer?>?, _ outputCount: Int) -> plx_status {
    withStatus {
        guard let op else { throw PlexusError.invalid("prepared op is NULL") }
        let prepared = Unmanaged<PreparedOp>.fromOpaque(UnsafeRawPointer(op)).takeUnretainedValue()
        guard inputCount == prepared.inputCount else {
            throw PlexusError.invalid("\(prepared.key) was prepared for \(prepared.inputCount) inputs, got \(inputCount)")
        }
        guard outputCount == prepared.outputCount else {
            throw PlexusError.invalid("\(prepared.key) was prepared for \(prepared.outputCount) outputs, \(outputCount) were asked for")
        }
        guard inputCount == 0 || inputs != nil else { throw PlexusError.invalid("inputs is NULL but n_inputs is \(inputCount)") }
        guard let outputs else { throw PlexusError.invalid("outputs is NULL") }
        let tensors = (0..<inputCount).map { inputs![$0].map(Tensor.from) }
        let results = try prepared.call(tensors)
        for (index, tensor) in results.enumerated() { outputs[index] = tensor.retainedHandle() }
    }
}

/// Implements `plx_prepared_op_retain`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_prepared_op_retain(_ op: OpaquePointer?) {
    if let op { _ = Unmanaged<PreparedOp>.fromOpaque(UnsafeRawPointer(op)).retain() }
}

/// Implements `plx_prepared_op_release`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_prepared_op_release(_ op: OpaquePointer?) {
    if let op { Unmanaged<PreparedOp>.fromOpaque(UnsafeRawPointer(op)).release() }
}
