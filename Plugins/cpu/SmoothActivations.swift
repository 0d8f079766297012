import PlexusPluginKit

/// Celu: max(0, x) + min(0, α(e^(x/α) - 1)).
struct ContinuousExponentialLinear: FloatMap {
    let alpha: Double
    // The value first in max/min, so that NaN propagates (Swift's max(0, NaN) is 0).
    func apply<T: CPUFloat>(_ x: T) -> T { Swift.max(x, 0) + Swift.min(T(alpha) * T.expm1(x / T(alpha)), 0) }
}
/// Softsign: x/(1+|x|).
struct SoftSign: FloatMap {
    func apply<T: CPUFloat>(_ x: T) -> T { x / (1 + Swift.abs(x)) }
}
/// Mish: x·tanh(softplus(x)).
struct SelfRegularizedTanh: FloatMap {
    func apply<T: CPUFloat>(_ x: T) -> T { x * T.tanh(SoftPlus().apply(x)) }
}
/// Swish: x·sigmoid(αx).
struct SigmoidWeighted: FloatMap {
    let alpha: Double
    func apply<T: CPUFloat>(_ x: T) -> T { x * Logistic().apply(T(alpha) * x) }
}

/// Smooth activation functions: Celu, Softsign, Mish and Swish.
enum SmoothActivations: OperatorFamily {
    /// The schemas and kernels of the four activations.
    static var definitions: [OpDefinition] {
        let floats = DTypes.first(DTypes.floats.union(DTypes.halfs))
        let same = Inference.sameAsInput()
        return [
            OpDefinition("Celu", since: 28, inputs: 1...1, attributes: [AttributeDeclaration("alpha", .float, default: .float(1))],
                         doc: "max(0, x) + min(0, alpha*(e^(x/alpha) - 1))", supports: floats, infer: same, compute: { context in
                             let alpha = try context.attributes.float("alpha") ?? 1
                             guard alpha != 0 else { throw PlexusError.invalid("Celu: alpha must not be 0") }
                             try Maps.computeFloat(context, ContinuousExponentialLinear(alpha: alpha))
                         }),
            Maps.float("Softsign", since: 22, SoftSign(), doc: "x/(1+|x|)"),
            Maps.float("Mish", since: 22, SelfRegularizedTanh(), doc: "x*tanh(softplus(x))"),
            OpDefinition("Swish", since: 24, inputs: 1...1, attributes: [AttributeDeclaration("alpha", .float, default: .float(1))],
                         doc: "x*sigmoid(alpha*x)", supports: floats, infer: same, compute: { context in
                             try Maps.computeFloat(context, SigmoidWeighted(alpha: try context.attributes.float("alpha") ?? 1))
                         }),
        ]
    }
}
