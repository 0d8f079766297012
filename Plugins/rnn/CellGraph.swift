import PlexusPluginKit

/// The recurrent state carried between steps: H (and C for an LSTM), each [batch, hidden].
struct CellState {
    /// The hidden state.
    var hidden: KernelTensor
    /// The LSTM cell state.
    var cell: KernelTensor?
}

/// One step of a cell written with ops, for one direction: the decomposition's counterpart of
/// `GateMath`. Its inputs are the step's projected input (X·Wᵀ + folded biases, [batch,
/// gates·hidden], gates in ONNX order) and the previous state.
struct CellGraph {
    /// Records the ops.
    let call: Decomposition
    /// The checked call.
    let setup: RecurrentSetup
    /// The direction's activation functions.
    let activations: [GateActivation]
    /// Rᵀ of the direction, [hidden, gates·hidden] (a GRU without linear_before_reset: [Rz; Rr]ᵀ only).
    let recurrentWeights: KernelTensor
    /// A GRU without linear_before_reset: Rhᵀ, [hidden, hidden].
    let candidateWeights: KernelTensor?
    /// LSTM peepholes Pi, Po, Pf, each [1, hidden] (Pf nil with input_forget), or nil.
    let peepholes: [KernelTensor?]?
    /// A GRU with linear_before_reset: Rbh, [1, hidden], or nil.
    let hiddenBias: KernelTensor?
    /// The clip range as scalars, or nil.
    let clipRange: (KernelTensor, KernelTensor)?

    /// The state after one step.
    func step(_ x: KernelTensor, _ state: CellState) throws -> CellState {
        switch setup.cell {
        case .simple:
            return CellState(hidden: try activate(0, try call.add(x, try call.matMul(state.hidden, recurrentWeights))))
        case .lstm:
            return try lstm(x, state)
        case .gru:
            return CellState(hidden: try gru(x, state.hidden))
        }
    }

    /// activations[index] of `x`, clipped first when the op clips.
    private func activate(_ index: Int, _ x: KernelTensor) throws -> KernelTensor {
        let clipped = try clipRange.map { try call.call1("Clip", [x, $0.0, $0.1]) } ?? x
        return try call.call1(activations[index].rawValue, [clipped])
    }

    /// Cₜ = f ⊙ Cₜ₋₁ + i ⊙ c̃ and Hₜ = o ⊙ h(Cₜ), with peepholes when given.
    private func lstm(_ x: KernelTensor, _ state: CellState) throws -> CellState {
        let previous = state.cell!
        // With input_forget the forget gate's own rows are unused: f = 1 − i.
        let gates = try call.pieces(try call.add(x, try call.matMul(state.hidden, recurrentWeights)), axis: 1, count: 4,
                                    skipping: setup.inputForget ? 2 : nil)
        var inputGate = gates[0]!, outputGate = gates[1]!
        if let peepholes { inputGate = try call.add(inputGate, try call.mul(peepholes[0]!, previous)) }
        let i = try activate(0, inputGate)
        let forget: KernelTensor
        if let forgetGate = gates[2] {
            forget = try activate(0, try peepholes.map { try call.add(forgetGate, try call.mul($0[2]!, previous)) } ?? forgetGate)
        } else {
            forget = try call.sub(try call.scalar(1, x.dtype), i)
        }
        let cell = try call.add(try call.mul(forget, previous), try call.mul(i, try activate(1, gates[3]!)))
        if let peepholes { outputGate = try call.add(outputGate, try call.mul(peepholes[1]!, cell)) }
        return CellState(hidden: try call.mul(try activate(0, outputGate), try activate(2, cell)), cell: cell)
    }

    /// Hₜ = hₜ + z ⊙ (Hₜ₋₁ − hₜ), with the candidate hₜ computed before or after the reset.
    private func gru(_ x: KernelTensor, _ previous: KernelTensor) throws -> KernelTensor {
        let hidden = setup.hidden
        let inputs = try call.split(x, axis: 1, sizes: [2 * hidden, hidden])
        let recurrent = try call.matMul(previous, recurrentWeights)
        let gates: [KernelTensor], candidate: KernelTensor
        if let candidateWeights {
            gates = try call.split(try activate(0, try call.add(inputs[0], recurrent)), axis: 1, parts: 2)
            candidate = try activate(1, try call.add(inputs[1], try call.matMul(try call.mul(gates[1], previous), candidateWeights)))
        } else {
            let parts = try call.split(recurrent, axis: 1, sizes: [2 * hidden, hidden])
            gates = try call.split(try activate(0, try call.add(inputs[0], parts[0])), axis: 1, parts: 2)
            let linear = try hiddenBias.map { try call.add(parts[1], $0) } ?? parts[1]
            candidate = try activate(1, try call.add(inputs[1], try call.mul(gates[1], linear)))
        }
        return try call.add(candidate, try call.mul(gates[0], try call.sub(previous, candidate)))
    }
}
