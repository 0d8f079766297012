#if canImport(Glibc)
import Glibc
#endif
import CPlexus
import PlexusCore
import PlexusONNX

// Inference sessions of the C ABI (plexus.h). A plx_session * is a retained SessionHandle.

/// A session with the C strings its metadata functions lend out.
final class SessionHandle {
    let session: Session
    /// The imported graph, kept for plx_session_to_layer.
    let graph: Graph
    let names: [UnsafeMutablePointer<CChar>]  // inputs then outputs, freed with the handle

    init(_ session: Session, graph: Graph) {
        self.session = session
        self.graph = graph
        names = (session.inputs + session.outputs).map { strdup($0.name) }
    }

    deinit { names.forEach { free($0) } }

    func info(_ isOutput: Bool, _ index: Int) -> Graph.ValueInfo? {
        let list = isOutput ? session.outputs : session.inputs
        return index >= 0 && index < list.count ? list[index] : nil
    }

    static func from(_ handle: OpaquePointer?) throws -> SessionHandle {
        guard let handle else { throw PlexusError.invalid("session is NULL") }
        return Unmanaged<SessionHandle>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }
}

private func sessionOptions(_ options: UnsafePointer<plx_session_options>?) throws -> Session.Options {
    guard let options else { return Session.Options() }
    // The ABI 1.0 struct ended before disabled_optimizations; it is read only when present.
    let optimizationsOffset = MemoryLayout<plx_session_options>.offset(of: \plx_session_options.disabled_optimizations)!
    guard options.pointee.struct_size >= UInt32(optimizationsOffset) else {
        throw PlexusError.invalid("plx_session_options.struct_size must be sizeof(plx_session_options)")
    }
    let order = options.pointee.backend_order.map { String(cString: $0) }.flatMap(BackendOrder.names(from:))
    let reachesOptimizations = options.pointee.struct_size >= UInt32(optimizationsOffset + MemoryLayout<UInt32>.size)
    let disabled = reachesOptimizations ? options.pointee.disabled_optimizations : 0
    guard disabled & ~GraphOptimizations.all.rawValue == 0 else {
        throw PlexusError.invalid("plx_session_options.disabled_optimizations has unknown bits \(disabled & ~GraphOptimizations.all.rawValue)")
    }
    // The memory caps came with ABI version 2; an older struct_size leaves them at their defaults.
    func cap(_ field: KeyPath<plx_session_options, Int64>, _ name: String) throws -> Int? {
        let offset = MemoryLayout<plx_session_options>.offset(of: field)!
        guard options.pointee.struct_size >= UInt32(offset + MemoryLayout<Int64>.size) else { return nil }
        let value = options.pointee[keyPath: field]
        guard value >= 0 else { throw PlexusError.invalid("plx_session_options.\(name) must be 0 (none) or positive, got \(value)") }
        return value == 0 ? nil : Int(value)
    }
    return Session.Options(threads: Int(options.pointee.intra_op_num_threads),
                           foldConstants: options.pointee.disable_constant_folding == 0, backendOrder: order,
                           optimizations: GraphOptimizations.all.subtracting(GraphOptimizations(rawValue: disabled)),
                           maxAllocationBytes: try cap(\.max_allocation_bytes, "max_allocation_bytes"),
                           maxArenaBytes: try cap(\.max_arena_bytes, "max_arena_bytes"))
}

private func create(_ model: () throws -> ONNXModel, _ options: UnsafePointer<plx_session_options>?,
                    _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    withStatus {
        guard let out else { throw PlexusError.invalid("out is NULL") }
        let graph = try model().graph()
        let session = try Session(graph: graph, options: try sessionOptions(options))
        out.pointee = OpaquePointer(Unmanaged.passRetained(SessionHandle(session, graph: graph)).toOpaque())
    }
}

/// Implements `plx_session_create`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_create(_ path: UnsafePointer<CChar>?, _ options: UnsafePointer<plx_session_options>?,
                               _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    create({ try ONNXModel(path: try CAttributeFunctions.string(path, "path")) }, options, out)
}

/// Implements `plx_session_create_from_memory`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_create_from_memory(_ data: UnsafeRawPointer?, _ size: Int, _ options: UnsafePointer<plx_session_options>?,
                                           _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    create({
        guard let data, size > 0 else { throw PlexusError.invalid("model data is NULL or empty") }
        return try ONNXModel(bytes: Array(UnsafeRawBufferPointer(start: data, count: size)))
    }, options, out)
}

/// Implements `plx_session_run`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_run(_ handle: OpaquePointer?, _ inputNames: UnsafePointer<UnsafePointer<CChar>?>?,
                            _ inputs: UnsafePointer<OpaquePointer?>?, _ inputCount: Int,
                            _ outputNames: UnsafePointer<UnsafePointer<CChar>?>?, _ outputs: UnsafeMutablePointer<OpaquePointer?>?,
                            _ outputCount: Int) -> plx_status {
    withStatus {
        let session = try SessionHandle.from(handle).session
        guard let outputs else { throw PlexusError.invalid("outputs is NULL") }
        let names = try CAttributeFunctions.array(inputNames, inputCount, "input_names") { try CAttributeFunctions.string($0, "an input name") }
        let tensors = try CAttributeFunctions.array(inputs, inputCount, "inputs") { try Tensor.from($0, "an input") }
        var feeds: [String: Tensor] = [:]
        for (name, tensor) in zip(names, tensors) {
            guard feeds.updateValue(tensor, forKey: name) == nil else { throw PlexusError.invalid("input '\(name)' is given twice") }
        }
        let wanted = try outputNames.map { pointer in
            try CAttributeFunctions.array(pointer, outputCount, "output_names") { try CAttributeFunctions.string($0, "an output name") }
        }
        guard wanted != nil || outputCount == session.outputs.count else {
            throw PlexusError.invalid("the model has \(session.outputs.count) outputs, \(outputCount) were asked for")
        }
        let results = try session.run(feeds, outputNames: wanted)
        for (index, tensor) in results.enumerated() { outputs[index] = tensor.retainedHandle() }
    }
}

/// Implements `plx_session_input_count`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_input_count(_ handle: OpaquePointer?) -> Int { (try? SessionHandle.from(handle).session.inputs.count) ?? 0 }

/// Implements `plx_session_output_count`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_output_count(_ handle: OpaquePointer?) -> Int { (try? SessionHandle.from(handle).session.outputs.count) ?? 0 }

private func name(_ handle: OpaquePointer?, isOutput: Bool, _ index: Int) -> UnsafePointer<CChar>? {
    guard let session = try? SessionHandle.from(handle), session.info(isOutput, index) != nil else { return nil }
    return UnsafePointer(session.names[(isOutput ? session.session.inputs.count : 0) + index])
}

/// Implements `plx_session_input_name`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_input_name(_ handle: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? { name(handle, isOutput: false, index) }

/// Implements `plx_session_output_name`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_output_name(_ handle: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? { name(handle, isOutput: true, index) }

/// Implements `plx_session_input_dtype`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_input_dtype(_ handle: OpaquePointer?, _ index: Int) -> plx_dtype {
    (try? SessionHandle.from(handle))?.info(false, index)?.dtype?.rawValue ?? 0
}

/// Implements `plx_session_output_dtype`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_output_dtype(_ handle: OpaquePointer?, _ index: Int) -> plx_dtype {
    (try? SessionHandle.from(handle))?.info(true, index)?.dtype?.rawValue ?? 0
}

/// Implements `plx_session_shape`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_shape(_ handle: OpaquePointer?, _ isOutput: Int32, _ index: Int, _ dims: UnsafeMutablePointer<Int64>?,
                              _ capacity: Int, _ rank: UnsafeMutablePointer<Int>?) -> plx_status {
    withStatus {
        guard let rank else { throw PlexusError.invalid("rank is NULL") }
        guard let info = try SessionHandle.from(handle).info(isOutput != 0, index) else {
            throw PlexusError.invalid("\(isOutput != 0 ? "output" : "input") index \(index) is out of range")
        }
        guard let shape = info.shape else { rank.pointee = -1; return }  // SIZE_MAX: unknown rank
        rank.pointee = shape.count
        for (position, dim) in shape.enumerated() where position < capacity {
            if case .fixed(let value) = dim { dims?[position] = Int64(value) } else { dims?[position] = -1 }
        }
    }
}

/// Implements `plx_session_dim_name`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_dim_name(_ handle: OpaquePointer?, _ isOutput: Int32, _ index: Int, _ dim: Int) -> UnsafePointer<CChar>? {
    guard let info = (try? SessionHandle.from(handle))?.info(isOutput != 0, index), let shape = info.shape,
          dim >= 0, dim < shape.count, case .symbolic(let name) = shape[dim] else { return nil }
    return InternedStrings.shared.intern(name)
}

/// Implements `plx_session_release`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_release(_ handle: OpaquePointer?) {
    handle.map { Unmanaged<SessionHandle>.fromOpaque(UnsafeRawPointer($0)).release() }
}
