import PlexusPluginKit

/// PyTorch's RNN, LSTM and GRU layers (constructor attributes, parameter names, gate layouts
/// and initialisation as in torch.nn), each stacked layer computed by the ONNX op of its cell.
enum RecurrentLayers {
    /// The three layer types.
    static var definitions: [LayerDefinition] { RecurrentCell.allCases.map(definition) }

    /// The layer type of `cell`. Forward takes the sequence and optionally h0 (and c0) and
    /// returns the output sequence, h_n (and c_n).
    static func definition(_ cell: RecurrentCell) -> LayerDefinition {
        LayerDefinition(cell.name, attributes: attributes(cell), inputs: 1...(cell == .lstm ? 3 : 2), outputs: cell.outputs,
                        doc: "stacked \(cell.name) over a sequence (PyTorch conventions)",
                        create: { builder, attributes in
                            let shape = try RecurrentLayerShape(cell, attributes)
                            try shape.declareParameters(builder)
                            return shape
                        },
                        forward: { call, inputs in
                            // The kit's LayerCall does not tell how many outputs the caller asked
                            // for; the host currently always asks for one (the output sequence).
                            try RecurrentLayerForward(call: call, shape: call.state as! RecurrentLayerShape).run(inputs, outputCount: call.outputCount)
                        })
    }

    /// PyTorch's constructor arguments, plus `dtype` (float32 or float64) as Linear has.
    static func attributes(_ cell: RecurrentCell) -> [AttributeDeclaration] {
        var attributes: [AttributeDeclaration] = [
            .required("input_size", .int), .required("hidden_size", .int), AttributeDeclaration("num_layers", .int, default: .int(1)),
            AttributeDeclaration("bias", .int, default: .int(1)), AttributeDeclaration("batch_first", .int, default: .int(0)),
            AttributeDeclaration("dropout", .float, default: .float(0)), AttributeDeclaration("bidirectional", .int, default: .int(0)),
            AttributeDeclaration("dtype", .int, default: .int(Int(DType.float32.rawValue))),
        ]
        if cell == .simple { attributes.append(AttributeDeclaration("nonlinearity", .string, default: .string("tanh"))) }
        return attributes
    }
}
