import PlexusCore

/// The ONNX checker's structural rules, applied in Swift to every model when it is decoded —
/// before import rewrites a node (Constant folding, opset adapters) and before a session's
/// graph rewrites, so that a model the checker refuses cannot slip through because a rewrite
/// happened to remove the offending node. Debian's libonnx (`plexus check`) knows only IR ≤ 8
/// and opset ≤ 17; these rules hold for every version.
///
/// What is checked here, on the protobuf: the IR version and opset imports lie in the ranges
/// ONNX defines; value names are assigned once (SSA: graph inputs, initializers and node outputs
/// never share a name, and no name is produced twice); every name a node reads or the graph
/// outputs is defined; attributes have a name, at most one value field, and that field matches
/// their declared type. What needs the operator schemas (input and output counts, attribute
/// types, declared output types) is checked on the imported graph by `Graph.validate()`.
enum ModelValidation {
    /// The newest IR version: the one of the `onnx.proto` that `Generated/` was made from.
    static let newestIRVersion = Int64(Onnx_Version.irVersion.rawValue)

    /// The newest opset of each ONNX domain, from onnx's registry (`Generated/ONNXVersions.swift`,
    /// regenerated with the proto; `Tests/python/test_hardening_onnx.py` checks the newest ones
    /// are accepted).
    static let newestOpsets: [String: Int64] = ONNXVersions.newestOpsets.mapValues(Int64.init)

    /// Other domains (plugins' own) version as they like, within a sane bound.
    static let newestCustomOpset = Int64(Int32.max)

    /// Throws for the first rule `proto` breaks, naming the rule and the value.
    static func validate(_ proto: Onnx_ModelProto) throws {
        guard (1...newestIRVersion).contains(proto.irVersion) else {
            let given = proto.irVersion == 0 ? "no IR version (ir_version is 0 or missing)" : "IR version \(proto.irVersion)"
            throw PlexusError.invalid("the model has \(given); ONNX defines IR versions 1 to \(newestIRVersion)")
        }
        var imported = Set<String>()
        for entry in proto.opsetImport {
            let domain = entry.domain == "ai.onnx" ? "" : entry.domain
            let shown = domain.isEmpty ? "ai.onnx" : domain
            guard imported.insert(domain).inserted else { throw PlexusError.invalid("the model imports domain '\(shown)' more than once") }
            let newest = newestOpsets[domain] ?? newestCustomOpset
            guard (1...newest).contains(entry.version) else {
                throw PlexusError.invalid("the model imports opset \(entry.version) of domain '\(shown)'; it must be 1 to \(newest)")
            }
        }
        try validate(proto.graph)
    }

    /// SSA, defined names and attribute form for one graph.
    static func validate(_ graph: Onnx_GraphProto) throws {
        /// Where each name was defined, for messages.
        var definitions: [String: String] = [:]
        func define(_ name: String, by definer: String) throws {
            guard !name.isEmpty else { throw PlexusError.invalid("\(definer) has an empty name") }
            if let earlier = definitions.updateValue(definer, forKey: name) {
                throw PlexusError.invalid("value '\(name)' is defined twice (by \(earlier) and by \(definer)); ONNX values are assigned once")
            }
        }
        for input in graph.input {
            guard definitions[input.name] == nil else { throw PlexusError.invalid("graph input '\(input.name)' is declared twice") }
            try define(input.name, by: "a graph input")
        }
        var initializers = Set<String>()
        for tensor in graph.initializer {
            guard !tensor.name.isEmpty else { throw PlexusError.invalid("an initializer has no name") }
            guard initializers.insert(tensor.name).inserted else { throw PlexusError.invalid("initializer '\(tensor.name)' is given twice") }
            // An initializer with a graph input's name is that input's default, not a second definition.
            if definitions[tensor.name] == nil { definitions[tensor.name] = "an initializer" }
        }
        for (index, node) in graph.node.enumerated() {
            let label = label(node, index)
            guard !node.opType.isEmpty else { throw PlexusError.invalid("node \(label) has no op_type") }
            for output in node.output where !output.isEmpty { try define(output, by: "node \(label)") }
            try validate(node.attribute, node: label)
        }
        for (index, node) in graph.node.enumerated() {
            for input in node.input where !input.isEmpty && definitions[input] == nil {
                throw PlexusError.invalid("node \(label(node, index)) reads '\(input)', which no graph input, initializer or node defines")
            }
        }
        var listed = Set<String>()
        for output in graph.output {
            guard !output.name.isEmpty else { throw PlexusError.invalid("a graph output has an empty name") }
            guard listed.insert(output.name).inserted else { throw PlexusError.invalid("graph output '\(output.name)' is listed twice") }
            guard definitions[output.name] != nil else {
                throw PlexusError.invalid("graph output '\(output.name)' is not defined by any graph input, initializer or node")
            }
        }
    }

    /// "name (Op)" or "#index (Op)".
    private static func label(_ node: Onnx_NodeProto, _ index: Int) -> String {
        node.name.isEmpty ? "#\(index) (\(node.opType))" : "\(node.name) (\(node.opType))"
    }

    /// Attribute names are unique and non-empty; each attribute holds at most one value field,
    /// of its declared type (the checker's `check_attribute`).
    private static func validate(_ attributes: [Onnx_AttributeProto], node: String) throws {
        var names = Set<String>()
        for attribute in attributes {
            guard !attribute.name.isEmpty else { throw PlexusError.invalid("node \(node) has an attribute without a name") }
            guard names.insert(attribute.name).inserted else {
                throw PlexusError.invalid("node \(node) has attribute '\(attribute.name)' twice")
            }
            let present: [(Bool, Onnx_AttributeProto.AttributeType)] = [
                (attribute.hasF, .float), (attribute.hasI, .int), (attribute.hasS, .string), (attribute.hasT, .tensor),
                (attribute.hasG, .graph), (attribute.hasSparseTensor, .sparseTensor), (attribute.hasTp, .typeProto),
                (!attribute.floats.isEmpty, .floats), (!attribute.ints.isEmpty, .ints), (!attribute.strings.isEmpty, .strings),
                (!attribute.tensors.isEmpty, .tensors), (!attribute.graphs.isEmpty, .graphs),
                (!attribute.sparseTensors.isEmpty, .sparseTensors), (!attribute.typeProtos.isEmpty, .typeProtos),
            ]
            let fields = present.filter(\.0).map(\.1)
            guard fields.count <= 1 else {
                throw PlexusError.invalid("attribute '\(attribute.name)' of node \(node) holds \(fields.count) value fields; ONNX allows one")
            }
            if let field = fields.first, attribute.hasType, attribute.type != field {
                throw PlexusError.invalid("attribute '\(attribute.name)' of node \(node) is declared \(attribute.type) but holds a \(field) value")
            }
        }
    }
}
