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

    /// Hₜ = f(x + recurrent).
    func simple(x: UnsafePointer<T>, recurrent: UnsafePointer<T>, state: UnsafeMutablePointer<T>) {
        let f = activations[0]
        for j in 0..<hidden { state[j] = f.apply(clamp(x[j] + recurrent[j])) }
    }

    /// i, o, f, c gates; updates the cell state `cell` in place and writes Hₜ to `state`.
    func lstm(x: UnsafePointer<T>, recurrent: UnsafePointer<T>, cell: UnsafeMutablePointer<T>, state: UnsafeMutablePointer<T>) {
        let (f, g, h) = (activations[0], activations[1], activations[2])
        let n = hidden
        for j in 0..<n {
            let previous = cell[j]
            var inputGate = x[j] + recurrent[j]
            var forgetGate = x[2 &* n &+ j] + recurrent[2 &* n &+ j]
            if let p = peepholes {
                inputGate += p[j] * previous
                forgetGate += p[2 &* n &+ j] * previous
            }
            let i = f.apply(clamp(inputGate))
            let forget = inputForget ? 1 - i : f.apply(clamp(forgetGate))
            let candidate = g.apply(clamp(x[3 &* n &+ j] + recurrent[3 &* n &+ j]))
            let next = forget * previous + i * candidate
            var outputGate = x[n &+ j] + recurrent[n &+ j]
            if let p = peepholes { outputGate += p[n &+ j] * next }
            cell[j] = next
            state[j] = f.apply(clamp(outputGate)) * h.apply(next)
        }
    }

    /// GRU with `linear_before_reset`: `recurrent` holds Hₜ₋₁·Rᵀ for all three gates, so
    /// hₜ = g(xh + r ⊙ (Hₜ₋₁·Rhᵀ + Rbh)) and Hₜ = hₜ + z ⊙ (Hₜ₋₁ − hₜ).
    func gruLinearBeforeReset(x: UnsafePointer<T>, recurrent: UnsafePointer<T>, previous: UnsafePointer<T>,
                              state: UnsafeMutablePointer<T>) {
        let (f, g) = (activations[0], activations[1])
        let n = hidden
        for j in 0..<n {
            let z = f.apply(clamp(x[j] + recurrent[j]))
            let r = f.apply(clamp(x[n &+ j] + recurrent[n &+ j]))
            let linear = recurrent[2 &* n &+ j] + (hiddenBias?[j] ?? 0)
            let candidate = g.apply(clamp(x[2 &* n &+ j] + r * linear))
            state[j] = candidate + z * (previous[j] - candidate)
        }
    }

    /// GRU, first half: `recurrent` holds Hₜ₋₁·[Rz; Rr]ᵀ; writes z to `update` and
    /// r ⊙ Hₜ₋₁ to `resetState` (which is then multiplied by Rhᵀ).
    func gruGates(x: UnsafePointer<T>, recurrent: UnsafePointer<T>, previous: UnsafePointer<T>,
                  update: UnsafeMutablePointer<T>, resetState: UnsafeMutablePointer<T>) {
        let f = activations[0]
        let n = hidden
        for j in 0..<n {
            update[j] = f.apply(clamp(x[j] + recurrent[j]))
            resetState[j] = f.apply(clamp(x[n &+ j] + recurrent[n &+ j])) * previous[j]
        }
    }

    /// GRU, second half: `candidateProduct` holds (r ⊙ Hₜ₋₁)·Rhᵀ; Hₜ = hₜ + z ⊙ (Hₜ₋₁ − hₜ).
    func gruOutput(x: UnsafePointer<T>, candidateProduct: UnsafePointer<T>, update: UnsafePointer<T>, previous: UnsafePointer<T>,
                   state: UnsafeMutablePointer<T>) {
        let g = activations[1]
        let n = hidden
        for j in 0..<n {
            let candidate = g.apply(clamp(x[2 &* n &+ j] + candidateProduct[j]))
            state[j] = candidate + update[j] * (previous[j] - candidate)
        }
    }
}
