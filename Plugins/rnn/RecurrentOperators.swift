import PlexusPluginKit

/// The schemas of RNN, LSTM and GRU (opset 14, with `layout`): the fused kernel computes them,
/// and their decomposition into primitive ops runs while gradients are recorded, so autograd
/// does backpropagation through time.
enum RecurrentOperators: OperatorFamily {
    /// The three operators.
    static var definitions: [OpDefinition] { RecurrentCell.allCases.map(definition) }

    /// The operator of `cell`.
    static func definition(_ cell: RecurrentCell) -> OpDefinition {
        OpDefinition(cell.name, since: 14, inputs: cell.inputs, outputs: cell.outputs, attributes: attributes(cell),
                     doc: "\(cell.name) over a sequence (ONNX semantics: gates, layouts, directions, sequence_lens)",
                     supports: DTypes.first(DTypes.floats), infer: infer,
                     compute: { try FusedRecurrentKernel.compute(cell, $0) })
            .decomposed { try RecurrentDecomposition(cell: cell, call: $0).outputs() }
    }

    /// ONNX's attributes of `cell` with their defaults (activations default per direction).
    static func attributes(_ cell: RecurrentCell) -> [AttributeDeclaration] {
        var attributes = [
            AttributeDeclaration("activation_alpha", .floats), AttributeDeclaration("activation_beta", .floats),
            AttributeDeclaration("activations", .strings), AttributeDeclaration("clip", .float),
            AttributeDeclaration("direction", .string, default: .string("forward")), AttributeDeclaration("hidden_size", .int),
            AttributeDeclaration("layout", .int, default: .int(0)),
        ]
        switch cell {
        case .simple: break
        case .lstm: attributes.append(AttributeDeclaration("input_forget", .int, default: .int(0)))
        case .gru: attributes.append(AttributeDeclaration("linear_before_reset", .int, default: .int(0)))
        }
        return attributes
    }

    /// Y is [seq, directions, batch, hidden] (layout 1: [batch, seq, directions, hidden]); Y_h
    /// and Y_c are [directions, batch, hidden] ([batch, directions, hidden]).
    static func infer(_ context: InferenceContext) throws {
        guard let x = context.input(RecurrentInput.x) else { throw PlexusError.invalid("X is required") }
        let name = try context.attributes.string("direction") ?? "forward"
        guard let direction = SequenceDirection(rawValue: name) else {
            throw PlexusError.invalid("direction must be forward, reverse or bidirectional, got '\(name)'")
        }
        let batchFirst = try context.attributes.int("layout") == 1
        let given = try context.attributes.int("hidden_size")
        let hidden = given ?? context.input(RecurrentInput.recurrentWeights)?.shape.flatMap { $0.count == 3 ? $0[2] : nil }
        let dims = x.shape.flatMap { $0.count == 3 ? $0 : nil }
        let steps = dims?[batchFirst ? 1 : 0] ?? nil, batch = dims?[batchFirst ? 0 : 1] ?? nil
        let passes: Int? = direction.passes
        let output = batchFirst ? [batch, steps, passes, hidden] : [steps, passes, batch, hidden]
        let state = batchFirst ? [batch, passes, hidden] : [passes, batch, hidden]
        for index in 0..<context.outputCount { try context.setOutput(index, x.dtype, index == 0 ? output : state) }
    }
}
