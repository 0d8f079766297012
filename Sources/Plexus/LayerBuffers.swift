import CPlexus
import PlexusCore

// A layer's buffers (running statistics, positional tables) for the C ABI (plexus.h): the
// tensors themselves, so the Python bindings name them in an export and read or load them in
// place for state dicts. A layer's buffers are fixed when it is created.

private func module(_ handle: OpaquePointer?) throws -> Module {
    guard let handle else { throw PlexusError.invalid("layer is NULL") }
    return Unmanaged<Module>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// Implements `plx_layer_buffer_count`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_buffer_count(_ layer: OpaquePointer?) -> Int {
    (try? module(layer).namedBuffers().count) ?? 0
}

/// Implements `plx_layer_buffers`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_buffers(_ layer: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?, _ count: Int) -> plx_status {
    withStatus {
        let buffers = try module(layer).namedBuffers()
        guard count >= 0, count <= buffers.count else { throw PlexusError.invalid("asked for \(count) buffers, the layer has \(buffers.count)") }
        guard count == 0 || out != nil else { throw PlexusError.invalid("out is NULL") }
        for index in 0..<count { out![index] = buffers[index].tensor.handle }
    }
}

/// Implements `plx_layer_buffer_name`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_buffer_name(_ layer: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let buffers = try? module(layer).namedBuffers(), index >= 0, index < buffers.count else { return nil }
    return InternedStrings.shared.intern(buffers[index].name)
}
