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

    override func update(_ index: Int, _ buffers: Buffers<Float>) { apply(index, buffers) }
    override func update(_ index: Int, _ buffers: Buffers<Double>) { apply(index, buffers) }

    @inline(__always)
    private func apply<T: BinaryFloatingPoint>(_ index: Int, _ buffers: Buffers<T>) {
        let first = !velocity.exists(index)  // PyTorch starts the buffer at the first gradient
        let buffer = momentum > 0 ? velocity(index, buffers) : nil
        let (lr, mu, damp, decay) = (T(learningRate), T(momentum), T(dampening), T(weightDecay))
        let values = buffers.values, gradient = buffers.gradient
        for i in 0..<buffers.count {
            var g = gradient[i] + decay * values[i]
            if let buffer {
                buffer[i] = first ? g : mu * buffer[i] + (1 - damp) * g
                g = nesterov ? g + mu * buffer[i] : buffer[i]
            }
            values[i] -= lr * g
        }
    }
}
