/// Adam, and AdamW when `decoupled` (weight decay applied to the parameters directly rather
/// than added to the gradient), with bias correction (PyTorch's `Adam`/`AdamW`).
public final class Adam: Optimizer {
    /// Decay rates of the moment estimates, the denominator term, the weight decay, and
    /// whether it is decoupled (AdamW).
    public let beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double, decoupled: Bool
    private let first = Slots(), second = Slots()

    /// Adam over `parameters`; throws for betas outside [0, 1) or negative eps/decay.
    public init(_ parameters: [Tensor], learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0, decoupled: Bool = false) throws {
        guard (0..<1).contains(beta1), (0..<1).contains(beta2), epsilon >= 0, weightDecay >= 0 else {
            throw PlexusError.invalid("Adam needs betas in [0, 1) and non-negative eps and weight decay")
        }
        (self.beta1, self.beta2, self.epsilon, self.weightDecay, self.decoupled) = (beta1, beta2, epsilon, weightDecay, decoupled)
        try super.init(parameters: parameters, learningRate: learningRate)
    }

    override func update(_ index: Int, _ values: UnsafeMutableBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>) {
        let m = first(index, count: values.count), v = second(index, count: values.count)
        let t = Double(stepCount)
        // lr·m̂/(√v̂ + ε) with m̂ = m/c₁, v̂ = v/c₂, rearranged so the loop has one sqrt and one division.
        let step = learningRate / (1 - pow(beta1, t)), rootCorrection2 = (1 - pow(beta2, t)).squareRoot()
        let decay = decoupled ? 1 - learningRate * weightDecay : 1, coupledDecay = decoupled ? 0 : weightDecay
        // Four lanes at a time with explicit SIMD (the buffers may alias as far as the compiler
        // knows, so it would not vectorise the loop itself), then the tail.
        typealias V = SIMD4<Double>
        let vectorEnd = values.count & ~3
        let pm = UnsafeMutableRawPointer(m.baseAddress!), pv = UnsafeMutableRawPointer(v.baseAddress!)
        let px = UnsafeMutableRawPointer(values.baseAddress!), pg = UnsafeRawPointer(gradient.baseAddress!)
        for i in stride(from: 0, to: vectorEnd, by: 4) {
            let offset = i &* 8
            let x = px.loadUnaligned(fromByteOffset: offset, as: V.self)
            let g = pg.loadUnaligned(fromByteOffset: offset, as: V.self) + coupledDecay * x
            let mi = beta1 * pm.loadUnaligned(fromByteOffset: offset, as: V.self) + (1 - beta1) * g
            let vi = beta2 * pv.loadUnaligned(fromByteOffset: offset, as: V.self) + (1 - beta2) * g * g
            pm.storeBytes(of: mi, toByteOffset: offset, as: V.self)
            pv.storeBytes(of: vi, toByteOffset: offset, as: V.self)
            px.storeBytes(of: x * decay - step * mi / (vi.squareRoot() / rootCorrection2 + epsilon), toByteOffset: offset, as: V.self)
        }
        for i in vectorEnd..<values.count {
            let g = gradient[i] + coupledDecay * values[i]
            let mi = beta1 * m[i] + (1 - beta1) * g, vi = beta2 * v[i] + (1 - beta2) * g * g
            m[i] = mi
            v[i] = vi
            values[i] = values[i] * decay - step * mi / (vi.squareRoot() / rootCorrection2 + epsilon)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
