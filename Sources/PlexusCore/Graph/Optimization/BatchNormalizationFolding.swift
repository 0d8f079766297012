/// Conv → BatchNormalization (inference form) becomes one Conv: with f = scale / √(var + ε) per
/// output channel, W' = W · f and B' = (B − mean) · f + β. Applies when the Conv's output feeds
/// only the BatchNormalization and every parameter is a float32 or float64 constant.
enum BatchNormalizationFolding {
    static func run(_ rewriter: inout GraphRewriter) throws {
        for index in rewriter.nodes.indices where !rewriter.isRemoved(index) {
            let norm = rewriter.nodes[index]
            guard norm.op == OpKey(name: "BatchNormalization"), norm.inputs.count == 5,
                  norm.outputs.count == 1 || norm.outputs.dropFirst().allSatisfy(\.isEmpty),
                  (try? norm.attributes.number("training_mode", default: 0)) == 0,
                  let convIndex = rewriter.producer(of: norm.inputs[0]), rewriter.isPrivate(norm.inputs[0], to: index) else { continue }
            let conv = rewriter.nodes[convIndex]
            guard conv.op == OpKey(name: "Conv"), conv.outputs.count == 1, conv.inputs.count >= 2,
                  let weight = rewriter.constant(conv.inputs[1]), weight.rank >= 3,
                  [DType.float32, .float64].contains(weight.dtype) else { continue }
            let channels = weight.shape[0]
            let bias = conv.inputs.count > 2 && !conv.inputs[2].isEmpty ? rewriter.constant(conv.inputs[2]) : nil
            if conv.inputs.count > 2 && !conv.inputs[2].isEmpty && bias == nil { continue }
            let parameters = norm.inputs[1...4].map { rewriter.constant($0) }
            let all = parameters + [bias]
            guard all.allSatisfy({ $0 == nil || ($0!.dtype == weight.dtype && $0!.shape == [channels]) }),
                  parameters.allSatisfy({ $0 != nil }) else { continue }
            let epsilon = try norm.attributes.number("epsilon", default: 1e-5)
            let values = try parameters.map { try doubles($0!) }
            let (scale, shift, mean, variance) = (values[0], values[1], values[2], values[3])
            let oldBias = try bias.map(doubles) ?? [Double](repeating: 0, count: channels)
            let factor = (0..<channels).map { scale[$0] / (variance[$0] + epsilon).squareRoot() }
            let perChannel = weight.count / max(channels, 1)
            let oldWeight = try doubles(weight)
            let newWeight = oldWeight.indices.map { oldWeight[$0] * factor[$0 / perChannel] }
            let newBias = (0..<channels).map { (oldBias[$0] - mean[$0]) * factor[$0] + shift[$0] }
            let weightName = rewriter.addConstant(try tensor(newWeight, like: weight, shape: weight.shape),
                                                  suggestedName: norm.outputs[0] + "_folded_weight")
            let biasName = rewriter.addConstant(try tensor(newBias, like: weight, shape: [channels]),
                                                suggestedName: norm.outputs[0] + "_folded_bias")
            var folded = conv
            folded.inputs = [conv.inputs[0], weightName, biasName]
            folded.outputs = [norm.outputs[0]]
            rewriter.replace(convIndex, with: folded)
            rewriter.remove(index)
        }
    }

    /// The elements of a float32/float64 tensor as Double.
    static func doubles(_ t: Tensor) throws -> [Double] {
        t.dtype == .float64 ? try t.elements(as: Double.self) : try t.elements(as: Float.self).map(Double.init)
    }

    /// A tensor of `like`'s dtype holding `values`.
    static func tensor(_ values: [Double], like: Tensor, shape: [Int]) throws -> Tensor {
        like.dtype == .float64 ? try Tensor(values, shape: shape) : try Tensor(values.map { Float($0) }, shape: shape)
    }
}
