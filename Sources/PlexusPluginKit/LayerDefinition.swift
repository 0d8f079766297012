#if canImport(Glibc)
import Glibc
#endif
import CPlexus

/// How the host fills a parameter or buffer it creates for a layer (`PLX_INIT_*`).
public enum ParameterInit {
    case zeros
    case ones
    case constant(Double)
    case uniform(Double, Double)
    case normal(mean: Double, std: Double)

    var abi: (Int32, Double, Double) {
        switch self {
        case .zeros: return (PLX_INIT_ZEROS, 0, 0)
        case .ones: return (PLX_INIT_ONES, 0, 0)
        case .constant(let value): return (PLX_INIT_CONSTANT, value, 0)
        case .uniform(let low, let high): return (PLX_INIT_UNIFORM, low, high)
        case .normal(let mean, let std): return (PLX_INIT_NORMAL, mean, std)
        }
    }
}

/// Declares a new layer's parameters and buffers (the host creates and initialises them).
public struct LayerBuilder {
    let raw: OpaquePointer?

    /// Adds a trainable parameter.
    @discardableResult
    public func parameter(_ name: String, _ dtype: DType = .float32, _ shape: [Int], _ initial: ParameterInit) throws -> KernelTensor {
        try add(name, dtype, shape, initial, Host.api.pointee.layer_add_parameter)
    }

    /// Adds a buffer (saved, not trained).
    @discardableResult
    public func buffer(_ name: String, _ dtype: DType = .float32, _ shape: [Int], _ initial: ParameterInit) throws -> KernelTensor {
        try add(name, dtype, shape, initial, Host.api.pointee.layer_add_buffer)
    }

    private typealias Adder = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<Int64>?, Int, Int32, Double, Double,
                                              UnsafeMutablePointer<OpaquePointer?>?) -> Int32

    private func add(_ name: String, _ dtype: DType, _ shape: [Int], _ initial: ParameterInit, _ adder: Adder) throws -> KernelTensor {
        let (kind, a, b) = initial.abi
        var out: OpaquePointer?
        let dims = shape.map(Int64.init)
        let status = adder(raw, name, dtype.rawValue, dims, dims.count, kind, a, b, &out)
        guard status == 0, let out else { throw PlexusError(StatusCode(rawValue: status) ?? .internal, "could not add '\(name)' to the layer") }
        return KernelTensor(handle: out)
    }
}

/// What a layer's forward sees: its parameters, training mode, a seed source, and op calls
/// whose results live until forward returns.
public final class LayerCall: OpCaller {
    let raw: OpaquePointer?
    /// The state `create` returned.
    public let state: AnyObject?
    /// How many outputs the caller asked for (within the layer type's declared range).
    public let outputCount: Int

    init(raw: OpaquePointer?, state: AnyObject?, outputCount: Int) {
        self.raw = raw
        self.state = state
        self.outputCount = outputCount
        super.init()
    }

    /// Parameter or buffer `name`.
    public func tensor(_ name: String) throws -> KernelTensor {
        guard let handle = Host.api.pointee.layer_tensor(raw, name) else { throw PlexusError(.notFound, "the layer has no tensor '\(name)'") }
        return KernelTensor(handle: handle)
    }

    /// True in training mode.
    public var isTraining: Bool { Host.api.pointee.layer_training(raw) != 0 }

    /// A fresh seed from the host's generator.
    public func nextSeed() -> UInt64 { Host.api.pointee.layer_next_seed(raw) }
}

/// A layer type, ready to register: constructor attributes, a `create` that declares
/// parameters (and may return state), and a `forward` built from op calls.
public struct LayerDefinition {
    /// Type name (unique across plugins).
    public var name: String
    /// Constructor attributes.
    public var attributes: [AttributeDeclaration]
    /// Inputs forward accepts.
    public var inputs: ClosedRange<Int>
    /// Outputs forward produces.
    public var outputs: ClosedRange<Int>
    /// One-line description.
    public var doc: String
    /// Declares parameters and returns optional per-instance state.
    public var create: (LayerBuilder, AttributeReader) throws -> AnyObject?
    /// Computes the outputs with op calls.
    public var forward: (LayerCall, [KernelTensor]) throws -> [KernelTensor]

    /// A layer type; `create` defaults to "no parameters, no state".
    public init(_ name: String, attributes: [AttributeDeclaration] = [], inputs: ClosedRange<Int> = 1...1,
                outputs: ClosedRange<Int> = 1...1, doc: String = "",
                create: @escaping (LayerBuilder, AttributeReader) throws -> AnyObject? = { _, _ in nil },
                forward: @escaping (LayerCall, [KernelTensor]) throws -> [KernelTensor]) {
        self.name = name
        self.attributes = attributes
        self.inputs = inputs
        self.outputs = outputs
        self.doc = doc
        self.create = create
        self.forward = forward
    }
}

extension PluginRegistrar {
    final class LayerBox {
        let definition: LayerDefinition
        init(_ definition: LayerDefinition) { self.definition = definition }
    }

    /// What the host keeps as a layer instance's state: its type and the plugin's own state.
    final class LayerInstance {
        let definition: LayerDefinition
        let state: AnyObject?
        init(_ definition: LayerDefinition, _ state: AnyObject?) {
            self.definition = definition
            self.state = state
        }
    }

    /// Registers a layer type.
    public func register(_ layer: LayerDefinition) throws {
        let box = Unmanaged.passRetained(LayerBox(layer)).toOpaque()
        let defaults = try AttributeValue.makeHostAttributes(layer.attributes.compactMap { a in a.defaultValue.map { (a.name, $0) } })
        defer { Host.api.pointee.attrs_release(defaults) }
        let names = layer.attributes.map { strdup($0.name) }
        defer { names.forEach { free($0) } }
        let specs = zip(layer.attributes, names).map { attribute, name in
            plx_attr_spec(name: name, type: attribute.type.rawValue, required: attribute.required ? 1 : 0)
        }
        func bound(_ value: Int) -> Int32 { value == OpDefinition.variadic ? -1 : Int32(value) }
        var definition = plx_layer_def()
        definition.struct_size = UInt32(MemoryLayout<plx_layer_def>.size)
        definition.min_inputs = Int32(layer.inputs.lowerBound)
        definition.max_inputs = bound(layer.inputs.upperBound)
        definition.min_outputs = Int32(layer.outputs.lowerBound)
        definition.max_outputs = bound(layer.outputs.upperBound)
        definition.attr_defaults = defaults
        definition.user = box
        definition.create = { builder, attributes, user, state in
            let layer = Unmanaged<LayerBox>.fromOpaque(user!).takeUnretainedValue().definition
            return reportingErrors {
                let object = try layer.create(LayerBuilder(raw: builder), AttributeReader(handle: attributes))
                state?.pointee = Unmanaged.passRetained(LayerInstance(layer, object)).toOpaque()
            }
        }
        definition.destroy = { state in
            if let state { Unmanaged<LayerInstance>.fromOpaque(state).release() }
        }
        definition.forward = { context, inputs, inputCount, outputs, outputCount, state in
            reportingErrors {
                guard let state else { throw PlexusError(.internal, "layer state is missing") }
                let instance = Unmanaged<LayerInstance>.fromOpaque(state).takeUnretainedValue()
                let call = LayerCall(raw: context, state: instance.state, outputCount: outputCount)
                let views = (0..<inputCount).map { KernelTensor(handle: inputs![$0]!) }
                let results = try instance.definition.forward(call, views)
                guard results.count == outputCount else {
                    throw PlexusError(.internal, "layer forward produced \(results.count) outputs, \(outputCount) were expected")
                }
                for (index, result) in results.enumerated() {
                    Host.api.pointee.tensor_retain(result.handle)  // the host takes this reference
                    outputs![index] = result.handle
                }
            }
        }
        let status = specs.withUnsafeBufferPointer { specs in
            layer.name.withCString { name in
                layer.doc.withCString { doc in
                    definition.attrs = specs.baseAddress
                    definition.n_attrs = specs.count
                    definition.name = name
                    definition.doc = doc
                    return raw.pointee.register_layer(raw, &definition)
                }
            }
        }
        guard status == 0 else { throw PlexusError(StatusCode(rawValue: status) ?? .internal, "registering layer \(layer.name) failed") }
    }
}
