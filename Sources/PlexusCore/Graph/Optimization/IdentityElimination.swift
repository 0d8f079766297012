/// Removes Identity nodes and inference-mode Dropout (no `training_mode`, or a constant false
/// one, and no mask output used): their readers read the input instead. A node whose output is
/// a graph output stays, so the graph keeps its output names.
enum IdentityElimination {
    static func run(_ rewriter: inout GraphRewriter) {
        for index in rewriter.nodes.indices {
            let node = rewriter.nodes[index]
            guard node.op.domain.isEmpty, let input = node.inputs.first, !input.isEmpty, let output = node.outputs.first,
                  !rewriter.isGraphOutput(output), isPassThrough(node, rewriter) else { continue }
            rewriter.redirect(output, to: input)
            rewriter.remove(index)
        }
    }

    static func isPassThrough(_ node: Graph.Node, _ rewriter: GraphRewriter) -> Bool {
        switch node.op.name {
        case "Identity":
            return node.outputs.count == 1
        case "Dropout":
            let mask = node.outputs.count > 1 ? node.outputs[1] : ""
            guard mask.isEmpty || (rewriter.readers(of: mask).isEmpty && !rewriter.isGraphOutput(mask)) else { return false }
            guard node.inputs.count > 2, !node.inputs[2].isEmpty else { return true }
            guard let training = rewriter.constant(node.inputs[2]), training.dtype == .bool, training.count == 1 else { return false }
            return training.data.load(as: UInt8.self) == 0
        default:
            return false
        }
    }
}
