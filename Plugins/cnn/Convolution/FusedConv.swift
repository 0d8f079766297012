import PlexusPluginKit

/// `ai.plexus` FusedConv: a Conv whose output goes straight through an activation (Relu,
/// LeakyRelu with `alpha`, Clip with optional `min`/`max`, Sigmoid), applied in place while the
/// output is fresh. Sessions make it from Conv → activation pairs (GraphOptimizations); it is
/// not an ONNX op and is never exported.
enum FusedConv {
    static var definition: OpDefinition {
        OpDefinition("FusedConv", domain: "ai.plexus", since: 1, inputs: 2...3,
                     attributes: Conv.attributes + [AttributeDeclaration("activation", .string, default: .string("Relu")),
                                                    AttributeDeclaration("alpha", .float, default: .float(0.01)),
                                                    AttributeDeclaration("min", .float), AttributeDeclaration("max", .float)],
                     doc: "Conv followed by Relu, LeakyRelu, Clip or Sigmoid (made by session graph fusion)",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                     infer: ShapeInference.derived(needing: [0, 1]) { context, shapes in
                         try ConvolutionGeometry.convolution(input: shapes[0], weight: shapes[1], attributes: context.attributes,
                                                             op: "FusedConv").outputShape
                     },
                     compute: compute)
    }

    /// The activation and its constants.
    enum Activation {
        /// Relu is `clip(0, ∞)`.
        case leakyRelu(Double), clip(Double, Double), sigmoid

        init(_ attributes: AttributeReader) throws {
            switch try attributes.string("activation") ?? "Relu" {
            case "Relu": self = .clip(0, .infinity)
            case "LeakyRelu": self = .leakyRelu(try attributes.float("alpha") ?? 0.01)
            case "Clip": self = .clip(try attributes.float("min") ?? -.infinity, try attributes.float("max") ?? .infinity)
            case "Sigmoid": self = .sigmoid
            case let other: throw PlexusError.invalid("FusedConv: unknown activation '\(other)'")
            }
        }

        func apply<T: CPUFloat>(_ p: UnsafeMutablePointer<T>, count: Int) {
            switch self {
            case .leakyRelu(let alpha):
                let a = T(double: alpha)
                for i in 0..<count { p[i] = p[i] < 0 ? p[i] * a : p[i] }
            case .clip(let low, let high):
                let lo = T(double: low), hi = T(double: high)
                if T.self == Float.self {  // ReLU, ReLU6 and friends, eight lanes at a time (the scalar loop compiles to branches)
                    let floats = UnsafeMutableRawPointer(p), lower = Float(low), upper = Float(high)
                    var i = 0
                    while i + 8 <= count {
                        var lanes = floats.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        lanes.replace(with: lower, where: lanes .< lower)
                        lanes.replace(with: upper, where: lanes .> upper)
                        floats.storeBytes(of: lanes, toByteOffset: i * 4, as: SIMD8<Float>.self)
                        i += 8
                    }
                    while i < count { p[i] = p[i] < lo ? lo : (p[i] > hi ? hi : p[i]); i += 1 }
                } else {
                    for i in 0..<count { p[i] = p[i] < lo ? lo : (p[i] > hi ? hi : p[i]) }
                }
            case .sigmoid:
                for i in 0..<count { p[i] = 1 / (1 + T.exp(-p[i])) }
            }
        }
    }

    static func compute(_ context: KernelContext) throws {
        let activation = try Activation(context.attributes)
        guard let y = try Conv.forward(context, bridgeDomain: "ai.plexus") else { return }
        try TypeDispatch.float(y.dtype, op: context.op, Apply(activation: activation, y: y))
    }

    struct Apply: FloatBody {
        let activation: Activation, y: KernelTensor
        func run<T: CPUFloat>(_ type: T.Type) throws {
            let p = y.pointer(as: T.self), grain = 16_384
            Host.parallelFor(y.count, grain: grain) { range in
                activation.apply(p + range.lowerBound, count: range.count)
            }
        }
    }
}
