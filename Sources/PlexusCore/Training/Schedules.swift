#if canImport(Glibc)
import Glibc
#endif

/// Learning-rate schedules: call `step()` once per epoch (or per iteration, as you choose);
/// each sets the optimizer's learning rate from the base rate and the step count, as
/// PyTorch's `StepLR`, `CosineAnnealingLR` and `LinearLR` warm-up do.
public final class LearningRateSchedule {
    /// How the rate depends on the step.
    public enum Kind: Sendable {
        /// base · gamma^(⌊step / stepSize⌋)
        case step(stepSize: Int, gamma: Double)
        /// minimum + (base − minimum)·(1 + cos(π·step/period))/2, constant after `period`
        case cosine(period: Int, minimum: Double)
        /// base · (startFactor + (1 − startFactor)·min(step, steps)/steps)
        case linearWarmup(steps: Int, startFactor: Double)
    }

    /// The optimizer whose rate it sets.
    public let optimizer: Optimizer
    /// The schedule.
    public let kind: Kind
    /// The optimizer's rate when the schedule was made.
    public let baseRate: Double
    /// Steps taken.
    public private(set) var stepCount = 0

    /// Starts `kind` on `optimizer` and sets its rate for step 0.
    public init(_ optimizer: Optimizer, _ kind: Kind) throws {
        switch kind {
        case .step(let size, _) where size <= 0, .cosine(let size, _) where size <= 0, .linearWarmup(let size, _) where size <= 0:
            throw PlexusError.invalid("schedule lengths must be positive")
        default: break
        }
        self.optimizer = optimizer
        self.kind = kind
        baseRate = optimizer.learningRate
        optimizer.learningRate = rate(at: 0)
    }

    /// The rate for step `step`.
    public func rate(at step: Int) -> Double {
        switch kind {
        case .step(let size, let gamma): return baseRate * pow(gamma, Double(step / size))
        case .cosine(let period, let minimum):
            let t = Double(min(step, period)) / Double(period)
            return minimum + (baseRate - minimum) * (1 + cos(.pi * t)) / 2
        case .linearWarmup(let steps, let start):
            return baseRate * (start + (1 - start) * Double(min(step, steps)) / Double(steps))
        }
    }

    /// Advances one step and updates the optimizer's rate.
    public func step() {
        stepCount += 1
        optimizer.learningRate = rate(at: stepCount)
    }
}

/// Scales all gradients down so their global L2 norm is at most `maxNorm` (PyTorch's
/// `clip_grad_norm_`); returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Double) throws -> Double {
    guard maxNorm > 0 else { throw PlexusError.invalid("maxNorm must be positive") }
    var total = 0.0
    for grad in parameters.compactMap(\.grad) {
        switch grad.dtype {
        case .float32:
            let p = grad.data.assumingMemoryBound(to: Float.self)
            for i in 0..<grad.count { total += Double(p[i]) * Double(p[i]) }
        case .float64:
            let p = grad.data.assumingMemoryBound(to: Double.self)
            for i in 0..<grad.count { total += p[i] * p[i] }
        default: throw PlexusError(.dtypeMismatch, "gradients must be float32 or float64")
        }
    }
    let norm = total.squareRoot()
    let scale = maxNorm / (norm + 1e-6)
    guard scale < 1 else { return norm }
    for grad in parameters.compactMap(\.grad) {
        if grad.dtype == .float32 {
            let p = grad.data.assumingMemoryBound(to: Float.self)
            for i in 0..<grad.count { p[i] *= Float(scale) }
        } else {
            let p = grad.data.assumingMemoryBound(to: Double.self)
            for i in 0..<grad.count { p[i] *= scale }
        }
    }
    return norm
}
