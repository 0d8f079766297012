import PlexusPluginKit

/// The constructor settings of an RNN, LSTM or GRU layer (PyTorch's names and defaults), kept
/// as the layer's state; it declares the parameters PyTorch would have.
final class RecurrentLayerShape {
    /// The cell of every layer in the stack.
    let cell: RecurrentCell
    /// Features of the input and of the hidden state.
    let inputSize: Int, hidden: Int
    /// Stacked layers.
    let layers: Int
    /// Whether the layers have bias_ih/bias_hh.
    let hasBias: Bool
    /// Input and output are [batch, seq, features] instead of [seq, batch, features].
    let batchFirst: Bool
    /// Dropout probability between stacked layers in training mode.
    let dropout: Double
    /// 2 when bidirectional.
    let passes: Int
    /// The simple RNN's nonlinearity (tanh or relu).
    let nonlinearity: GateActivation
    /// Element type of the parameters.
    let dtype: DType

    /// Reads and checks the constructor attributes.
    init(_ cell: RecurrentCell, _ attributes: AttributeReader) throws {
        let name = cell.name
        self.cell = cell
        inputSize = try attributes.int("input_size")!
        hidden = try attributes.int("hidden_size")!
        layers = try attributes.int("num_layers")!
        guard inputSize > 0, hidden > 0, layers > 0 else {
            throw PlexusError.invalid("\(name): input_size, hidden_size and num_layers must be positive")
        }
        hasBias = try attributes.int("bias")! != 0
        batchFirst = try attributes.int("batch_first")! != 0
        passes = try attributes.int("bidirectional")! != 0 ? 2 : 1
        dropout = try attributes.float("dropout")!
        guard dropout >= 0 && dropout < 1 else { throw PlexusError.invalid("\(name): dropout must be in [0, 1), got \(dropout)") }
        switch try attributes.string("nonlinearity") ?? "tanh" {
        case "tanh": nonlinearity = .tanh
        case "relu": nonlinearity = .relu
        case let other: throw PlexusError.invalid("\(name): nonlinearity must be 'tanh' or 'relu', got '\(other)'")
        }
        guard let code = Int32(exactly: try attributes.int("dtype")!), let dtype = DType(rawValue: code), DTypes.floats.contains(dtype) else {
            throw PlexusError.invalid("\(name): dtype must be float32 or float64")
        }
        self.dtype = dtype
    }

    /// Gate rows of each weight: gates × hidden.
    var gateWidth: Int { cell.gateCount * hidden }

    /// PyTorch's parameter suffix of `layer`, `pass`: "l0", "l0_reverse", …
    func suffix(layer: Int, pass: Int) -> String { "l\(layer)" + (pass == 1 ? "_reverse" : "") }

    /// Declares weight_ih/weight_hh (and bias_ih/bias_hh) of every layer and direction, in
    /// PyTorch's order, each uniform in ±1/√hidden.
    func declareParameters(_ builder: LayerBuilder) throws {
        let bound = 1 / Double(hidden).squareRoot()
        for layer in 0..<layers {
            for pass in 0..<passes {
                let suffix = suffix(layer: layer, pass: pass), inputs = layer == 0 ? inputSize : hidden * passes
                try builder.parameter("weight_ih_\(suffix)", dtype, [gateWidth, inputs], .uniform(-bound, bound))
                try builder.parameter("weight_hh_\(suffix)", dtype, [gateWidth, hidden], .uniform(-bound, bound))
                if hasBias {
                    try builder.parameter("bias_ih_\(suffix)", dtype, [gateWidth], .uniform(-bound, bound))
                    try builder.parameter("bias_hh_\(suffix)", dtype, [gateWidth], .uniform(-bound, bound))
                }
            }
        }
    }
}

extension RecurrentCell {
    /// For each ONNX gate, the index of the same gate in PyTorch's layout (LSTM: PyTorch i, f,
    /// g, o → ONNX i, o, f, c; GRU: PyTorch r, z, n → ONNX z, r, h).
    var pytorchGateOrder: [Int] {
        switch self {
        case .simple: return [0]
        case .lstm: return [0, 3, 1, 2]
        case .gru: return [1, 0, 2]
        }
    }
}
