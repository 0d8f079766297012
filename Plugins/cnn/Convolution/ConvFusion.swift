import CPlexus
import PlexusPluginKit

/// The CNN plugin's graph rewrites into its `ai.plexus` FusedConv (registered through the plugin
/// ABI; run when a session is created, in this order):
/// - **Residuals** (`PLX_OPTIMIZE_FUSE_RESIDUALS`): Conv → Add (a residual connection, as in
///   ResNet's blocks) becomes one FusedConv whose input `Z` is the Add's other operand and whose
///   activation is `None`, so the sum is formed tile by tile while the convolution's output is
///   still in cache, without a pass over memory or a buffer of its own.
/// - **Activations** (`PLX_OPTIMIZE_FUSE_ACTIVATIONS`): Conv → Relu / LeakyRelu / Clip (constant
///   bounds) / Sigmoid becomes one FusedConv with the Conv's attributes and `activation` (plus
///   `alpha`, `min`, `max`); a FusedConv without an activation (from the residual fusion) takes
///   one the same way, so Conv → Add → Relu becomes one node.
/// Each applies only when the Conv's output feeds nothing else (no other node, no graph output).
enum ConvFusion {
    static let domain = "ai.plexus"

    static var rewrites: [RewriteDefinition] {
        [RewriteDefinition("fuse-conv-residual", optimization: PLX_OPTIMIZE_FUSE_RESIDUALS, body: fuseResiduals),
         RewriteDefinition("fuse-conv-activation", optimization: PLX_OPTIMIZE_FUSE_ACTIVATIONS, body: fuseActivations)]
    }

    static func fuseResiduals(_ graph: PluginGraph) throws {
        for index in 0..<graph.nodeCount {
            guard let add = graph.node(index), add.is("Add"), add.inputs.count == 2, add.outputs.count == 1 else { continue }
            for side in 0..<2 {
                let convolved = add.inputs[side], residual = add.inputs[1 - side]
                guard !convolved.isEmpty, !residual.isEmpty, convolved != residual,
                      let convIndex = graph.producer(of: convolved), graph.isPrivate(convolved, to: index),
                      let conv = graph.node(convIndex), conv.is("Conv"), conv.outputs.count == 1, conv.inputs.count <= 3 else { continue }
                let inputs = conv.inputs + Array(repeating: "", count: 3 - conv.inputs.count) + [residual]
                try graph.replace(convIndex, with: try fused(conv, inputs: inputs, outputs: add.outputs, settings: [("activation", .string("None"))]))
                try graph.remove(index)
                break
            }
        }
    }

    static func fuseActivations(_ graph: PluginGraph) throws {
        for index in 0..<graph.nodeCount {
            guard let activation = graph.node(index), activation.domain.isEmpty, let input = activation.inputs.first,
                  activation.outputs.count == 1, let settings = settings(activation, graph),
                  let convIndex = graph.producer(of: input), graph.isPrivate(input, to: index),
                  let conv = graph.node(convIndex), conv.outputs.count == 1 else { continue }
            let bare = conv.is("FusedConv", domain: domain) && (try? conv.attributes.reader.string("activation")) == "None"
            guard conv.is("Conv") || bare else { continue }
            try graph.replace(convIndex, with: try fused(conv, inputs: conv.inputs, outputs: activation.outputs, settings: settings))
            try graph.remove(index)
        }
    }

    /// A FusedConv node standing for `conv` (its name and attributes, with `settings` added or
    /// replaced) that reads `inputs` and writes `outputs`.
    static func fused(_ conv: PluginGraph.Node, inputs: [String], outputs: [String],
                      settings: [(String, AttributeValue)]) throws -> PluginGraph.Node {
        PluginGraph.Node(op: "FusedConv", domain: domain, name: conv.name, inputs: inputs, outputs: outputs,
                         attributes: try conv.attributes.with(settings))
    }

    /// FusedConv's activation attributes for a fusable node, nil for any other.
    static func settings(_ node: PluginGraph.Node, _ graph: PluginGraph) -> [(String, AttributeValue)]? {
        switch node.op {
        case "Relu", "Sigmoid":
            return [("activation", .string(node.op))]
        case "LeakyRelu":
            let alpha = (try? node.attributes.reader.float("alpha")) ?? 0.01
            return [("activation", .string("LeakyRelu")), ("alpha", .float(alpha))]
        case "Clip":
            var bounds: [(String, AttributeValue)] = [("activation", .string("Clip"))]
            for (position, name) in [(1, "min"), (2, "max")] where node.inputs.count > position && !node.inputs[position].isEmpty {
                guard let bound = graph.constant(node.inputs[position]), bound.count == 1, bound.dtype == .float32 else { return nil }
                bounds.append((name, .float(Double(bound.pointer(as: Float.self)[0]))))
            }
            return bounds
        default:
            return nil
        }
    }
}
