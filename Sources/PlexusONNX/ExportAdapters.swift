import PlexusCore

/// What export needs to know of the ONNX operator history: ops that appeared after a given
/// opset (exported through their decompositions below it) and node forms that changed (axes
/// of most Reduce ops and Split's num_outputs became inputs or attributes at opset 18).
enum ExportAdapters {
    /// The newest ai.onnx opset export writes.
    static let newestOpset = 23

    /// First ai.onnx opset of ops newer than the oldest target (13).
    static let firstOpset: [String: Int] = [
        "Gelu": 20, "Attention": 23, "LayerNormalization": 17, "RMSNormalization": 23, "GroupNormalization": 21,
        "Mish": 18, "BitwiseAnd": 18, "BitwiseOr": 18, "BitwiseXor": 18, "BitwiseNot": 18, "CenterCropPad": 18,
        "Col2Im": 18, "DFT": 17, "STFT": 17, "HannWindow": 17, "HammingWindow": 17, "BlackmanWindow": 17,
        "MelWeightMatrix": 17, "SequenceMap": 17, "GridSample": 16, "AffineGrid": 20, "IsInf": 10, "ImageDecoder": 20,
        "RegexFullMatch": 20, "StringConcat": 20, "StringSplit": 20, "RotaryEmbedding": 23, "Swish": 24,
    ]

    /// Whether `schema`'s op does not exist at `opset` and must be exported as its decomposition.
    static func needsDecomposition(_ schema: OpSchema, opset: Int) -> Bool {
        guard schema.key.domain.isEmpty, let first = firstOpset[schema.key.name] else { return false }
        return first > opset && schema.isDecomposable
    }

    /// Ops whose axes were attributes before opset 18 (ReduceSum moved at 13).
    static let axesAttributeBefore18: Set<String> = ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                                                     "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"]

    /// Rewrites nodes into the forms of `opset`, and refuses ops it cannot express.
    static func downgrade(_ graph: Graph, to opset: Int) throws -> Graph {
        var graph = graph
        for index in graph.nodes.indices {
            var node = graph.nodes[index]
            if node.op.domain.isEmpty, let first = firstOpset[node.op.name], first > opset {
                throw PlexusError(.unsupported, "\(node.op.name) needs opset \(first) or newer and has no decomposition; export with opset ≥ \(first)")
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
            graph.nodes[index] = node
        }
        return graph
    }
}
