import PlexusCore

/// How export writes a graph at an older opset. Which ops exist at which opset comes from
/// onnx's own registry (`ONNXVersions`, generated): an op not available at the target opset is
/// exported through its decomposition, or refused. The node forms that changed are rewritten
/// here (axes of most Reduce ops and Split's num_outputs became inputs or attributes at opset
/// 18; Reshape's allowzero and BatchNormalization's training_mode appeared at 14;
/// LayerNormalization at 17).
enum ExportAdapters {
    /// The newest ai.onnx opset export writes.
    static let newestOpset = 23

    /// Whether `schema`'s op does not exist at `opset` and must be exported as its decomposition.
    static func needsDecomposition(_ schema: OpSchema, opset: Int) -> Bool {
        schema.key.domain.isEmpty && schema.isDecomposable && !ONNXVersions.isAvailable(schema.key.name, at: opset)
    }

    /// Why ai.onnx `op` cannot be written at `opset`.
    static func unavailable(_ op: String, opset: Int) -> PlexusError {
        if let first = ONNXVersions.firstOpset(of: op, from: opset) {
            return PlexusError(.unsupported, "\(op) needs opset \(first) or newer and has no decomposition; export with opset ≥ \(first)")
        }
        if ONNXVersions.history[op] == nil {
            return PlexusError(.unsupported, "\(op) is not an ai.onnx operator at any opset onnx defines, so it cannot be exported")
        }
        return PlexusError(.unsupported, "\(op) is deprecated at opset \(opset) and has no decomposition to export it by")
    }

    /// Ops whose axes were attributes before opset 18 (ReduceSum moved at 13).
    static let axesAttributeBefore18: Set<String> = ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                                                     "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"]

    /// Rewrites nodes into the forms of `opset`, and refuses ops it cannot express.
    static func downgrade(_ graph: Graph, to opset: Int) throws -> Graph {
        var graph = graph
        var nodes: [Graph.Node] = []
        for var node in graph.nodes {
            if node.op == OpKey(name: "LayerNormalization") && !ONNXVersions.isAvailable("LayerNormalization", at: opset) {
                nodes += try layerNormalizationBefore17(node, &graph)
                continue
            }
            if node.op.domain.isEmpty && !ONNXVersions.isAvailable(node.op.name, at: opset) {
                throw unavailable(node.op.name, opset: opset)
            }
            if opset < 18 && node.op.domain.isEmpty && axesAttributeBefore18.contains(node.op.name) && node.inputs.count > 1 {
                let axes = node.inputs[1]
                if !axes.isEmpty {
                    guard let value = graph.initializers[axes] else {
                        throw PlexusError(.unsupported, "\(node.label): computed axes cannot be written at opset \(opset)")
                    }
                    node.attributes["axes"] = .ints(try value.elements(as: Int64.self))
                }
                node.inputs = [node.inputs[0]]
            }
            if opset < 18 && node.op == OpKey(name: "Split"), case .int? = node.attributes["num_outputs"] {
                node.attributes["num_outputs"] = nil  // opset < 18 splits evenly by the number of outputs
            }
            if opset < 14 && node.op == OpKey(name: "Reshape") { try dropAllowZero(&node, graph) }
            if opset < 25 && node.op == OpKey(name: "SpaceToDepth") {
                if case .string(let mode)? = node.attributes["mode"], mode != "DCR" {
                    throw PlexusError(.unsupported, "\(node.label): SpaceToDepth in \(mode) mode needs opset 25 or newer")
                }
                node.attributes["mode"] = nil  // before 25 the order is always DCR
            }
            if opset < 14 && node.op == OpKey(name: "BatchNormalization") {
                if case .int(let training)? = node.attributes["training_mode"], training != 0 {
                    throw PlexusError(.unsupported, "\(node.label): training-mode BatchNormalization needs opset 14 or newer")
                }
                node.attributes["training_mode"] = nil
            }
            nodes.append(node)
        }
        graph.nodes = nodes
        return graph
    }

    /// Reshape before opset 14 has no `allowzero` and always reads 0 as "copy this dim", which
    /// is the same as `allowzero = 1` when the constant shape holds no 0.
    static func dropAllowZero(_ node: inout Graph.Node, _ graph: Graph) throws {
        defer { node.attributes["allowzero"] = nil }
        guard case .int(let allowZero)? = node.attributes["allowzero"], allowZero != 0 else { return }
        guard node.inputs.count > 1, let shape = graph.initializers[node.inputs[1]] else {
            throw PlexusError(.unsupported, "\(node.label): a computed shape with allowzero needs opset 14 or newer")
        }
        if try shape.elements(as: Int64.self).contains(0) {
            throw PlexusError(.unsupported, "\(node.label): reshaping to a 0-sized dim needs opset 14 or newer")
        }
    }

    /// LayerNormalization (opset 17) as the primitive ops of its definition:
    /// (x − mean) / √(var + ε) · scale + bias over the trailing dims from a negative `axis`.
    static func layerNormalizationBefore17(_ node: Graph.Node, _ graph: inout Graph) throws -> [Graph.Node] {
        guard node.outputs.count == 1 || node.outputs.dropFirst().allSatisfy(\.isEmpty) else {
            throw PlexusError(.unsupported, "\(node.label): the Mean and InvStdDev outputs need opset 17 or newer")
        }
        let axis: Int
        switch node.attributes["axis"] {
        case nil: axis = -1
        case .int(let value)?: axis = Int(value)
        default: throw PlexusError.invalid("\(node.label): axis must be an int")
        }
        guard axis < 0 else {
            throw PlexusError(.unsupported, "\(node.label): a non-negative axis (\(axis)) cannot be written before opset 17 without the input's rank")
        }
        var epsilon = 1e-5
        switch node.attributes["epsilon"] {
        case .float(let value)?: epsilon = value
        case .int(let value)?: epsilon = Double(value)
        default: break
        }
        let base = "\(node.outputs[0])__layer_norm"
        let epsilonName = "\(base)_epsilon"
        // The statistics are computed in X's type, which is stash_type's float32 only for float32
        // and float64 models; half-precision ones need opset 17's LayerNormalization.
        switch graph.initializers[node.inputs[1]]?.dtype {
        case .float64?: graph.initializers[epsilonName] = Tensor(scalar: epsilon)
        case .float32?, nil: graph.initializers[epsilonName] = Tensor(scalar: Float(epsilon))
        case let dtype?: throw PlexusError(.unsupported, "\(node.label): \(dtype) LayerNormalization needs opset 17 or newer")
        }
        let axes: Attributes = ["axes": .ints((axis...(-1)).map(Int64.init)), "keepdims": .int(1)]
        func make(_ op: String, _ inputs: [String], _ output: String, _ attributes: Attributes = Attributes()) -> Graph.Node {
            Graph.Node(op: OpKey(name: op), name: output, inputs: inputs, outputs: [output], attributes: attributes)
        }
        let x = node.inputs[0], scaled = node.inputs.count > 2 && !node.inputs[2].isEmpty ? "\(base)_scaled" : node.outputs[0]
        var nodes = [make("ReduceMean", [x], "\(base)_mean", axes), make("Sub", [x, "\(base)_mean"], "\(base)_centered"),
                     make("Mul", ["\(base)_centered", "\(base)_centered"], "\(base)_squares"),
                     make("ReduceMean", ["\(base)_squares"], "\(base)_variance", axes),
                     make("Add", ["\(base)_variance", epsilonName], "\(base)_shifted"), make("Sqrt", ["\(base)_shifted"], "\(base)_deviation"),
                     make("Div", ["\(base)_centered", "\(base)_deviation"], "\(base)_normalized"),
                     make("Mul", ["\(base)_normalized", node.inputs[1]], scaled)]
        if scaled != node.outputs[0] { nodes.append(make("Add", [scaled, node.inputs[2]], node.outputs[0])) }
        return nodes
    }
}
