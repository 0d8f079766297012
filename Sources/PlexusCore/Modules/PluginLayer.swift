import CPlexus

/// A module whose forward pass is a plugin's layer type, created by name
/// (`PluginLayer(type: "Linear", attributes: ["in_features": .int(4), "out_features": .int(2)])`).
/// The host creates its parameters and buffers; the plugin's forward calls ops, so autograd
/// records them like any other op call.
public final class PluginLayer: Module {
    /// The layer type.
    public let type: LayerType
    /// The constructor attributes, defaults filled in.
    public let attributes: Attributes
    var state: UnsafeMutableRawPointer?

    /// Creates a layer of the registered type `type`. Throws `notFound` for an unknown type and
    /// `invalidArgument` for unknown, mistyped or missing attributes.
    public init(type name: String, attributes: Attributes = Attributes()) throws {
        type = try OpRegistry.shared.layerType(name)
        self.attributes = try AttributeValidation.validated(attributes, specs: type.attributes, defaults: type.defaults, owner: "layer \(name)")
        super.init()
        let builder = LayerBuilder(layer: self)
        var state: UnsafeMutableRawPointer?
        _ = ThreadErrors.takePluginError()
        let status = withExtendedLifetime(builder) {
            type.create(OpaquePointer(Unmanaged.passUnretained(builder).toOpaque()), self.attributes.handle, type.user, &state)
        }
        if status != 0 { throw OpRegistry.shared.pluginFailure(status: status, what: "creating layer \(name)", plugin: type.plugin) }
        self.state = state
        tensors = Dictionary((namedParameters() + namedBuffers()).map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
    }

    /// The layer's parameters and buffers by name, for its forward's lookups (fixed after create).
    private(set) var tensors: [String: Tensor] = [:]

    deinit { type.destroy?(state) }

    public override func forward(_ inputs: [Tensor]) throws -> [Tensor] {
        try forward(inputs, outputCount: type.outputs.lowerBound)
    }

    /// Runs the layer asking for `outputCount` outputs (e.g. an LSTM's output, h_n and c_n).
    public func forward(_ inputs: [Tensor], outputCount: Int) throws -> [Tensor] {
        guard type.inputs.contains(inputs.count) else {
            throw PlexusError.invalid("layer \(type.name) takes \(type.inputs) inputs, got \(inputs.count)")
        }
        guard type.outputs.contains(outputCount) else {
            throw PlexusError.invalid("layer \(type.name) produces \(type.outputs) outputs, \(outputCount) were asked for")
        }
        let context = LayerContext(layer: self)
        var outputs = [OpaquePointer?](repeating: nil, count: outputCount)
        let handles = inputs.map { Optional($0.handle) }
        _ = ThreadErrors.takePluginError()
        let status = withExtendedLifetime((inputs, context)) {
            handles.withUnsafeBufferPointer { input in
                outputs.withUnsafeMutableBufferPointer { output in
                    type.forward(OpaquePointer(Unmanaged.passUnretained(context).toOpaque()), input.baseAddress, input.count,
                                 output.baseAddress, output.count, state)
                }
            }
        }
        // Take ownership of whatever was produced, even on failure, so nothing leaks.
        let produced = outputs.map { $0.map { Unmanaged<Tensor>.fromOpaque(UnsafeRawPointer($0)).takeRetainedValue() } }
        if status != 0 { throw OpRegistry.shared.pluginFailure(status: status, what: "\(type.name) forward", plugin: type.plugin) }
        return try produced.enumerated().map { index, tensor in
            guard let tensor else { throw PlexusError(.pluginFailed, "\(type.name) forward of plugin '\(type.plugin)' returned success without producing output \(index)") }
            return tensor
        }
    }
}

/// The host side of a layer's create call: where its parameters and buffers go.
final class LayerBuilder {
    unowned let layer: PluginLayer
    init(layer: PluginLayer) { self.layer = layer }

    func add(_ name: String, dtype: DType, shape: [Int], initialization: Initialization, trainable: Bool) throws -> Tensor {
        let tensor = try Tensor(dtype: dtype, shape: shape)
        try initialization.fill(tensor)
        if trainable { try layer.register(parameter: tensor, named: name) } else { try layer.register(buffer: tensor, named: name) }
        return tensor
    }
}

/// The host side of a layer's forward call.
final class LayerContext {
    unowned let layer: PluginLayer
    init(layer: PluginLayer) { self.layer = layer }

    func tensor(_ name: String) -> Tensor? { layer.tensors[name] }
}
