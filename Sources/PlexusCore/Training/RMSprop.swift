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

    override func update(_ index: Int, _ values: UnsafeMutableBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>) {
        let s = square(index, count: values.count), a = average(index, count: values.count), b = velocity(index, count: values.count)
        for i in 0..<values.count {
            let g = gradient[i] + weightDecay * values[i]
            s[i] = alpha * s[i] + (1 - alpha) * g * g
            var denominator = s[i]
            if centered {
                a[i] = alpha * a[i] + (1 - alpha) * g
                denominator -= a[i] * a[i]
            }
            denominator = denominator.squareRoot() + epsilon
            if momentum > 0 {
                b[i] = momentum * b[i] + g / denominator
                values[i] -= learningRate * b[i]
            } else {
                values[i] -= learningRate * g / denominator
            }
        }
    }
}
