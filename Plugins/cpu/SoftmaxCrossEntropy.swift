import PlexusPluginKit

/// SoftmaxCrossEntropyLoss (opset 13): NegativeLogLikelihoodLoss of LogSoftmax(scores) over
/// the class axis 1, with the same weights, `ignore_index` and reduction; the optional second
/// output is those log-probabilities. Composed of the two ops, so it trains through their
/// gradients.
enum SoftmaxCrossEntropy: OperatorFamily {
    /// The SoftmaxCrossEntropyLoss schema, kernel and decomposition (one body).
    static var definitions: [OpDefinition] {
        [.composed("SoftmaxCrossEntropyLoss", since: 13, inputs: 2...3, outputs: 1...2, attributes: NegativeLogLikelihood.attributes,
                   doc: "cross entropy of softmax(scores) against class labels, optionally weighted and reduced",
                   supports: DTypes.first(DTypes.floats), infer: infer, body)]
    }

    /// LogSoftmax over axis 1, then NegativeLogLikelihoodLoss with the same attributes.
    static func body(_ ops: OpSequence) throws -> [KernelTensor] {
        let scores = try ops.input(0)
        guard scores.rank >= 2 else { throw PlexusError.invalid("\(ops.op): scores must be [N, C, ...], got shape \(scores.shape)") }
        var attributes: [(String, AttributeValue)] = [("reduction", .string(try NegativeLogLikelihood.reduction(ops.attributes, op: ops.op).rawValue))]
        if let ignored = try ops.attributes.int("ignore_index") { attributes.append(("ignore_index", .int(ignored))) }
        let logProbabilities = try ops.call("LogSoftmax", [scores], [("axis", .int(1))])
        let loss = try ops.call("NegativeLogLikelihoodLoss", [logProbabilities, try ops.input(1), ops.optionalInput(2)], attributes)
        return ops.outputCount == 2 ? [loss, logProbabilities] : [loss]
    }

    /// The loss as NegativeLogLikelihoodLoss infers it; log_prob like the scores.
    static func infer(_ context: InferenceContext) throws {
        try NegativeLogLikelihood.infer(context)
        if context.outputCount == 2, let scores = context.input(0) { try context.setOutput(1, scores.dtype, scores.shape) }
    }
}
