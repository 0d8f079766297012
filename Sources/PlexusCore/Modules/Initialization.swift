/// How to fill a new parameter: the `PLX_INIT_*` kinds of the plugin ABI, plus the fan-based
/// schemes of Kaiming He and Xavier Glorot (as PyTorch's `torch.nn.init` defines them).
public enum Initialization: Sendable {
    case zeros
    case ones
    case constant(Double)
    case uniform(low: Double, high: Double)
    case normal(mean: Double, std: Double)
    /// U(-b, b) with b = gain·√(3/fan_in); gain √2 suits ReLU.
    case kaimingUniform(gain: Double = 2.0.squareRoot())
    /// N(0, gain/√fan_in).
    case kaimingNormal(gain: Double = 2.0.squareRoot())
    /// U(-b, b) with b = gain·√(6/(fan_in + fan_out)).
    case xavierUniform(gain: Double = 1)
    /// N(0, gain·√(2/(fan_in + fan_out))).
    case xavierNormal(gain: Double = 1)

    /// Builds the case for a `PLX_INIT_*` code and its numbers.
    static func fromABI(_ kind: Int32, _ a: Double, _ b: Double) throws -> Initialization {
        switch kind {
        case 0: return .zeros
        case 1: return .ones
        case 2: return .constant(a)
        case 3: return .uniform(low: a, high: b)
        case 4: return .normal(mean: a, std: b)
        default: throw PlexusError.invalid("unknown initialisation kind \(kind)")
        }
    }

    /// (fan_in, fan_out) of a weight: dims 0 and 1 are outputs and inputs; the rest are a
    /// receptive field (PyTorch's convention for Linear [out, in] and Conv [out, in, k...]).
    static func fans(_ shape: [Int]) -> (Double, Double) {
        guard shape.count >= 2 else { return (Double(shape.first ?? 1), Double(shape.first ?? 1)) }
        let field = shape.dropFirst(2).reduce(1, *)
        return (Double(shape[1] * field), Double(shape[0] * field))
    }

    /// Fills `tensor` (float32 or float64) using the process-wide generator.
    public func fill(_ tensor: Tensor) throws {
        let (fanIn, fanOut) = Initialization.fans(tensor.shape)
        let draw: () -> Double
        switch self {
        case .zeros: draw = { 0 }
        case .ones: draw = { 1 }
        case .constant(let value): draw = { value }
        case .uniform(let low, let high): draw = { RandomSource.uniform(low, high) }
        case .normal(let mean, let std): draw = { RandomSource.normal(mean: mean, std: std) }
        case .kaimingUniform(let gain):
            let bound = gain * (3 / max(fanIn, 1)).squareRoot()
            draw = { RandomSource.uniform(-bound, bound) }
        case .kaimingNormal(let gain):
            let std = gain / max(fanIn, 1).squareRoot()
            draw = { RandomSource.normal(std: std) }
        case .xavierUniform(let gain):
            let bound = gain * (6 / max(fanIn + fanOut, 1)).squareRoot()
            draw = { RandomSource.uniform(-bound, bound) }
        case .xavierNormal(let gain):
            let std = gain * (2 / max(fanIn + fanOut, 1)).squareRoot()
            draw = { RandomSource.normal(std: std) }
        }
        switch tensor.dtype {
        case .float32:
            let p = tensor.data.assumingMemoryBound(to: Float.self)
            for index in 0..<tensor.count { p[index] = Float(draw()) }
        case .float64:
            let p = tensor.data.assumingMemoryBound(to: Double.self)
            for index in 0..<tensor.count { p[index] = draw() }
        default:
            throw PlexusError(.dtypeMismatch, "parameters must be float32 or float64, got \(tensor.dtype)")
        }
    }
}
