/// The checks of an imported graph that need the operator schemas, run by ONNX import before a
/// session rewrites anything (a rewrite such as Identity elimination or activation fusion would
/// otherwise remove a malformed node before any call validates it): input and output counts
/// against each op's arity, attribute values against their declared types, and each graph
/// output's declared element type against the one the graph computes.
extension Graph {
    /// Throws for the first node whose input or output count its schema does not allow, whose
    /// attribute has another type than the schema declares, or for a graph output declared with
    /// another element type than its producer computes. Ops no loaded plugin provides are left
    /// to the session, which lists all of them in one error; attribute names a schema does not
    /// know are left to the call, because import rewrites drop some older-opset attributes only
    /// when a node is rewritten.
    public func validate() throws {
        PluginLoader.shared.discoverIfNeeded()
        for node in nodes {
            guard let schema = OpRegistry.shared.schema(node.op) else { continue }
            try Graph.checkArity(node, schema)
            for name in node.attributes.names {
                guard let spec = schema.attributes.first(where: { $0.name == name }), let value = node.attributes[name] else { continue }
                guard value.isAccepted(as: spec.type) else {
                    throw PlexusError.invalid("node \(node.label): attribute '\(name)' must be \(spec.type), got \(value.type)")
                }
            }
        }
        try checkDeclaredOutputTypes()
    }

    /// The node's input count (optional inputs given as "" count: ONNX positions them) and
    /// output count against the schema's ranges; required inputs must not be "".
    static func checkArity(_ node: Node, _ schema: OpSchema) throws {
        func describe(_ range: ClosedRange<Int>) -> String {
            if range.upperBound == unboundedArity { return "at least \(range.lowerBound)" }
            return range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
        }
        guard schema.inputs.contains(node.inputs.count) else {
            throw PlexusError.invalid("node \(node.label) has \(node.inputs.count) inputs; \(schema.key) takes \(describe(schema.inputs))")
        }
        if let missing = node.inputs.prefix(schema.inputs.lowerBound).firstIndex(of: "") {
            throw PlexusError.invalid("node \(node.label): input \(missing) of \(schema.key) is required but is empty")
        }
        guard schema.outputs.contains(node.outputs.count) else {
            throw PlexusError.invalid("node \(node.label) has \(node.outputs.count) outputs; \(schema.key) produces \(describe(schema.outputs))")
        }
        // An empty name marks an omitted optional output; an op with exactly one output must
        // name it. (Schemas here do not say which outputs of a multi-output op ONNX makes
        // optional — LSTM's Y may be omitted — so those are left alone.)
        if schema.outputs == 1...1, node.outputs.first?.isEmpty == true {
            throw PlexusError.invalid("node \(node.label) leaves its only output unnamed")
        }
    }

    /// Refuses a graph output whose declared element type differs from the one inferred for it
    /// (onnxruntime refuses these too; running would hand the caller another type than the
    /// model promises). Element types are inferred node by node in the graph's order with the
    /// schemas' inference functions, from initializers and declared inputs; values whose
    /// producer comes later (ONNX requires topological order), or whose op cannot infer, stay
    /// unknown and are not checked. Shapes and constant values are not given to inference: the
    /// element type never depends on them, and inference then cannot stumble on a huge or
    /// non-finite value the session will report properly.
    func checkDeclaredOutputTypes() throws {
        guard outputs.contains(where: { $0.dtype != nil }) else { return }
        var types: [String: DType] = [:]
        for (name, tensor) in initializers { types[name] = tensor.dtype }
        for input in inputs { types[input.name] = input.dtype }  // a fed input overrides its initializer's type
        for node in nodes {
            guard OpRegistry.shared.schema(node.op)?.canInfer == true else { continue }
            var arguments: [InferenceInput?] = []
            for name in node.inputs {
                if name.isEmpty {
                    arguments.append(nil)
                } else if let dtype = types[name] {
                    arguments.append(InferenceInput(type: TensorType(dtype: dtype, shape: nil)))
                } else {
                    break
                }
            }
            guard arguments.count == node.inputs.count,
                  let inferred = try? OpRegistry.shared.inferTypes(node.op, arguments, attributes: node.attributes,
                                                                   outputCount: node.outputs.count) else { continue }
            for (name, type) in zip(node.outputs, inferred) where !name.isEmpty {
                if let type { types[name] = type.dtype }
            }
        }
        for output in outputs {
            guard let declared = output.dtype, let computed = types[output.name], computed != declared else { continue }
            throw PlexusError(.dtypeMismatch, "graph output '\(output.name)' is declared \(declared) but the model computes \(computed)")
        }
    }

    /// Refuses `tensor`, produced for graph output `info`, when its element type is not the
    /// declared one: the run-time counterpart of `checkDeclaredOutputTypes()` for the outputs
    /// whose type inference could not know.
    public static func checkOutput(_ tensor: Tensor, declared info: ValueInfo) throws {
        guard let declared = info.dtype, declared != tensor.dtype else { return }
        throw PlexusError(.dtypeMismatch, "graph output '\(info.name)' is declared \(declared) but the model computed \(tensor.dtype)")
    }
}
