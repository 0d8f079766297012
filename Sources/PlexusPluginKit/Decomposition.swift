import CPlexus

/// What a decomposition sees: the op's inputs and attributes, and op calls whose results it
/// returns as the op's outputs. Used while gradients are recorded, so autograd sees the
/// primitive ops (and when no kernel exists at all).
public final class Decomposition: OpCaller {
    /// Inputs in order; nil for an omitted optional input.
    public let inputs: [KernelTensor?]
    /// Attributes with defaults filled in.
    public let attributes: AttributeReader
    /// How many outputs the caller asked for.
    public let outputCount: Int

    init(inputs: [KernelTensor?], attributes: AttributeReader, outputCount: Int) {
        self.inputs = inputs
        self.attributes = attributes
        self.outputCount = outputCount
        super.init()
    }

    /// Input `index`, which must be present.
    public func input(_ index: Int) throws -> KernelTensor {
        guard index < inputs.count, let input = inputs[index] else { throw PlexusError.invalid("decomposition: input \(index) is required") }
        return input
    }

    /// Input `index` if it was given.
    public func optionalInput(_ index: Int) -> KernelTensor? { index < inputs.count ? inputs[index] : nil }
}

extension PluginRegistrar {
    /// Registers `definition.decomposition` for the op (called by `register` when present).
    func registerDecomposition(_ definition: OpDefinition, box: UnsafeMutableRawPointer) throws {
        var def = plx_decomposition_def()
        def.struct_size = UInt32(MemoryLayout<plx_decomposition_def>.size)
        def.user = box
        def.decompose = { context, inputs, inputCount, attributes, user in
            let definition = Unmanaged<KernelBox>.fromOpaque(user!).takeUnretainedValue().definition
            return reportingErrors {
                let call = Decomposition(inputs: (0..<inputCount).map { inputs![$0].map(KernelTensor.init(handle:)) },
                                         attributes: AttributeReader(handle: attributes),
                                         outputCount: Host.api.pointee.kernel_output_count(context))
                let outputs = try definition.decomposition!(call)
                guard outputs.count == call.outputCount else {
                    throw PlexusError(.internal, "\(definition.name) decomposition produced \(outputs.count) outputs, \(call.outputCount) were asked for")
                }
                for (index, output) in outputs.enumerated() {
                    let status = Host.api.pointee.kernel_set_output(context, index, output.handle)
                    guard status == 0 else { throw PlexusError(.internal, "could not set output \(index) of \(definition.name)") }
                }
            }
        }
        let status = definition.domain.withCString { domain in
            definition.name.withCString { name in
                def.domain = domain
                def.op = name
                return raw.pointee.register_decomposition(raw, &def)
            }
        }
        guard status == 0 else { throw PlexusError(StatusCode(rawValue: status) ?? .internal, "registering the decomposition of \(definition.name) failed") }
    }
}
