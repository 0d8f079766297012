import PlexusPluginKit

/// The three recurrent cells of ONNX, which share inputs, attributes and the driver that runs
/// them over a sequence; they differ in their gates.
enum RecurrentCell: CaseIterable {
    /// The Elman cell: Hₜ = f(Xₜ·Wᵀ + Hₜ₋₁·Rᵀ + Wb + Rb).
    case simple
    /// The LSTM cell, gates in ONNX order i, o, f, c.
    case lstm
    /// The GRU cell, gates in ONNX order z, r, h.
    case gru

    /// The ONNX operator (and layer type) name.
    var name: String {
        switch self {
        case .simple: return "RNN"
        case .lstm: return "LSTM"
        case .gru: return "GRU"
        }
    }

    /// Gates per direction: the row blocks of W and R.
    var gateCount: Int {
        switch self {
        case .simple: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }

    /// ONNX's activation functions per direction when `activations` is not given.
    var defaultActivations: [GateActivation] {
        switch self {
        case .simple: return [.tanh]
        case .lstm: return [.sigmoid, .tanh, .tanh]
        case .gru: return [.sigmoid, .tanh]
        }
    }

    /// The inputs the op accepts: X, W, R, B, sequence_lens, initial_h (and initial_c, P).
    var inputs: ClosedRange<Int> { self == .lstm ? 3...8 : 3...6 }

    /// The outputs the op can produce: Y, Y_h (and Y_c).
    var outputs: ClosedRange<Int> { self == .lstm ? 1...3 : 1...2 }
}

/// Positions of the inputs of RNN, LSTM and GRU (ONNX order).
enum RecurrentInput {
    static let x = 0
    static let weights = 1
    static let recurrentWeights = 2
    static let bias = 3
    static let sequenceLengths = 4
    static let initialHidden = 5
    static let initialCell = 6
    static let peepholes = 7
}
