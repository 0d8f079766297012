import CPlexus
import PlexusCore

// Layer functions of the C ABI (plexus.h). A plx_layer * is a retained Module.

private func module(_ handle: OpaquePointer?) throws -> Module {
    guard let handle else { throw PlexusError.invalid("layer is NULL") }
    return Unmanaged<Module>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

private func retainedHandle(_ module: Module) -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(module).toOpaque()) }

/// Implements `plx_layer_create`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_create(_ type: UnsafePointer<CChar>?, _ attrs: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    withStatus {
        guard let out else { throw PlexusError.invalid("out is NULL") }
        let layer = try PluginLayer(type: try CAttributeFunctions.string(type, "layer type"), attributes: attrs.map(Attributes.from) ?? Attributes())
        out.pointee = retainedHandle(layer)
    }
}

/// Implements `plx_sequential_create`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_sequential_create(_ layers: UnsafePointer<OpaquePointer?>?, _ count: Int, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    withStatus {
        guard let out else { throw PlexusError.invalid("out is NULL") }
        let children = try CAttributeFunctions.array(layers, count, "layers") { try module($0) }
        out.pointee = retainedHandle(try Sequential(children))
    }
}

/// Implements `plx_layer_forward`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_forward(_ layer: OpaquePointer?, _ inputs: UnsafePointer<OpaquePointer?>?, _ inputCount: Int,
                              _ outputs: UnsafeMutablePointer<OpaquePointer?>?, _ outputCount: Int) -> plx_status {
    withStatus {
        let layer = try module(layer)
        guard let outputs else { throw PlexusError.invalid("outputs is NULL") }
        let tensors = try CAttributeFunctions.array(inputs, inputCount, "inputs") { try Tensor.from($0, "an input") }
        let results = try (layer as? PluginLayer)?.forward(tensors, outputCount: outputCount) ?? layer.forward(tensors)
        guard results.count == outputCount else {
            throw PlexusError.invalid("the layer produced \(results.count) outputs, \(outputCount) were asked for")
        }
        for (index, tensor) in results.enumerated() { outputs[index] = tensor.retainedHandle() }
    }
}

/// Implements `plx_layer_parameter_count`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_parameter_count(_ layer: OpaquePointer?) -> Int {
    (try? module(layer).namedParameters().count) ?? 0
}

/// Implements `plx_layer_parameters`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_parameters(_ layer: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?, _ count: Int) -> plx_status {
    withStatus {
        let parameters = try module(layer).parameters()
        guard count <= parameters.count else { throw PlexusError.invalid("asked for \(count) parameters, the layer has \(parameters.count)") }
        guard count == 0 || out != nil else { throw PlexusError.invalid("out is NULL") }
        for index in 0..<count { out![index] = parameters[index].handle }
    }
}

/// Implements `plx_layer_parameter_name`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_parameter_name(_ layer: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let parameters = try? module(layer).namedParameters(), index >= 0, index < parameters.count else { return nil }
    return InternedStrings.shared.intern(parameters[index].name)
}

/// Implements `plx_layer_set_training`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_set_training(_ layer: OpaquePointer?, _ training: Int32) -> plx_status {
    withStatus { try module(layer).train(training != 0) }
}

/// Implements `plx_layer_retain`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_retain(_ layer: OpaquePointer?) {
    layer.map { _ = Unmanaged<Module>.fromOpaque(UnsafeRawPointer($0)).retain() }
}

/// Implements `plx_layer_release`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_layer_release(_ layer: OpaquePointer?) {
    layer.map { Unmanaged<Module>.fromOpaque(UnsafeRawPointer($0)).release() }
}

/// Implements `plx_state_save`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_state_save(_ layer: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> plx_status {
    withStatus { try Safetensors.save(try module(layer), to: try CAttributeFunctions.string(path, "path"), metadata: ["producer": "plexus"]) }
}

/// Implements `plx_state_load`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_state_load(_ layer: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> plx_status {
    withStatus { try Safetensors.load(try module(layer), from: try CAttributeFunctions.string(path, "path")) }
}
