import PlexusPluginKit

/// The gate equations of the three cells for one batch entry, as the fused kernel applies them
/// after the matrix products. `x` is the entry's projected input (X·Wᵀ + biases, gates in ONNX
/// order) and `recurrent` its Hₜ₋₁·Rᵀ; both are rows of gates × hidden elements.
struct GateMath<T: CPUFloat> {
    /// Hidden size.
    let hidden: Int
    /// The pass's activation functions (f; f, g; or f, g, h).
    let activations: [GateActivation]
    /// Pre-activations are clamped to ±bound (infinity when the op has no `clip`).
    let bound: T
    /// LSTM peepholes of the pass (Pi, Po, Pf), or nil.
    let peepholes: UnsafePointer<T>?
    /// LSTM `input_forget`.
    let inputForget: Bool
    /// GRU with `linear_before_reset`: the recurrent bias Rbh of the pass, or nil.
    let hiddenBias: UnsafePointer<T>?

    /// `value` limited to ±bound.
    @inline(__always) private func clamp(_ value: T) -> T { Swift.min(Swift.max(value, -bound), bound) }

    /// `count` pre-activations `first[j] + second[j]`, clamped, into `target`.
    @inline(__always) private func sum(_ first: UnsafePointer<T>, _ second: UnsafePointer<T>, into target: UnsafeMutablePointer<T>,
                                       count: Int) {
        for j in 0..<count { target[j] = clamp(first[j] + second[j]) }
    }

    /// Hₜ = f(x + recurrent).
    func simple(x: UnsafePointer<T>, recurrent: UnsafePointer<T>, state: UnsafeMutablePointer<T>) {
        sum(x, recurrent, into: state, count: hidden)
        activations[0].apply(state, count: hidden)
    }

    /// i, o, f, c gates; updates the cell state `cell` in place and writes Hₜ to `state`. Each
    /// activation runs over a whole gate row (`apply(_:count:)`, vectorised for float32), so the
    /// gates are staged in a scratch row per gate.
    func lstm(x: UnsafePointer<T>, recurrent: UnsafePointer<T>, cell: UnsafeMutablePointer<T>, state: UnsafeMutablePointer<T>) {
        let (f, g, h) = (activations[0], activations[1], activations[2])
        let n = hidden
        withUnsafeTemporaryAllocation(of: T.self, capacity: 4 * n) { scratch in
            let input = scratch.baseAddress!, forget = input + n, candidate = forget + n, output = candidate + n
            for j in 0..<n {
                var inputGate = x[j] + recurrent[j], forgetGate = x[2 &* n &+ j] + recurrent[2 &* n &+ j]
                if let p = peepholes {
                    inputGate += p[j] * cell[j]
                    forgetGate += p[2 &* n &+ j] * cell[j]
                }
                input[j] = clamp(inputGate)
                forget[j] = clamp(forgetGate)
            }
            sum(x + 3 &* n, recurrent + 3 &* n, into: candidate, count: n)
            f.apply(input, count: n)
            if inputForget {
                for j in 0..<n { forget[j] = 1 - input[j] }
            } else {
                f.apply(forget, count: n)
            }
            g.apply(candidate, count: n)
            for j in 0..<n {
                let next = forget[j] * cell[j] + input[j] * candidate[j]
                var outputGate = x[n &+ j] + recurrent[n &+ j]
                if let p = peepholes { outputGate += p[n &+ j] * next }
                cell[j] = next
                output[j] = clamp(outputGate)
                state[j] = next
            }
            f.apply(output, count: n)
            h.apply(state, count: n)
            for j in 0..<n { state[j] *= output[j] }
        }
    }

    /// GRU with `linear_before_reset`: `recurrent` holds Hₜ₋₁·Rᵀ for all three gates, so
    /// hₜ = g(xh + r ⊙ (Hₜ₋₁·Rhᵀ + Rbh)) and Hₜ = hₜ + z ⊙ (Hₜ₋₁ − hₜ).
    func gruLinearBeforeReset(x: UnsafePointer<T>, recurrent: UnsafePointer<T>, previous: UnsafePointer<T>,
                              state: UnsafeMutablePointer<T>) {
        let (f, g) = (activations[0], activations[1])
        let n = hidden
        withUnsafeTemporaryAllocation(of: T.self, capacity: 2 * n) { scratch in
            let update = scratch.baseAddress!, reset = update + n
            sum(x, recurrent, into: update, count: 2 * n)
            f.apply(update, count: 2 * n)
            for j in 0..<n { state[j] = clamp(x[2 &* n &+ j] + reset[j] * (recurrent[2 &* n &+ j] + (hiddenBias?[j] ?? 0))) }
            g.apply(state, count: n)
            for j in 0..<n { state[j] += update[j] * (previous[j] - state[j]) }
        }
    }

    /// GRU, first half: `recurrent` holds Hₜ₋₁·[Rz; Rr]ᵀ; writes z to `update` and
    /// r ⊙ Hₜ₋₁ to `resetState` (which is then multiplied by Rhᵀ).
    func gruGates(x: UnsafePointer<T>, recurrent: UnsafePointer<T>, previous: UnsafePointer<T>,
                  update: UnsafeMutablePointer<T>, resetState: UnsafeMutablePointer<T>) {
        let f = activations[0]
        let n = hidden
        sum(x, recurrent, into: update, count: n)
        sum(x + n, recurrent + n, into: resetState, count: n)
        f.apply(update, count: n)
        f.apply(resetState, count: n)
        for j in 0..<n { resetState[j] *= previous[j] }
    }

    /// GRU, second half: `candidateProduct` holds (r ⊙ Hₜ₋₁)·Rhᵀ; Hₜ = hₜ + z ⊙ (Hₜ₋₁ − hₜ).
    func gruOutput(x: UnsafePointer<T>, candidateProduct: UnsafePointer<T>, update: UnsafePointer<T>, previous: UnsafePointer<T>,
                   state: UnsafeMutablePointer<T>) {
        let n = hidden
        sum(x + 2 &* n, candidateProduct, into: state, count: n)
        activations[1].apply(state, count: n)
        for j in 0..<n { state[j] += update[j] * (previous[j] - state[j]) }
    }
}
