import PlexusPluginKit

/// Immutable per-instance state of a layer: its checked constructor settings.
final class LayerSetting<Value> {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Helpers the layer types share: constructor attributes in PyTorch's style, parameter dtype
/// and initialisation, input checks.
enum LayerSupport {
    /// The `dtype` constructor attribute (float32 by default; float64 for gradient checks).
    static var dtypeAttribute: AttributeDeclaration { AttributeDeclaration("dtype", .int, default: .int(Int(DType.float32.rawValue))) }

    /// The parameter dtype chosen by the `dtype` attribute: float32 or float64.
    static func dtype(_ attributes: AttributeReader, layer: String) throws -> DType {
        guard let code = try attributes.int("dtype"), let dtype = DType(rawValue: Int32(code)), dtype == .float32 || dtype == .float64 else {
            throw PlexusError.invalid("\(layer): dtype must be float32 (1) or float64 (11)")
        }
        return dtype
    }

    /// An integer size attribute PyTorch writes as an int or tuple, repeated over `rank` dims
    /// and checked against `minimum`.
    static func spatial(_ attributes: AttributeReader, _ name: String, rank: Int, minimum: Int, layer: String) throws -> [Int] {
        guard let value = try attributes.int(name) else { throw PlexusError.invalid("\(layer) requires \(name)") }
        guard value >= minimum else { throw PlexusError.invalid("\(layer): \(name) must be at least \(minimum), got \(value)") }
        return Array(repeating: value, count: rank)
    }

    /// PyTorch's default for convolution weights and biases, kaiming_uniform(a = √5):
    /// U(−1/√fan_in, 1/√fan_in).
    static func fanInUniform(_ fanIn: Int) -> ParameterInit {
        let bound = 1 / Double(max(fanIn, 1)).squareRoot()
        return .uniform(-bound, bound)
    }

    /// Throws unless `x` has `rank` dims and `channels` channels at dim 1.
    static func checkInput(_ x: KernelTensor, rank: Int, channels: Int?, layer: String, layout: String) throws {
        guard x.rank == rank else { throw PlexusError.invalid("\(layer): input must be \(layout), got shape \(x.shape)") }
        if let channels, x.shape[1] != channels {
            throw PlexusError(.shapeMismatch, "\(layer): expected \(channels) channels, got input of shape \(x.shape)")
        }
    }
}
