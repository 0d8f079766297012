/// Conv → Relu / LeakyRelu / Clip (constant bounds) / Sigmoid becomes one `ai.plexus` FusedConv
/// node with the Conv's attributes and `activation` (plus `alpha`, `min`, `max`), when the
/// Conv's output feeds only the activation and a loaded plugin provides FusedConv. A FusedConv
/// without an activation (made by ResidualFusion) takes one the same way.
enum ActivationFusion {
    static let fusedConv = OpKey(domain: "ai.plexus", name: "FusedConv")

    static func run(_ rewriter: inout GraphRewriter) {
        guard OpRegistry.shared.schema(fusedConv) != nil else { return }
        for index in rewriter.nodes.indices where !rewriter.isRemoved(index) {
            let activation = rewriter.nodes[index]
            guard activation.op.domain.isEmpty, let input = activation.inputs.first, activation.outputs.count == 1,
                  let settings = settings(activation, rewriter),
                  let convIndex = rewriter.producer(of: input), rewriter.isPrivate(input, to: index) else { continue }
            let conv = rewriter.nodes[convIndex]
            var bare = false
            if conv.op == fusedConv, case .string("None")? = conv.attributes["activation"] { bare = true }
            guard conv.op == OpKey(name: "Conv") || bare, conv.outputs.count == 1 else { continue }
            rewriter.replace(convIndex, with: fused(conv, inputs: conv.inputs, outputs: activation.outputs, settings: settings))
            rewriter.remove(index)
        }
    }

    /// A FusedConv node standing for `conv` (its name and attributes, with `settings` added or
    /// replaced) that reads `inputs` and writes `outputs`.
    static func fused(_ conv: Graph.Node, inputs: [String], outputs: [String], settings: [(String, AttributeValue)]) -> Graph.Node {
        let attributes = Attributes()
        for name in conv.attributes.names { attributes[name] = conv.attributes[name] }
        for (name, value) in settings { attributes[name] = value }
        return Graph.Node(op: fusedConv, name: conv.name, inputs: inputs, outputs: outputs, attributes: attributes)
    }

    /// FusedConv's activation attributes for a fusable node, nil for any other.
    static func settings(_ node: Graph.Node, _ rewriter: GraphRewriter) -> [(String, AttributeValue)]? {
        switch node.op.name {
        case "Relu", "Sigmoid":
            return [("activation", .string(node.op.name))]
        case "LeakyRelu":
            return [("activation", .string("LeakyRelu")), ("alpha", .float((try? node.attributes.number("alpha", default: 0.01)) ?? 0.01))]
        case "Clip":
            var bounds: [(String, AttributeValue)] = [("activation", .string("Clip"))]
            for (position, name) in [(1, "min"), (2, "max")] where node.inputs.count > position && !node.inputs[position].isEmpty {
                guard let bound = rewriter.constant(node.inputs[position]), bound.count == 1, bound.dtype == .float32,
                      let value = try? bound.elements(as: Float.self).first else { return nil }
                bounds.append((name, .float(Double(value))))
            }
            return bounds
        default:
            return nil
        }
    }
}
