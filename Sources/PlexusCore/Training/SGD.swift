/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2
/// weight decay (PyTorch's `torch.optim.SGD`).
public final class SGD: Optimizer {
    /// Momentum factor, dampening, L2 weight decay and whether momentum is Nesterov's.
    public let momentum: Double, dampening: Double, weightDecay: Double, nesterov: Bool
    private let velocity = Slots()

    /// SGD over `parameters`; Nesterov needs momentum > 0 and no dampening.
    public init(_ parameters: [Tensor], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false) throws {
        guard momentum >= 0, weightDecay >= 0 else { throw PlexusError.invalid("momentum and weight decay must be >= 0") }
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw PlexusError.invalid("Nesterov momentum needs momentum > 0 and zero dampening")
        }
        (self.momentum, self.dampening, self.weightDecay, self.nesterov) = (momentum, dampening, weightDecay, nesterov)
        try super.init(parameters: parameters, learningRate: learningRate)
    }

    override func update(_ index: Int, _ values: UnsafeMutableBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>) {
        let first = !velocity.exists(index)  // PyTorch starts the buffer at the first gradient
        let buffer = momentum > 0 ? velocity(index, count: values.count) : nil
        for i in 0..<values.count {
            var g = gradient[i] + weightDecay * values[i]
            if let buffer {
                buffer[i] = first ? g : momentum * buffer[i] + (1 - dampening) * g
                g = nesterov ? g + momentum * buffer[i] : buffer[i]
            }
            values[i] -= learningRate * g
        }
    }
}
