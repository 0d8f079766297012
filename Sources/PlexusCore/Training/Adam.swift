#if canImport(Glibc)
import Glibc
#endif

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

    override func update(_ index: Int, _ buffers: Buffers<Float>) { apply(index, buffers, SIMD8<Float>.self) }
    override func update(_ index: Int, _ buffers: Buffers<Double>) { apply(index, buffers, SIMD4<Double>.self) }

    /// The update with lanes of `V` (explicit SIMD: the buffers may alias as far as the compiler
    /// knows, so it would not vectorise the loop itself), then a scalar tail.
    @inline(__always)
    private func apply<T: BinaryFloatingPoint & SIMDScalar, V: SIMD>(_ index: Int, _ buffers: Buffers<T>, _ lanes: V.Type)
        where V.Scalar == T, V: FloatingPointVector {
        let m = first(index, buffers), v = second(index, buffers)
        let t = Double(stepCount)
        // lr·m̂/(√v̂ + ε) with m̂ = m/c₁, v̂ = v/c₂, rearranged so each element costs one sqrt and one division.
        let step = T(learningRate / (1 - pow(beta1, t))), rootCorrection2 = T((1 - pow(beta2, t)).squareRoot())
        let decay = T(decoupled ? 1 - learningRate * weightDecay : 1), coupledDecay = T(decoupled ? 0 : weightDecay)
        let (b1, b2, eps) = (T(beta1), T(beta2), T(epsilon))
        let width = V.scalarCount, size = MemoryLayout<T>.stride
        let vectorEnd = buffers.count - buffers.count % width
        let pm = UnsafeMutableRawPointer(m), pv = UnsafeMutableRawPointer(v)
        let px = UnsafeMutableRawPointer(buffers.values), pg = UnsafeRawPointer(buffers.gradient)
        for i in stride(from: 0, to: vectorEnd, by: width) {
            let offset = i &* size
            let x = px.loadUnaligned(fromByteOffset: offset, as: V.self)
            let g = pg.loadUnaligned(fromByteOffset: offset, as: V.self) + coupledDecay * x
            let mi = b1 * pm.loadUnaligned(fromByteOffset: offset, as: V.self) + (1 - b1) * g
            let vi = b2 * pv.loadUnaligned(fromByteOffset: offset, as: V.self) + (1 - b2) * g * g
            pm.storeBytes(of: mi, toByteOffset: offset, as: V.self)
            pv.storeBytes(of: vi, toByteOffset: offset, as: V.self)
            px.storeBytes(of: x * decay - step * mi / (vi.squareRoot() / rootCorrection2 + eps), toByteOffset: offset, as: V.self)
        }
        let values = buffers.values, gradient = buffers.gradient
        for i in vectorEnd..<buffers.count {
            let g = gradient[i] + coupledDecay * values[i]
            let mi = b1 * m[i] + (1 - b1) * g, vi = b2 * v[i] + (1 - b2) * g * g
            m[i] = mi
            v[i] = vi
            values[i] = values[i] * decay - step * mi / (vi.squareRoot() / rootCorrection2 + eps)
        }
    }
}

/// SIMD vectors with the float operations the optimizers use.
protocol FloatingPointVector: SIMD where Scalar: BinaryFloatingPoint {
    func squareRoot() -> Self
    static func + (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Scalar, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Scalar) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Scalar) -> Self
    static func + (lhs: Self, rhs: Scalar) -> Self
}

extension SIMD8: FloatingPointVector where Scalar: BinaryFloatingPoint {}
extension SIMD4: FloatingPointVector where Scalar: BinaryFloatingPoint {}
