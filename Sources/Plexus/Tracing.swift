import CPlexus
import PlexusCore
import PlexusONNX

// ONNX export of a computation the caller runs itself (plx_onnx_trace_*, plexus.h): the Python
// bindings trace a Python module's forward this way, through the same tracer and encoder as
// plx_onnx_export. A plx_onnx_trace * is a retained ONNXExport.Trace.

private func trace(_ handle: OpaquePointer?) throws -> ONNXExport.Trace {
    guard let handle else { throw PlexusError.invalid("trace is NULL") }
    return Unmanaged<ONNXExport.Trace>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// Implements `plx_onnx_trace_begin`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_onnx_trace_begin(_ inputs: UnsafePointer<OpaquePointer?>?, _ count: Int, _ options: OpaquePointer?,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    withStatus {
        guard let out else { throw PlexusError.invalid("out is NULL") }
        let tensors = try CAttributeFunctions.array(inputs, count, "example_inputs") { try Tensor.from($0, "an example input") }
        let began = try ONNXExport.Trace(inputs: tensors, options: try exportOptions(options))
        out.pointee = OpaquePointer(Unmanaged.passRetained(began).toOpaque())
    }
}

/// Implements `plx_onnx_trace_name`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_onnx_trace_name(_ handle: OpaquePointer?, _ tensor: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> plx_status {
    withStatus {
        let began = try trace(handle)
        let value = try Tensor.from(tensor, "the tensor")
        let text = try CAttributeFunctions.string(name, "name")
        guard !text.isEmpty else { throw PlexusError.invalid("a traced tensor's name must not be empty") }
        began.name(value, text)
    }
}

/// Implements `plx_onnx_trace_end`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_onnx_trace_end(_ handle: OpaquePointer?, _ outputs: UnsafePointer<OpaquePointer?>?, _ count: Int,
                               _ model: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    withStatus {
        let began = try trace(handle)
        guard let model else {
            try began.cancel()
            throw PlexusError.invalid("model is NULL")
        }
        let results: [Tensor]
        do {
            results = try CAttributeFunctions.array(outputs, count, "outputs") { try Tensor.from($0, "an output") }
        } catch {
            try began.cancel()
            throw error
        }
        let bytes = try began.finishModel(outputs: results, version: String(cString: plx_version()))
        let tensor = try Tensor(dtype: .uint8, shape: [bytes.count], zeroed: false)
        bytes.withUnsafeBytes { tensor.data.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        model.pointee = tensor.retainedHandle()
    }
}

/// Implements `plx_onnx_trace_release`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_onnx_trace_release(_ handle: OpaquePointer?) {
    guard let handle else { return }
    let began = Unmanaged<ONNXExport.Trace>.fromOpaque(UnsafeRawPointer(handle))
    try? began.takeUnretainedValue().cancel()  // on another thread it cannot stop; documented as misuse
    began.release()
}
