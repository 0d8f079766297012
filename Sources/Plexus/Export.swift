import CPlexus
import PlexusCore
import PlexusONNX

// ONNX export and fine-tuning of imported models, for the C ABI (plexus.h).

/// A string list option, or nil when absent.
private func strings(_ options: Attributes, _ name: String) throws -> [String]? {
    switch options[name] {
    case nil: return nil
    case .strings(let values)?: return values
    case .string(let value)?: return [value]
    default: throw PlexusError.invalid("option '\(name)' must be a list of strings")
    }
}

/// The export options of `plx_onnx_export` and `plx_onnx_trace_begin` (documented there).
func exportOptions(_ options: OpaquePointer?) throws -> ONNXExport.Options {
    let given = options.map(Attributes.from) ?? Attributes()
    let allowed: Set<String> = ["opset", "input_names", "output_names", "dynamic_batch", "batch_dim_names"]
    if let unknown = given.names.first(where: { !allowed.contains($0) }) { throw PlexusError.invalid("unknown export option '\(unknown)'") }
    var settings = ONNXExport.Options(opset: Int(try given.number("opset", default: 17, what: "export option")),
                                      inputNames: try strings(given, "input_names"), outputNames: try strings(given, "output_names"))
    settings.dynamicBatch = try given.number("dynamic_batch", default: 0, what: "export option") != 0
    for entry in try strings(given, "batch_dim_names") ?? [] {
        // "value=dim": the value name may itself hold "=", the dim name is after the last one.
        guard let split = entry.lastIndex(of: "="), split != entry.startIndex, entry.index(after: split) != entry.endIndex else {
            throw PlexusError.invalid("batch_dim_names entries are \"value=dim name\", got '\(entry)'")
        }
        settings.batchNames[String(entry[..<split])] = String(entry[entry.index(after: split)...])
        settings.dynamicBatch = true
    }
    return settings
}

/// Implements `plx_onnx_export`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_onnx_export(_ model: OpaquePointer?, _ inputs: UnsafePointer<OpaquePointer?>?, _ count: Int,
                            _ path: UnsafePointer<CChar>?, _ options: OpaquePointer?) -> plx_status {
    withStatus {
        guard let model else { throw PlexusError.invalid("model is NULL") }
        let module = Unmanaged<Module>.fromOpaque(UnsafeRawPointer(model)).takeUnretainedValue()
        let tensors = try CAttributeFunctions.array(inputs, count, "example_inputs") { try Tensor.from($0, "an example input") }
        try ONNXExport.write(module, inputs: tensors, to: try CAttributeFunctions.string(path, "path"), options: try exportOptions(options),
                             version: String(cString: plx_version()))
    }
}

/// Implements `plx_session_to_layer`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_session_to_layer(_ session: OpaquePointer?, _ options: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    withStatus {
        guard let out else { throw PlexusError.invalid("out is NULL") }
        let handle = try SessionHandle.from(session)
        let given = options.map(Attributes.from) ?? Attributes()
        if let unknown = given.names.first(where: { $0 != "trainable" && $0 != "frozen" }) {
            throw PlexusError.invalid("unknown option '\(unknown)' (use trainable or frozen)")
        }
        let trainable = try strings(given, "trainable").map(Set.init)
        let frozen = Set(try strings(given, "frozen") ?? [])
        for name in (trainable ?? []).union(frozen) where handle.graph.initializers[name] == nil {
            throw PlexusError(.notFound, "the model has no initializer '\(name)'")
        }
        let module = try GraphModule(graph: handle.graph) { name in (trainable?.contains(name) ?? true) && !frozen.contains(name) }
        out.pointee = OpaquePointer(Unmanaged.passRetained(module as Module).toOpaque())
    }
}
