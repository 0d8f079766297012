/// Adam, and AdamW when `decoupled` (weight decay applied to the parameters directly rather
/// than added to the gradient), with bias correction (PyTorch's `Adam`/`AdamW`).
public final class Adam: Optimizer {
    public let beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double, decoupled: Bool
    private let first = Slots(), second = Slots()

    public init(_ parameters: [Tensor], learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0, decoupled: Bool = false) throws {
        guard (0..<1).contains(beta1), (0..<1).contains(beta2), epsilon >= 0, weightDecay >= 0 else {
            throw PlexusError.invalid("Adam needs betas in [0, 1) and non-negative eps and weight decay")
        }
        (self.beta1, self.beta2, self.epsilon, self.weightDecay, self.decoupled) = (beta1, beta2, epsilon, weightDecay, decoupled)
        try super.init(parameters: parameters, learningRate: learningRate)
    }

    override func update(_ index: Int, _ values: inout [Double], _ gradient: inout [Double]) {
        var m = first(index, count: values.count), v = second(index, count: values.count)
        let t = Double(stepCount)
        let correction1 = 1 - pow(beta1, t), correction2 = 1 - pow(beta2, t)
        for i in 0..<values.count {
            var g = gradient[i]
            if decoupled { values[i] *= 1 - learningRate * weightDecay } else { g += weightDecay * values[i] }
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            values[i] -= learningRate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
        }
        first.set(index, m)
        second.set(index, v)
    }
}

#if canImport(Glibc)
import Glibc
#endif
