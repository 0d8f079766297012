/// RMSprop with optional momentum and centring (PyTorch's `torch.optim.RMSprop`).
public final class RMSprop: Optimizer {
    /// Smoothing constant, denominator term, weight decay, momentum and centring.
    public let alpha: Double, epsilon: Double, weightDecay: Double, momentum: Double, centered: Bool
    private let square = Slots(), average = Slots(), velocity = Slots()

    /// RMSprop over `parameters`; throws for negative options.
    public init(_ parameters: [Tensor], learningRate: Double = 0.01, alpha: Double = 0.99, epsilon: Double = 1e-8,
                weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false) throws {
        guard alpha >= 0, epsilon >= 0, weightDecay >= 0, momentum >= 0 else {
            throw PlexusError.invalid("RMSprop options must be non-negative")
        }
        (self.alpha, self.epsilon, self.weightDecay, self.momentum, self.centered) = (alpha, epsilon, weightDecay, momentum, centered)
        try super.init(parameters: parameters, learningRate: learningRate)
    }

    override func update(_ index: Int, _ buffers: Buffers<Float>) { apply(index, buffers) }
    override func update(_ index: Int, _ buffers: Buffers<Double>) { apply(index, buffers) }

    @inline(__always)
    private func apply<T: BinaryFloatingPoint>(_ index: Int, _ buffers: Buffers<T>) {
        let s = square(index, buffers)
        let a = centered ? average(index, buffers) : nil, b = momentum > 0 ? velocity(index, buffers) : nil
        let (lr, rho, eps, decay, mu) = (T(learningRate), T(alpha), T(epsilon), T(weightDecay), T(momentum))
        let values = buffers.values, gradient = buffers.gradient
        for i in 0..<buffers.count {
            let g = gradient[i] + decay * values[i]
            s[i] = rho * s[i] + (1 - rho) * g * g
            var denominator = s[i]
            if let a {
                a[i] = rho * a[i] + (1 - rho) * g
                denominator -= a[i] * a[i]
            }
            denominator = denominator.squareRoot() + eps
            if let b {
                b[i] = mu * b[i] + g / denominator
                values[i] -= lr * b[i]
            } else {
                values[i] -= lr * g / denominator
            }
        }
    }
}
