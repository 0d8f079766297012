import CPlexus
import PlexusPluginKit

/// The CPU plugin's pre-packing rewrite (`PLX_OPTIMIZE_PREPACK_WEIGHTS`): a MatMul whose second
/// input is a constant float32 matrix (a layer's weights) reads it packed. The weights are
/// rearranged once, when the session is created, by PackMatMulWeights into contiguous panels of
/// 32 columns, and the node becomes a PackedMatMul with the matrix's column count. This is
/// onnxruntime's pre-packing of MatMul's B: unpacked, every run repacked the whole matrix inside
/// the BLAS call. Weights a caller may feed (an initializer that is also a graph input) are not
/// constants and are left alone; weights shared by several nodes pack once. Registered with
/// PackedMatMul, where the AVX-512 kernel runs.
enum MatMulPacking {
    static var rewrite: RewriteDefinition {
        RewriteDefinition("prepack-matmul-weights", optimization: PLX_OPTIMIZE_PREPACK_WEIGHTS, phase: .pack, body: run)
    }

    static func run(_ graph: PluginGraph) throws {
        var packed: [String: String] = [:]  // weights name → packed constant's name
        for index in 0..<graph.nodeCount {
            guard let node = graph.node(index), node.is("MatMul"), node.inputs.count == 2, !node.inputs[0].isEmpty,
                  let weights = graph.constant(node.inputs[1]), weights.dtype == .float32, weights.rank == 2 else { continue }
            let name = try graph.transformedConstant(node.inputs[1], weights, by: "PackMatMulWeights", domain: "ai.plexus",
                                                     suffix: "_panels", done: &packed)
            try graph.replace(index, with: PluginGraph.Node(op: "PackedMatMul", domain: "ai.plexus", name: node.name,
                                                            inputs: [node.inputs[0], name], outputs: node.outputs,
                                                            attributes: try NodeAttributes().with([("columns", .int(weights.shape[1]))])))
        }
    }
}
