/// A MatMul whose second input is a constant float32 matrix (a layer's weights) reads it packed:
/// the weights are rearranged once here, by the CPU plugin's `ai.plexus` PackMatMulWeights, into
/// contiguous panels of 32 columns, and the node becomes an `ai.plexus` PackedMatMul with the
/// matrix's column count. This is onnxruntime's pre-packing of MatMul's B: unpacked, every run
/// repacked the whole matrix inside the BLAS call. Weights a caller may feed (an initializer that
/// is also a graph input) are left alone; weights shared by several nodes pack once. Applies where
/// a loaded plugin provides both ops (the CPU plugin does where its AVX-512 kernel runs), under
/// the same switch as filter packing.
enum MatMulPacking {
    static let packWeights = OpKey(domain: "ai.plexus", name: "PackMatMulWeights")
    static let packedMatMul = OpKey(domain: "ai.plexus", name: "PackedMatMul")

    static func run(_ rewriter: inout GraphRewriter) throws {
        guard OpRegistry.shared.schema(packWeights) != nil, OpRegistry.shared.schema(packedMatMul) != nil else { return }
        var packed: [String: String] = [:]  // weights name → packed constant's name
        for index in rewriter.nodes.indices where !rewriter.isRemoved(index) {
            let node = rewriter.nodes[index]
            guard node.op == OpKey(name: "MatMul"), node.inputs.count == 2, !node.inputs[0].isEmpty,
                  let weights = rewriter.constant(node.inputs[1]), weights.dtype == .float32, weights.rank == 2 else { continue }
            let name = try rewriter.transformedConstant(node.inputs[1], weights, by: packWeights, suffix: "_panels", done: &packed)
            let attributes = Attributes()
            attributes["columns"] = .int(Int64(weights.shape[1]))
            rewriter.replace(index, with: Graph.Node(op: packedMatMul, name: node.name, inputs: [node.inputs[0], name],
                                                     outputs: node.outputs, attributes: attributes))
        }
    }
}
