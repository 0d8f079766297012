/// Updates parameters from their gradients. Optimizers work in place on the parameters'
/// memory (float32 or float64), keep their per-parameter state in the parameter's dtype (as
/// PyTorch does), and follow PyTorch's update formulas so that hyperparameters carry over.
public class Optimizer {
    /// The parameters being optimised.
    public let parameters: [Tensor]
    /// The learning rate; schedulers change it between steps.
    public var learningRate: Double
    /// Steps taken so far.
    public private(set) var stepCount = 0

    init(parameters: [Tensor], learningRate: Double) throws {
        guard learningRate >= 0 else { throw PlexusError.invalid("learning rate must be >= 0, got \(learningRate)") }
        for parameter in parameters where parameter.dtype != .float32 && parameter.dtype != .float64 {
            throw PlexusError(.dtypeMismatch, "optimizers update float32 or float64 parameters, got \(parameter.dtype)")
        }
        self.parameters = parameters
        self.learningRate = learningRate
    }

    /// Applies one update to every parameter that has a gradient.
    public func step() throws {
        stepCount += 1
        for (index, parameter) in parameters.enumerated() {
            guard let grad = parameter.grad else { continue }
            guard grad.shape == parameter.shape, grad.dtype == parameter.dtype else {
                throw PlexusError(.shapeMismatch, "gradient \(grad.dtype)\(grad.shape) does not match parameter \(parameter.dtype)\(parameter.shape)")
            }
            if parameter.dtype == .float32 {
                update(index, Buffers<Float>(parameter, grad))
            } else {
                update(index, Buffers<Double>(parameter, grad))
            }
        }
    }

    /// Forgets every parameter's gradient.
    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }

    /// The rule for a float32 parameter (state in float32, as PyTorch keeps it).
    func update(_ index: Int, _ buffers: Buffers<Float>) {}
    /// The rule for a float64 parameter.
    func update(_ index: Int, _ buffers: Buffers<Double>) {}

    /// A parameter's elements (updated in place) and its gradient's, typed.
    struct Buffers<T: BinaryFloatingPoint> {
        let values: UnsafeMutablePointer<T>
        let gradient: UnsafePointer<T>
        let count: Int

        init(_ parameter: Tensor, _ grad: Tensor) {
            values = parameter.data.assumingMemoryBound(to: T.self)
            gradient = UnsafePointer(grad.data.assumingMemoryBound(to: T.self))
            count = parameter.count
        }
    }

    /// Per-parameter state buffers of the parameter's dtype, zero-filled on first use and updated in place.
    final class Slots {
        private var buffers: [Int: UnsafeMutableRawPointer] = [:]

        deinit { buffers.values.forEach { $0.deallocate() } }

        /// True when the buffer of parameter `index` exists (it has been updated before).
        func exists(_ index: Int) -> Bool { buffers[index] != nil }

        /// The buffer of parameter `index`, created zero-filled on first use.
        func callAsFunction<T: BinaryFloatingPoint>(_ index: Int, _ buffers: Buffers<T>) -> UnsafeMutablePointer<T> {
            if let buffer = self.buffers[index] { return buffer.assumingMemoryBound(to: T.self) }
            let buffer = UnsafeMutablePointer<T>.allocate(capacity: max(buffers.count, 1))
            buffer.initialize(repeating: 0, count: buffers.count)
            self.buffers[index] = UnsafeMutableRawPointer(buffer)
            return buffer
        }
    }

    /// An optimizer by name ("sgd", "adam", "adamw", "rmsprop") with PyTorch's option names:
    /// lr, momentum, dampening, nesterov, weight_decay, beta1, beta2, eps, alpha, centered.
    public static func named(_ name: String, parameters: [Tensor], options: Attributes = Attributes()) throws -> Optimizer {
        let allowed: [String: Set<String>] = [
            "sgd": ["lr", "momentum", "dampening", "nesterov", "weight_decay"],
            "adam": ["lr", "beta1", "beta2", "eps", "weight_decay"],
            "adamw": ["lr", "beta1", "beta2", "eps", "weight_decay"],
            "rmsprop": ["lr", "alpha", "eps", "weight_decay", "momentum", "centered"],
        ]
        guard let keys = allowed[name] else {
            throw PlexusError(.notFound, "unknown optimizer '\(name)' (known: sgd, adam, adamw, rmsprop)")
        }
        if let unknown = options.names.first(where: { !keys.contains($0) }) {
            throw PlexusError.invalid("\(name) has no option '\(unknown)' (it accepts: \(keys.sorted().joined(separator: ", ")))")
        }
        func number(_ key: String, _ fallback: Double) throws -> Double { try options.number(key, default: fallback, what: "optimizer option") }
        switch name {
        case "sgd":
            return try SGD(parameters, learningRate: try number("lr", 0.01), momentum: try number("momentum", 0),
                           dampening: try number("dampening", 0), weightDecay: try number("weight_decay", 0),
                           nesterov: try number("nesterov", 0) != 0)
        case "adam", "adamw":
            return try Adam(parameters, learningRate: try number("lr", 0.001), beta1: try number("beta1", 0.9),
                            beta2: try number("beta2", 0.999), epsilon: try number("eps", 1e-8),
                            weightDecay: try number("weight_decay", name == "adamw" ? 0.01 : 0), decoupled: name == "adamw")
        default:
            return try RMSprop(parameters, learningRate: try number("lr", 0.01), alpha: try number("alpha", 0.99),
                               epsilon: try number("eps", 1e-8), weightDecay: try number("weight_decay", 0),
                               momentum: try number("momentum", 0), centered: try number("centered", 0) != 0)
        }
    }
}
