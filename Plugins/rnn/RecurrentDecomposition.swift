import PlexusPluginKit

/// RNN, LSTM and GRU written with primitive ops (Gemm, MatMul, Add, Mul, Sub, the activations,
/// Split, Concat, Transpose, Where), run instead of the fused kernel while gradients are
/// recorded, so autograd back-propagates through time. One Gemm projects every step and
/// direction; per step there are only the recurrence's ops (`CellGraph`), on 2-D tensors so
/// their gradients are plain Gemms. Steps past a sequence's length are masked with Where.
struct RecurrentDecomposition {
    /// The checked call.
    let setup: RecurrentSetup
    /// The op's inputs, attributes, and the op calls autograd records.
    let call: Decomposition
    /// The element type.
    let dtype: DType

    /// Checks the call of `cell`.
    init(cell: RecurrentCell, call: Decomposition) throws {
        setup = try RecurrentSetup(cell: cell, inputs: call.inputs, attributes: call.attributes)
        self.call = call
        dtype = try call.input(RecurrentInput.x).dtype
    }

    /// Y, then Y_h and Y_c as far as they were asked for.
    func outputs() throws -> [KernelTensor] {
        let (steps, batch, hidden) = (setup.steps, setup.batch, setup.hidden)
        let biases = try biases()
        let projections = try projection(bias: biases.input)
        let masks = try stepMasks()
        let zero = try call.scalar(0, dtype)
        let initialHidden = try initialStates(RecurrentInput.initialHidden)
        let initialCell = setup.cell == .lstm ? try initialStates(RecurrentInput.initialCell) : nil
        var sequences: [KernelTensor] = [], finalHidden: [KernelTensor] = [], finalCell: [KernelTensor] = []
        for (pass, graph) in try cellGraphs(hiddenBiases: biases.hidden).enumerated() {
            let reversed = setup.direction.isReversed(pass: pass)
            var state = CellState(hidden: try initialHidden?[pass] ?? call.zeros(dtype, [batch, hidden]),
                                  cell: setup.cell == .lstm ? try initialCell?[pass] ?? call.zeros(dtype, [batch, hidden]) : nil)
            var outputs = [KernelTensor](repeating: zero, count: steps)
            for k in 0..<steps {
                let t = reversed ? steps - 1 - k : k
                var next = try graph.step(projections[pass][t], state)
                if let mask = masks[t] {
                    next.hidden = try call.call1("Where", [mask, next.hidden, state.hidden])
                    next.cell = try next.cell.map { try call.call1("Where", [mask, $0, state.cell!]) }
                    outputs[t] = try call.call1("Where", [mask, next.hidden, zero])
                } else {
                    outputs[t] = next.hidden
                }
                state = next
            }
            sequences.append(try call.reshape(try call.concat(outputs, axis: 0), [steps, 1, batch, hidden]))
            finalHidden.append(try finished(state.hidden, zero))
            if let cell = state.cell { finalCell.append(try finished(cell, zero)) }
        }
        let sequence = try call.concat(sequences, axis: 1)
        var results = [setup.batchFirst ? try call.transpose(sequence, [2, 0, 1, 3]) : sequence]
        for states in [finalHidden, finalCell].prefix(call.outputCount - 1) {
            let joined = try call.reshape(try call.concat(states, axis: 0), [setup.passes, batch, hidden])
            results.append(setup.batchFirst ? try call.transpose(joined, [1, 0, 2]) : joined)
        }
        return results
    }

    /// X·Wᵀ + folded biases with one Gemm, cut per direction and per step: [batch, gates·hidden] each.
    private func projection(bias: KernelTensor?) throws -> [[KernelTensor]] {
        let x = try call.input(RecurrentInput.x)
        let sequenceFirst = setup.batchFirst ? try call.transpose(x, [1, 0, 2]) : x
        let rows = try call.reshape(sequenceFirst, [setup.steps * setup.batch, setup.inputSize])
        let weights = try call.reshape(try call.input(RecurrentInput.weights), [setup.passes * setup.gateWidth, setup.inputSize])
        let projected = try call.call1("Gemm", [rows, weights, bias], [("transB", .int(1))])
        return try call.split(projected, axis: 1, parts: setup.passes).map { try call.split($0, axis: 0, parts: setup.steps) }
    }

    /// The biases from B, or nils without B: Wb + Rb of every direction folded into the
    /// projection ([passes·gates·hidden]), and for a GRU with linear_before_reset Rbh of each
    /// direction ([1, hidden]), which is left out of the fold (it goes inside the reset).
    private func biases() throws -> (input: KernelTensor?, hidden: [KernelTensor]?) {
        guard let bias = call.optionalInput(RecurrentInput.bias) else { return (nil, nil) }
        let (passes, width, hidden) = (setup.passes, setup.gateWidth, setup.hidden)
        let halves = try call.split(try call.reshape(bias, [passes, 2, width]), axis: 1, parts: 2)
        guard setup.linearBeforeReset else { return (try call.reshape(try call.add(halves[0], halves[1]), [passes * width]), nil) }
        let recurrent = try call.split(halves[1], axis: 2, sizes: [2 * hidden, hidden])
        let folded = try call.concat([recurrent[0], try call.zeros(dtype, [passes, 1, hidden])], axis: 2)
        let hiddenBiases = try call.split(recurrent[1], axis: 0, parts: passes).map { try call.reshape($0, [1, hidden]) }
        return (try call.reshape(try call.add(halves[0], folded), [passes * width]), hiddenBiases)
    }

    /// The step graph of each direction, with its slices of R, P and B.
    private func cellGraphs(hiddenBiases: [KernelTensor]?) throws -> [CellGraph] {
        let (hidden, width) = (setup.hidden, setup.gateWidth)
        let weights = try perPass(RecurrentInput.recurrentWeights)!
        let peepholes = try perPass(RecurrentInput.peepholes)
        let clipRange = try setup.clip.map { (try call.scalar(-$0, dtype), try call.scalar($0, dtype)) }
        // A GRU without linear_before_reset multiplies by Rh only after the reset: two blocks.
        let blockSizes = setup.cell == .gru && !setup.linearBeforeReset ? [2 * hidden, hidden] : [width]
        return try (0..<setup.passes).map { pass in
            let matrix = try call.reshape(weights[pass], [width, hidden])
            let blocks = try (blockSizes.count == 1 ? [matrix] : call.split(matrix, axis: 0, sizes: blockSizes)).map {
                try call.transpose($0, [1, 0])
            }
            return CellGraph(call: call, setup: setup, activations: setup.activations[pass], recurrentWeights: blocks[0],
                             candidateWeights: blocks.count > 1 ? blocks[1] : nil,
                             peepholes: try peepholes.map { try call.pieces($0[pass], axis: 1, count: 3, skipping: setup.inputForget ? 2 : nil) },
                             hiddenBias: hiddenBiases?[pass], clipRange: clipRange)
        }
    }

    /// Input `index` cut into its directions along axis 0, or nil when it was omitted.
    private func perPass(_ index: Int) throws -> [KernelTensor]? {
        try call.optionalInput(index).map { try call.split($0, axis: 0, parts: setup.passes) }
    }

    /// initial_h or initial_c of each direction as [batch, hidden], or nil when omitted.
    private func initialStates(_ index: Int) throws -> [KernelTensor]? {
        guard let states = call.optionalInput(index) else { return nil }
        let sequenceFirst = setup.batchFirst ? try call.transpose(states, [1, 0, 2]) : states
        return try call.split(sequenceFirst, axis: 0, parts: setup.passes).map { try call.reshape($0, [setup.batch, setup.hidden]) }
    }

    /// Per step, a [batch, 1] mask of the entries still inside their sequence; nil where all are.
    private func stepMasks() throws -> [KernelTensor?] {
        guard let lengths = setup.lengths else { return Array(repeating: nil, count: setup.steps) }
        return try (0..<setup.steps).map { t in
            guard lengths.contains(where: { t >= $0 }) else { return nil }
            return try mask { t < lengths[$0] }
        }
    }

    /// A [batch, 1] boolean tensor holding `active(b)`.
    private func mask(_ active: (Int) -> Bool) throws -> KernelTensor {
        let mask = try call.zeros(.bool, [setup.batch, 1])
        for b in 0..<setup.batch { mask.pointer(as: Bool.self)[b] = active(b) }
        return mask
    }

    /// A final state with zeros for entries whose sequence is empty (as onnxruntime gives).
    private func finished(_ state: KernelTensor, _ zero: KernelTensor) throws -> KernelTensor {
        guard let lengths = setup.lengths, lengths.contains(0) else { return state }
        return try call.call1("Where", [try mask { lengths[$0] > 0 }, state, zero])
    }
}
