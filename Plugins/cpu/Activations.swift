import PlexusPluginKit

struct LeakyRectify: FloatMap {
    let alpha: Double
    func apply<T: CPUFloat>(_ x: T) -> T { x >= 0 ? x : T(alpha) * x }
}
struct ExponentialLinear: FloatMap {
    let alpha: Double
    func apply<T: CPUFloat>(_ x: T) -> T { x >= 0 ? x : T(alpha) * T.expm1(x) }
}
struct ScaledExponentialLinear: FloatMap {
    let alpha: Double, gamma: Double
    func apply<T: CPUFloat>(_ x: T) -> T { T(gamma) * (x > 0 ? x : T(alpha) * T.expm1(x)) }
}
struct GaussianErrorLinear: FloatMap {
    let tanhApproximation: Bool
    func apply<T: CPUFloat>(_ x: T) -> T {
        if tanhApproximation {
            let inner = T(0.7978845608028654) * (x + T(0.044715) * x * x * x)
            return T(0.5) * x * (1 + T.tanh(inner))
        }
        return T(0.5) * x * (1 + T.erf(x * T(0.7071067811865476)))
    }
}
struct SoftPlus: FloatMap {
    func apply<T: CPUFloat>(_ x: T) -> T { x > 0 ? x + T.log1p(T.exp(-x)) : T.log1p(T.exp(x)) }
}
struct HardLogistic: FloatMap {
    let alpha: Double, beta: Double
    // The value comes first in min/max: Swift's min(v, 1) and max(v, 0) return v when it is
    // NaN, so NaN propagates (min(1, NaN) would give 1).
    func apply<T: CPUFloat>(_ x: T) -> T { Swift.max(Swift.min(T(alpha) * x + T(beta), 1), 0) }
}
struct HardSwishMap: FloatMap {
    func apply<T: CPUFloat>(_ x: T) -> T { x * Swift.max(Swift.min(x / 6 + T(0.5), 1), 0) }
}

/// Activation functions with attributes, and Clip: elementwise maps that read element i before
/// writing it, so each may write into its input's memory (`inPlace(0)`; Clip's bounds are scalars).
enum Activations: OperatorFamily {
    static var definitions: [OpDefinition] {
        let floats = DTypes.first(DTypes.floats.union(DTypes.halfs))
        let same = Inference.sameAsInput()
        return [
            OpDefinition("LeakyRelu", since: 16, inputs: 1...1, attributes: [AttributeDeclaration("alpha", .float, default: .float(0.01))],
                         doc: "x if x >= 0 else alpha*x", supports: floats, infer: same, compute: { context in
                             try Maps.computeFloat(context, LeakyRectify(alpha: try context.attributes.float("alpha")!))
                         }).inPlace(0),
            OpDefinition("Elu", since: 6, inputs: 1...1, attributes: [AttributeDeclaration("alpha", .float, default: .float(1))],
                         doc: "x if x >= 0 else alpha*(e^x-1)", supports: floats, infer: same, compute: { context in
                             try Maps.computeFloat(context, ExponentialLinear(alpha: try context.attributes.float("alpha")!))
                         }).inPlace(0),
            OpDefinition("Selu", since: 6, inputs: 1...1,
                         attributes: [AttributeDeclaration("alpha", .float, default: .float(1.67326319217681884765625)),
                                      AttributeDeclaration("gamma", .float, default: .float(1.05070102214813232421875))],
                         doc: "scaled ELU", supports: floats, infer: same, compute: { context in
                             try Maps.computeFloat(context, ScaledExponentialLinear(alpha: try context.attributes.float("alpha")!,
                                                                                    gamma: try context.attributes.float("gamma")!))
                         }).inPlace(0),
            OpDefinition("Gelu", since: 20, inputs: 1...1, attributes: [AttributeDeclaration("approximate", .string, default: .string("none"))],
                         doc: "Gaussian error linear unit (exact, or the tanh approximation)", supports: floats, infer: same,
                         compute: { context in
                             let mode = try context.attributes.string("approximate") ?? "none"
                             guard mode == "none" || mode == "tanh" else {
                                 throw PlexusError.invalid("Gelu: approximate must be 'none' or 'tanh', got '\(mode)'")
                             }
                             try Maps.computeFloat(context, GaussianErrorLinear(tanhApproximation: mode == "tanh"))
                         }).decomposed(geluDecomposition).inPlace(0),
            OpDefinition("Softplus", since: 1, inputs: 1...1, doc: "log(1+e^x)", supports: floats, infer: same,
                         compute: { try Maps.computeFloat($0, SoftPlus()) }).inPlace(0),
            OpDefinition("HardSigmoid", since: 6, inputs: 1...1,
                         attributes: [AttributeDeclaration("alpha", .float, default: .float(0.2)),
                                      AttributeDeclaration("beta", .float, default: .float(0.5))],
                         doc: "max(0, min(1, alpha*x+beta))", supports: floats, infer: same, compute: { context in
                             try Maps.computeFloat(context, HardLogistic(alpha: try context.attributes.float("alpha")!,
                                                                         beta: try context.attributes.float("beta")!))
                         }).inPlace(0),
            OpDefinition("HardSwish", since: 14, inputs: 1...1, doc: "x*HardSigmoid(x; 1/6, 1/2)", supports: floats, infer: same,
                         compute: { try Maps.computeFloat($0, HardSwishMap()) }).inPlace(0),
            OpDefinition("Clip", since: 13, inputs: 1...3, doc: "clamp to [min, max] (optional inputs)",
                         supports: DTypes.first(DTypes.numeric), infer: same, compute: clip).inPlace(0),
        ]
    }

    /// Gelu with standard ops (what export writes below opset 20, where Gelu does not exist):
    /// x·(1 + erf(x/√2))/2, or x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2.
    static func geluDecomposition(_ d: Decomposition) throws -> [KernelTensor] {
        let x = try d.input(0), dtype = x.dtype
        let inner: KernelTensor
        if try d.attributes.string("approximate") == "tanh" {
            let cube = try d.call1("Mul", [try d.call1("Mul", [x, x]), x])
            let sum = try d.call1("Add", [x, try d.call1("Mul", [cube, try d.scalar(0.044715, dtype)])])
            inner = try d.call1("Tanh", [try d.call1("Mul", [sum, try d.scalar(0.7978845608028654, dtype)])])
        } else {
            inner = try d.call1("Erf", [try d.call1("Mul", [x, try d.scalar(0.7071067811865476, dtype)])])
        }
        let half = try d.call1("Mul", [x, try d.scalar(0.5, dtype)])
        return [try d.call1("Mul", [half, try d.call1("Add", [inner, try d.scalar(1, dtype)])])]
    }

    struct ClipBody: NumericBody {
        let input: KernelTensor, low: KernelTensor?, high: KernelTensor?, output: KernelTensor
        func run<T: CPUNumber>(_ type: T.Type) throws {
            // An absent bound is numeric_limits::lowest() / max() (the ONNX spec, and what
            // onnxruntime does): ±inf become ±FLT_MAX. NaN stays NaN.
            let lower = low.map { $0.pointer(as: T.self)[0] } ?? T.lowestFinite
            let upper = high.map { $0.pointer(as: T.self)[0] } ?? T.highestFinite
            Maps.map(UnsafePointer(input.pointer(as: T.self)), output.pointer(as: T.self), input.count) { x in
                var y = x
                if y < lower { y = lower }
                if y > upper { y = upper }
                return y
            }
        }
    }

    static func clip(_ context: KernelContext) throws {
        let input = try context.input(0)
        let low = context.optionalInput(1), high = context.optionalInput(2)
        _ = try requireSameDType([input, low, high], op: "Clip")
        for bound in [low, high].compactMap({ $0 }) where bound.count != 1 {
            throw PlexusError(.shapeMismatch, "Clip: min and max must be scalars, got shape \(bound.shape)")
        }
        let output = try context.output(0, input.dtype, input.shape)
        try TypeDispatch.numeric(input.dtype, op: "Clip", ClipBody(input: input, low: low, high: high, output: output))
    }
}
