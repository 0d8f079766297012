import PlexusPluginKit

/// Immutable per-instance state of a layer: its checked constructor settings.
final class LayerSetting<Value> {
    let value: Value
    /// Wraps `value`.
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

    /// An integer attribute PyTorch accepts as an int or a tuple (`kernel_size=3` or `(3, 2)`):
    /// one value for every spatial dim or one per dim, each at least `minimum`.
    static func spatial(_ attributes: AttributeReader, _ name: String, rank: Int, minimum: Int, layer: String) throws -> [Int] {
        guard let values = try attributes.ints(name) else { throw PlexusError.invalid("\(layer) requires \(name)") }
        return try spread(values, name, rank: rank, minimum: minimum, layer: layer)
    }

    /// `values` (one, or one per spatial dim) as one value per dim, each at least `minimum`.
    static func spread<T: Comparable>(_ values: [T], _ name: String, rank: Int, minimum: T, layer: String) throws -> [T] {
        guard values.count == 1 || values.count == rank else {
            throw PlexusError.invalid("\(layer): \(name) needs 1 or \(rank) values, got \(values)")
        }
        guard values.allSatisfy({ $0 >= minimum }) else { throw PlexusError.invalid("\(layer): \(name) must be at least \(minimum), got \(values)") }
        return values.count == rank ? values : Array(repeating: values[0], count: rank)
    }

    /// PyTorch's default for convolution weights and biases, kaiming_uniform(a = √5):
    /// U(−1/√fan_in, 1/√fan_in) with fan_in = channels per group × kernel taps.
    static func fanInUniform(channels: Int, kernel: [Int]) -> ParameterInit {
        let fanIn = kernel.reduce(Double(channels)) { $0 * Double($1) }
        let bound = 1 / max(fanIn, 1).squareRoot()
        return .uniform(-bound, bound)
    }

    /// Throws unless `x` has one of `ranks` dims (the `layout` named in the message) and, when
    /// given, `channels` channels at dim 1.
    static func checkInput(_ x: KernelTensor, ranks: Set<Int>, channels: Int? = nil, layer: String, layout: String) throws {
        guard ranks.contains(x.rank) else { throw PlexusError.invalid("\(layer): input must be \(layout), got shape \(x.shape)") }
        if let channels, x.shape[1] != channels {
            throw PlexusError(.shapeMismatch, "\(layer): expected \(channels) channels, got input of shape \(x.shape)")
        }
    }
}
