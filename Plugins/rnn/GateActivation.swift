import CPlexusCPUKernels
import PlexusPluginKit

/// An activation function named in a recurrent op's `activations` attribute. The names are
/// ONNX's (case-sensitive, as in onnxruntime) and equal the ops the decomposition calls.
enum GateActivation: String {
    case relu = "Relu"
    case tanh = "Tanh"
    case sigmoid = "Sigmoid"

    /// The ONNX activation names this plugin does not implement (they take alpha/beta).
    static let unsupported: Set<String> = ["Affine", "LeakyRelu", "ThresholdedRelu", "ScaledTanh", "HardSigmoid", "Elu",
                                           "Softsign", "Softplus"]

    /// Parses one name, with a message naming what is supported.
    static func parse(_ name: String, op: String) throws -> GateActivation {
        if let activation = GateActivation(rawValue: name) { return activation }
        if unsupported.contains(name) {
            throw PlexusError(.unsupported, "\(op): activation '\(name)' is not supported (supported: Relu, Tanh, Sigmoid)")
        }
        throw PlexusError.invalid("\(op): unknown activation '\(name)' (supported: Relu, Tanh, Sigmoid)")
    }

    /// The function applied to one element (the fused kernel's version of the op).
    @inline(__always)
    func apply<T: CPUFloat>(_ x: T) -> T {
        switch self {
        case .relu: return x > 0 ? x : 0
        case .tanh: return T.tanh(x)
        case .sigmoid: return 1 / (1 + T.exp(-x))
        }
    }

    /// Applies the function to `count` values in place: float32 Sigmoid and Tanh through the
    /// vectorised kernels (within a few ulp of `apply`'s libm results), everything else element
    /// by element.
    func apply<T: CPUFloat>(_ values: UnsafeMutablePointer<T>, count: Int) {
        if T.self == Float.self, self != .relu {
            let floats = UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self)
            if self == .tanh { plx_cpu_tanh(floats, floats, count) } else { plx_cpu_sigmoid(floats, floats, count) }
            return
        }
        for j in 0..<count { values[j] = apply(values[j]) }
    }
}
