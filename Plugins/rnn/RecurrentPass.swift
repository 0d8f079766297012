import PlexusPluginKit

/// One direction of the fused kernel: walks the steps in its order, multiplies the hidden
/// states by Rᵀ (RecurrentProduct), applies the gates in parallel over the batch, and writes
/// Y and the final states. Steps past a sequence's length keep the state and write zeros.
struct RecurrentPass<T: CPUFloat> {
    /// The checked call.
    let setup: RecurrentSetup
    /// Which direction (0, or 1 for the reverse half of a bidirectional op).
    let pass: Int
    /// X·Wᵀ + biases of every step and pass: [steps·batch, passes·gates·hidden].
    let projection: UnsafePointer<T>
    /// The pass's block of R: [gates·hidden, hidden].
    let recurrentWeights: UnsafePointer<T>
    /// initial_h and initial_c (whole tensors), when given.
    let initialHidden: UnsafePointer<T>?, initialCell: UnsafePointer<T>?
    /// The gate equations with the pass's activations and peepholes.
    let gates: GateMath<T>
    /// Y, and Y_h / Y_c when they were asked for.
    let output: UnsafeMutablePointer<T>, finalHidden: UnsafeMutablePointer<T>?, finalCell: UnsafeMutablePointer<T>?

    /// Runs the pass.
    func run() throws {
        let (batch, hidden, width) = (setup.batch, setup.hidden, setup.gateWidth)
        // A GRU without linear_before_reset needs r before it can multiply by Rh: two products per step.
        let splitsCandidate = setup.cell == .gru && !setup.linearBeforeReset
        let leading = splitsCandidate ? 2 * hidden : width
        let gateProduct = try RecurrentProduct(self, rows: 0..<leading)
        let candidateProduct = splitsCandidate ? try RecurrentProduct(self, rows: (2 * hidden)..<width) : nil
        var current = try state(from: initialHidden), next = try OwnedTensor.create(T.dtype, [batch, hidden])
        let cell = setup.cell == .lstm ? try state(from: initialCell) : nil
        let update = splitsCandidate ? try OwnedTensor.create(T.dtype, [batch, hidden]) : nil
        let resetState = splitsCandidate ? try OwnedTensor.create(T.dtype, [batch, hidden]) : nil
        let reversed = setup.direction.isReversed(pass: pass)
        try withExtendedLifetime((gateProduct, candidateProduct, cell, update, resetState)) {
            for k in 0..<setup.steps {
                let t = reversed ? setup.steps - 1 - k : k
                let product = try gateProduct.multiply(current)
                let previous = UnsafePointer(current.view.pointer(as: T.self)), states = next.view.pointer(as: T.self)
                if let update, let resetState, let candidateProduct {
                    let z = update.view.pointer(as: T.self), reset = resetState.view.pointer(as: T.self)
                    try withExtendedLifetime(product) {
                        let recurrent = UnsafePointer(product.view.pointer(as: T.self))
                        Host.parallelFor(batch, grain: grain) { rows in
                            for b in rows where setup.isActive(step: t, batch: b) {
                                gates.gruGates(x: input(step: t, batch: b), recurrent: recurrent + b &* leading, previous: previous + b &* hidden,
                                               update: z + b &* hidden, resetState: reset + b &* hidden)
                            }
                        }
                        let candidate = try candidateProduct.multiply(resetState)
                        withExtendedLifetime(candidate) {
                            let products = UnsafePointer(candidate.view.pointer(as: T.self))
                            forEachEntry(step: t, previous: previous, states: states) { b, x, row in
                                gates.gruOutput(x: x, candidateProduct: products + b &* hidden, update: z + b &* hidden,
                                                previous: previous + b &* hidden, state: row)
                            }
                        }
                    }
                } else {
                    withExtendedLifetime(product) {
                        let recurrent = UnsafePointer(product.view.pointer(as: T.self))
                        let cells = cell?.view.pointer(as: T.self)
                        forEachEntry(step: t, previous: previous, states: states) { b, x, row in
                            let r = recurrent + b &* width
                            switch setup.cell {
                            case .simple: gates.simple(x: x, recurrent: r, state: row)
                            case .lstm: gates.lstm(x: x, recurrent: r, cell: cells! + b &* hidden, state: row)
                            case .gru: gates.gruLinearBeforeReset(x: x, recurrent: r, previous: previous + b &* hidden, state: row)
                            }
                        }
                    }
                }
                swap(&current, &next)
            }
            storeFinal(current, into: finalHidden)
            if let cell { storeFinal(cell, into: finalCell) }
        }
    }

    /// Runs `body(b, projected input row, new state row)` for every batch entry active at step
    /// `t` (in parallel), then copies the new state into Y; inactive entries keep their state
    /// and get zeros in Y.
    private func forEachEntry(step t: Int, previous: UnsafePointer<T>, states: UnsafeMutablePointer<T>,
                              _ body: (Int, UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void) {
        let hidden = setup.hidden
        Host.parallelFor(setup.batch, grain: grain) { rows in
            for b in rows {
                let row = states + b &* hidden, y = output + setup.outputOffset(step: t, pass: pass, batch: b)
                if setup.isActive(step: t, batch: b) {
                    body(b, input(step: t, batch: b), row)
                    y.update(from: row, count: hidden)
                } else {
                    row.update(from: previous + b &* hidden, count: hidden)
                    y.update(repeating: 0, count: hidden)
                }
            }
        }
    }

    /// Batch entries per thread: enough gate elements (about 8k) to be worth a thread.
    private var grain: Int { max(1, 8192 / setup.gateWidth) }

    /// The projected input row of step `t`, batch entry `b`, for this pass.
    private func input(step t: Int, batch b: Int) -> UnsafePointer<T> {
        projection + (setup.inputRow(step: t, batch: b) &* setup.passes &+ pass) &* setup.gateWidth
    }

    /// Rows `rows` of the pass's R, transposed: [hidden, rows.count], ready for MatMul. Copied in
    /// 16 × 16 tiles so reads and writes both stay in cache (a column-at-a-time copy of a
    /// 1024 × 256 R took a quarter of a short LSTM's run).
    func transposed(rows: Range<Int>) throws -> OwnedTensor {
        let hidden = setup.hidden, columns = rows.count, tile = 16
        let result = try OwnedTensor.create(T.dtype, [hidden, columns])
        let target = result.view.pointer(as: T.self), source = recurrentWeights + rows.lowerBound &* hidden
        for column0 in stride(from: 0, to: columns, by: tile) {
            for j0 in stride(from: 0, to: hidden, by: tile) {
                // Writes along a target row; reads step by `hidden`, which (unlike a stride of
                // `columns`, often 4 KB) does not map every line of the tile to one cache set.
                for j in j0..<min(j0 + tile, hidden) {
                    for column in column0..<min(column0 + tile, columns) { target[j &* columns &+ column] = source[column &* hidden &+ j] }
                }
            }
        }
        return result
    }

    /// A [batch, hidden] state loaded from the pass's part of `initial` (zeros when absent).
    private func state(from initial: UnsafePointer<T>?) throws -> OwnedTensor {
        let result = try OwnedTensor.create(T.dtype, [setup.batch, setup.hidden])
        if let initial {
            let target = result.view.pointer(as: T.self)
            for b in 0..<setup.batch {
                (target + b &* setup.hidden).update(from: initial + setup.stateOffset(pass: pass, batch: b), count: setup.hidden)
            }
        }
        return result
    }

    /// Copies a final [batch, hidden] state into Y_h or Y_c; entries with an empty sequence get
    /// zeros (as onnxruntime gives).
    private func storeFinal(_ state: OwnedTensor, into target: UnsafeMutablePointer<T>?) {
        guard let target else { return }
        let source = state.view.pointer(as: T.self)
        for b in 0..<setup.batch {
            let row = target + setup.stateOffset(pass: pass, batch: b)
            if setup.lengths?[b] == 0 {
                row.update(repeating: 0, count: setup.hidden)
            } else {
                row.update(from: source + b &* setup.hidden, count: setup.hidden)
            }
        }
    }
}
