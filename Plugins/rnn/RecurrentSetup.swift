import PlexusPluginKit

/// Which way a recurrent op runs over the sequence (ONNX `direction`).
enum SequenceDirection: String {
    case forward, reverse, bidirectional

    /// Number of passes over the sequence (`num_directions`).
    var passes: Int { self == .bidirectional ? 2 : 1 }

    /// Whether pass `index` runs from the last step to the first.
    func isReversed(pass index: Int) -> Bool { self == .reverse || index == 1 }
}

/// One RNN/LSTM/GRU call with its attributes read and its inputs' shapes checked: what the
/// fused kernel and the decomposition both start from.
struct RecurrentSetup {
    /// The cell the op computes.
    let cell: RecurrentCell
    /// Forward, reverse or both.
    let direction: SequenceDirection
    /// `layout` = 1: X, Y and the states put the batch first.
    let batchFirst: Bool
    /// Gate pre-activations are clamped to ±clip when set.
    let clip: Double?
    /// The activation functions of each pass (f; f, g; or f, g, h).
    let activations: [[GateActivation]]
    /// GRU: apply the reset gate after multiplying by Rh (`linear_before_reset`).
    let linearBeforeReset: Bool
    /// LSTM: the forget gate is 1 − input gate (`input_forget`).
    let inputForget: Bool
    /// Sequence length, batch size, input features and hidden size.
    let steps: Int, batch: Int, inputSize: Int, hidden: Int
    /// The valid steps of each batch entry, or nil when every sequence is full.
    let lengths: [Int]?

    /// `num_directions`.
    var passes: Int { direction.passes }
    /// Rows of W and R per direction: gates × hidden.
    var gateWidth: Int { cell.gateCount * hidden }

    /// Whether step `t` of batch entry `b` is inside its sequence.
    func isActive(step t: Int, batch b: Int) -> Bool { lengths.map { t < $0[b] } ?? true }

    /// Reads the attributes and checks every input of `cell` (nil entries are omitted inputs).
    init(cell: RecurrentCell, inputs: [KernelTensor?], attributes: AttributeReader) throws {
        self.cell = cell
        let op = cell.name
        func input(_ index: Int) -> KernelTensor? { index < inputs.count ? inputs[index] : nil }
        guard let x = input(RecurrentInput.x), input(RecurrentInput.weights) != nil, let r = input(RecurrentInput.recurrentWeights) else {
            throw PlexusError.invalid("\(op): X, W and R are required")
        }
        let floats = [RecurrentInput.x, RecurrentInput.weights, RecurrentInput.recurrentWeights, RecurrentInput.bias,
                      RecurrentInput.initialHidden, RecurrentInput.initialCell, RecurrentInput.peepholes]
        _ = try requireSameDType(floats.map(input), op: op)
        guard DTypes.floats.contains(x.dtype) else { throw PlexusError(.unsupported, "\(op) needs float32 or float64 inputs, got \(x.dtype)") }

        let name = try attributes.string("direction") ?? "forward"
        guard let direction = SequenceDirection(rawValue: name) else {
            throw PlexusError.invalid("\(op): direction must be forward, reverse or bidirectional, got '\(name)'")
        }
        self.direction = direction
        let layout = try attributes.int("layout") ?? 0
        guard layout == 0 || layout == 1 else { throw PlexusError.invalid("\(op): layout must be 0 or 1, got \(layout)") }
        batchFirst = layout == 1
        clip = try attributes.float("clip")
        if let clip, !(clip > 0) { throw PlexusError.invalid("\(op): clip must be positive, got \(clip)") }
        for name in ["activation_alpha", "activation_beta"] where !(try attributes.floats(name) ?? []).isEmpty {
            throw PlexusError(.unsupported, "\(op): \(name) is not supported (the supported activations take no parameters)")
        }
        activations = try Self.activations(cell: cell, names: try attributes.strings("activations"), passes: direction.passes)
        let linearBeforeReset = try attributes.int("linear_before_reset") ?? 0, inputForget = try attributes.int("input_forget") ?? 0
        self.linearBeforeReset = cell == .gru && linearBeforeReset != 0
        self.inputForget = cell == .lstm && inputForget != 0

        guard x.rank == 3 else { throw PlexusError.invalid("\(op): X must have rank 3, got shape \(x.shape)") }
        steps = batchFirst ? x.shape[1] : x.shape[0]
        batch = batchFirst ? x.shape[0] : x.shape[1]
        inputSize = x.shape[2]
        guard steps > 0, batch > 0 else { throw PlexusError.invalid("\(op): X \(x.shape) has no time steps or no batch entries") }
        guard r.rank == 3 else { throw PlexusError.invalid("\(op): R must have rank 3, got shape \(r.shape)") }
        hidden = try attributes.int("hidden_size") ?? r.shape[2]
        guard hidden > 0 else { throw PlexusError.invalid("\(op): hidden_size must be positive, got \(hidden)") }
        lengths = try Self.lengths(input(RecurrentInput.sequenceLengths), steps: steps, batch: batch, op: op)

        // hidden_size from the attribute sizes every gate: checked so that Int64.max gives an error.
        let passes = direction.passes, width = try CheckedSize.multiply(cell.gateCount, hidden, "\(op): hidden_size \(hidden)")
        _ = try CheckedSize.multiply(3, hidden, "\(op): hidden_size \(hidden)")
        _ = try CheckedSize.multiply(2, width, "\(op): hidden_size \(hidden)")
        let state = stateShape
        let expected: [(Int, String, [Int])] = [
            (RecurrentInput.weights, "W", [passes, width, inputSize]), (RecurrentInput.recurrentWeights, "R", [passes, width, hidden]),
            (RecurrentInput.bias, "B", [passes, 2 * width]), (RecurrentInput.initialHidden, "initial_h", state),
            (RecurrentInput.initialCell, "initial_c", state), (RecurrentInput.peepholes, "P", [passes, 3 * hidden]),
        ]
        for (index, label, shape) in expected {
            guard let tensor = input(index), tensor.shape != shape else { continue }
            throw PlexusError(.shapeMismatch, "\(op): \(label) must have shape \(shape) (direction \(name), hidden_size \(hidden)), got \(tensor.shape)")
        }
    }

    /// The activations of each pass: `names` split per direction, or the cell's defaults.
    private static func activations(cell: RecurrentCell, names: [String]?, passes: Int) throws -> [[GateActivation]] {
        let perPass = cell.defaultActivations.count
        guard let names else { return Array(repeating: cell.defaultActivations, count: passes) }
        guard names.count == perPass * passes else {
            throw PlexusError.invalid("\(cell.name): activations needs \(perPass * passes) names for \(passes) direction(s), got \(names.count)")
        }
        let parsed = try names.map { try GateActivation.parse($0, op: cell.name) }
        return (0..<passes).map { Array(parsed[($0 * perPass)..<(($0 + 1) * perPass)]) }
    }

    /// The checked `sequence_lens`, or nil when absent or when every sequence is full.
    private static func lengths(_ tensor: KernelTensor?, steps: Int, batch: Int, op: String) throws -> [Int]? {
        guard let tensor else { return nil }
        guard tensor.shape == [batch] else {
            throw PlexusError(.shapeMismatch, "\(op): sequence_lens must have shape [\(batch)], got \(tensor.shape)")
        }
        let lengths = try tensor.integers()
        if let bad = lengths.first(where: { $0 < 0 || $0 > steps }) {
            throw PlexusError.invalid("\(op): sequence_lens holds \(bad), outside 0...\(steps)")
        }
        return lengths.allSatisfy { $0 == steps } ? nil : lengths
    }
}

extension RecurrentSetup {
    /// Row of X (viewed as [steps·batch, input]) holding step `t` of batch entry `b`.
    func inputRow(step t: Int, batch b: Int) -> Int { batchFirst ? b &* steps &+ t : t &* batch &+ b }

    /// Offset in Y of the hidden vector of step `t`, pass `p`, batch entry `b`.
    func outputOffset(step t: Int, pass p: Int, batch b: Int) -> Int {
        (batchFirst ? (b &* steps &+ t) &* passes &+ p : (t &* passes &+ p) &* batch &+ b) &* hidden
    }

    /// Offset in initial_h, initial_c, Y_h and Y_c of the state of pass `p`, batch entry `b`.
    func stateOffset(pass p: Int, batch b: Int) -> Int { (batchFirst ? b &* passes &+ p : p &* batch &+ b) &* hidden }

    /// Shape of Y.
    var outputShape: [Int] { batchFirst ? [batch, steps, passes, hidden] : [steps, passes, batch, hidden] }

    /// Shape of initial_h, initial_c, Y_h and Y_c.
    var stateShape: [Int] { batchFirst ? [batch, passes, hidden] : [passes, batch, hidden] }
}
