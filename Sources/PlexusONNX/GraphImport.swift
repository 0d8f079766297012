import FoundationEssentials
import PlexusCore

/// Translates an ONNX `GraphProto` into a Plexus `Graph`: initializers (every storage form),
/// Constant nodes (folded into initializers), declared inputs and outputs, and nodes rewritten
/// by `OpsetAdapters` where an op's older opset version had other semantics than the one the
/// kernels implement.
struct GraphImport {
    let opsets: [String: Int]
    let directory: String?

    func graph(_ proto: Onnx_GraphProto) throws -> Graph {
        var initializers: [String: Tensor] = [:]
        for tensor in proto.initializer {
            guard !tensor.name.isEmpty else { throw PlexusError.invalid("an initializer has no name") }
            initializers[tensor.name] = try TensorDecoding.tensor(tensor, directory: directory)
        }
        if let sparse = proto.sparseInitializer.first {
            throw PlexusError(.unsupported, "sparse initializer '\(sparse.values.name)' is not supported")
        }
        var nodes: [Graph.Node] = []
        var adapters = OpsetAdapters()
        for (index, node) in proto.node.enumerated() {
            let label = node.name.isEmpty ? "#\(index) (\(node.opType))" : "\(node.name) (\(node.opType))"
            let domain = node.domain == "ai.onnx" ? "" : node.domain
            guard let version = opsets[domain] else {
                throw PlexusError.invalid("node \(label) is in domain '\(domain.isEmpty ? "ai.onnx" : domain)', which the model does not import")
            }
            let attributes = try AttributeDecoding.attributes(node.attribute, node: label, directory: directory)
            if domain.isEmpty && node.opType == "Constant" {
                guard node.output.count == 1 else { throw PlexusError.invalid("Constant node \(label) must have one output") }
                initializers[node.output[0]] = try constant(attributes, node: label)
                continue
            }
            let converted = Graph.Node(op: OpKey(domain: domain, name: node.opType), name: node.name, inputs: node.input,
                                       outputs: node.output, attributes: attributes)
            nodes += try adapters.adapt(converted, version: version, initializers: &initializers)
        }
        return Graph(inputs: proto.input.map(TypeDecoding.valueInfo), outputs: proto.output.map(TypeDecoding.valueInfo),
                     nodes: nodes, initializers: initializers)
    }

    /// The value of a Constant node, from whichever `value*` attribute it has.
    private func constant(_ attributes: Attributes, node: String) throws -> Tensor {
        guard attributes.names.count == 1, let name = attributes.names.first, let value = attributes[name] else {
            throw PlexusError.invalid("Constant node \(node) must have exactly one value attribute")
        }
        switch (name, value) {
        case ("value", .tensor(let tensor)): return tensor
        case ("value_float", .float(let v)): return Tensor(scalar: Float(v))
        case ("value_floats", .floats(let v)): return try Tensor(v.map { Float($0) }, shape: [v.count])
        case ("value_int", .int(let v)): return Tensor(scalar: v)
        case ("value_ints", .ints(let v)): return try Tensor(v, shape: [v.count])
        case ("value_string", .string(let v)): return try Tensor(strings: [v], shape: [])
        case ("value_strings", .strings(let v)): return try Tensor(strings: v, shape: [v.count])
        default: throw PlexusError(.unsupported, "Constant node \(node): attribute '\(name)' is not supported")
        }
    }
}
