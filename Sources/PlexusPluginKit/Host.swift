import CPlexus
@_exported import PlexusABI

/// The host function table this plugin was initialised with, and conveniences over it.
/// Set once by `PluginEntry.initialize` before anything is registered.
public enum Host {
    nonisolated(unsafe) static var table: UnsafePointer<plx_host_api>?

    /// The host table; valid after `PluginEntry.initialize` has started.
    public static var api: UnsafePointer<plx_host_api> {
        guard let table else { fatalError("PlexusPluginKit used before PluginEntry.initialize") }
        return table
    }

    /// The largest single allocation allowed on this thread now, in bytes (`Int.max` from a host
    /// older than plugin ABI 1.1, which has no cap to report).
    public static var maxAllocationBytes: Int {
        let offset = MemoryLayout<plx_host_api>.offset(of: \plx_host_api.max_allocation_bytes)!
        guard Int(api.pointee.struct_size) >= offset + MemoryLayout<UnsafeRawPointer>.size,
              let cap = api.pointee.max_allocation_bytes else { return .max }
        return Int(cap())
    }

    /// Threads one operator may use (the user's setting).
    public static var threadCount: Int { Int(api.pointee.num_threads()) }

    /// Runs `body` over sub-ranges of `0..<count` on the host's threads (at most
    /// `threadCount` chunks of at least `grain` items) and returns when all are done.
    /// Inlinable, so a small range runs `body` inline in the caller, where the compiler can
    /// specialise the loop inside it (a closure called through the host cannot be).
    @inlinable public static func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        if count <= grain || threadCount == 1 {
            body(0..<count)
            return
        }
        spread(count, grain: grain, body)
    }

    /// The threaded part of parallelFor.
    @usableFromInline static func spread(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        withoutActuallyEscaping(body) { body in
            var box = body
            withUnsafeMutablePointer(to: &box) { pointer in
                api.pointee.parallel_for(Int64(count), Int64(grain), { user, begin, end in
                    let body = user!.assumingMemoryBound(to: ((Range<Int>) -> Void).self).pointee
                    body(Int(begin)..<Int(end))
                }, pointer)
            }
        }
    }

    /// Calls another operator through the host and returns its outputs (owned by the caller
    /// as `OwnedTensor`s, released when they go).
    public static func call(_ op: String, domain: String = "", _ inputs: [KernelTensor?],
                            attributes: [(String, AttributeValue)] = [], outputCount: Int = 1) throws -> [OwnedTensor] {
        var outputs = [OpaquePointer?](repeating: nil, count: outputCount)
        let handles = inputs.map { $0?.handle }
        let attrs = try attributes.isEmpty ? nil : AttributeValue.makeHostAttributes(attributes)
        defer { api.pointee.attrs_release(attrs) }
        let status = handles.withUnsafeBufferPointer { input in
            outputs.withUnsafeMutableBufferPointer { output in
                api.pointee.op_call(domain, op, input.baseAddress, input.count, attrs, output.baseAddress, output.count)
            }
        }
        if status != 0 {
            throw PlexusError(StatusCode(rawValue: status) ?? .pluginFailed, api.pointee.last_error().map { String(cString: $0) } ?? "(no message)")
        }
        return outputs.map { OwnedTensor(handle: $0!) }
    }
}

/// Converts a thrown error into a status reported through `host->set_error`.
func reportingErrors(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return 0
    } catch let error as PlexusError {
        Host.api.pointee.set_error(error.code.rawValue, error.message)
        return error.code.rawValue
    } catch {
        Host.api.pointee.set_error(StatusCode.internal.rawValue, "\(error)")
        return StatusCode.internal.rawValue
    }
}
