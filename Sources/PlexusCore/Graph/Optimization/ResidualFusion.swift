/// Conv → Add (a residual connection, as in ResNet's blocks) becomes one `ai.plexus` FusedConv
/// whose input `Z` is the Add's other operand and whose activation is `None`, so the sum is
/// formed tile by tile while the convolution's output is still in cache, without a pass over
/// memory or a buffer of its own. ActivationFusion may then fold a following Relu into it too.
/// Applies when the Conv's output feeds only the Add and a loaded plugin provides FusedConv.
enum ResidualFusion {
    static func run(_ rewriter: inout GraphRewriter) {
        guard OpRegistry.shared.schema(ActivationFusion.fusedConv) != nil else { return }
        for index in rewriter.nodes.indices where !rewriter.isRemoved(index) {
            let add = rewriter.nodes[index]
            guard add.op == OpKey(name: "Add"), add.inputs.count == 2, add.outputs.count == 1 else { continue }
            for side in 0..<2 {
                let convolved = add.inputs[side], residual = add.inputs[1 - side]
                guard !convolved.isEmpty, !residual.isEmpty, convolved != residual,
                      let convIndex = rewriter.producer(of: convolved), rewriter.isPrivate(convolved, to: index) else { continue }
                let conv = rewriter.nodes[convIndex]
                guard conv.op == OpKey(name: "Conv"), conv.outputs.count == 1, conv.inputs.count <= 3 else { continue }
                let inputs = conv.inputs + Array(repeating: "", count: 3 - conv.inputs.count) + [residual]
                rewriter.replace(convIndex, with: ActivationFusion.fused(conv, inputs: inputs, outputs: add.outputs,
                                                                         settings: [("activation", .string("None"))]))
                rewriter.remove(index)
                break
            }
        }
    }
}
