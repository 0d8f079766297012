import PlexusPluginKit

/// `ai.plexus` FusedConv: `activation(Conv(X, W, B) + Z)`, the optional `Z` being a residual
/// input added before an optional activation (Relu, LeakyRelu with `alpha`, Clip with optional
/// `min`/`max`, Sigmoid, or `None`), applied in place while the output is fresh. Sessions make
/// it from Conv → Add → activation chains (this plugin's rewrites, ConvFusion); it is not an ONNX op and is never
/// exported. A Z that broadcasts to a larger shape than the convolution's is added as Add does.
/// With `packed_filters = 1`, W holds the filters as PackFilters wrote them (sessions pack
/// constant filters once), which only the packed GEMM paths read (panels and ShiftedConvolution).
enum FusedConv: SingleOperatorFamily {
    static var definition: OpDefinition {
        OpDefinition("FusedConv", domain: "ai.plexus", since: 1, inputs: 2...4,
                     attributes: Conv.attributes + [AttributeDeclaration("activation", .string, default: .string("Relu")),
                                                    AttributeDeclaration("alpha", .float, default: .float(0.01)),
                                                    AttributeDeclaration("min", .float), AttributeDeclaration("max", .float),
                                                    AttributeDeclaration("packed_filters", .int, default: .int(0))],
                     doc: "Conv, plus an optional residual Z, then Relu, LeakyRelu, Clip, Sigmoid or None (made by session graph fusion)",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                     infer: { context in
                         let needed = context.inputCount > 3 && context.input(3) != nil ? [0, 1, 3] : [0, 1]
                         try ShapeInference.derived(needing: needed) { context, shapes in
                             let convolved = try ConvolutionGeometry.convolution(input: shapes[0], weight: shapes[1],
                                                                                 attributes: context.attributes, op: "FusedConv").outputShape
                             return shapes.count > 2 ? try broadcastShape(convolved, shapes[2]) : convolved
                         }(context)
                     },
                     compute: compute)
    }

    /// The activation and its constants.
    enum Activation {
        /// Relu is `clip(0, ∞)`.
        case leakyRelu(Double), clip(Double, Double), sigmoid

        /// The activation the attributes name; nil for `None`.
        static func read(_ attributes: AttributeReader) throws -> Activation? {
            try attributes.string("activation") == "None" ? nil : Activation(attributes)
        }

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
        let activation = try Activation.read(context.attributes)
        let packed = try context.attributes.int("packed_filters") ?? 0
        guard packed == 0 || packed == 1 else { throw PlexusError.invalid("FusedConv: packed_filters must be 0 or 1, got \(packed)") }
        guard let z = context.optionalInput(3) else {
            return try Conv.forward(context, bridgeDomain: "ai.plexus", activation: activation, packedFilters: packed == 1)
        }
        let geometry = try ConvolutionGeometry.convolution(input: try context.input(0).shape, weight: try context.input(1).shape,
                                                           attributes: context.attributes, op: context.op)
        if z.shape == geometry.outputShape || HalfPrecisionBridge.applies(context) {
            return try Conv.forward(context, bridgeDomain: "ai.plexus", activation: activation, residual: z, packedFilters: packed == 1)
        }
        // Z broadcasts: convolve (reading W as it is laid out), add as the Add op does, then activate the sum.
        let convolved = try Host.call("FusedConv", domain: "ai.plexus", Array(context.inputs.prefix(3)),
                                      attributes: geometry.explicitAttributes + [("activation", .string("None")),
                                                                                 ("packed_filters", .int(packed))])[0]
        let sum = try Host.call("Add", [convolved.view, z])[0]
        let y = try context.output(0, sum.view.dtype, sum.view.shape)
        y.data.copyMemory(from: sum.view.data, byteCount: y.count * y.dtype.elementSize)
        try TypeDispatch.float(y.dtype, op: context.op, Finish(y: y, residual: nil, activation: activation))
    }

    /// The numpy broadcast of two shapes.
    static func broadcastShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let rank = max(a.count, b.count)
        let left = Array(repeating: 1, count: rank - a.count) + a, right = Array(repeating: 1, count: rank - b.count) + b
        return try zip(left, right).map { x, y in
            guard x == y || x == 1 || y == 1 else { throw PlexusError(.shapeMismatch, "FusedConv: Z of shape \(b) does not broadcast with the output \(a)") }
            return x == 1 ? y : x
        }
    }

    /// Adds `residual` (Y's shape) and applies the activation over a convolved Y, for the paths
    /// that do not finish tile by tile.
    struct Finish: FloatBody {
        let y: KernelTensor, residual: KernelTensor?, activation: Activation?
        func run<T: CPUFloat>(_ type: T.Type) throws {
            guard residual != nil || activation != nil else { return }
            let p = y.pointer(as: T.self), r = residual.map { UnsafePointer($0.pointer(as: T.self)) }, activation = self.activation
            Host.parallelFor(y.count, grain: 16_384) { range in
                if let r { for i in range { p[i] += r[i] } }
                activation?.apply(p + range.lowerBound, count: range.count)
            }
        }
    }
}
