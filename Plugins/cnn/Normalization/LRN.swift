import PlexusPluginKit

/// LRN (opset 13), local response normalisation across channels:
/// y = x / (bias + alpha/size · Σ x²)^beta, the sum running over channels
/// [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉]. Its decomposition computes that window sum as a
/// convolution of x² (viewed as [N, 1, C, positions]) with a column of ones, so autograd
/// differentiates it.
enum LRN: SingleOperatorFamily {
    /// The schema, kernel and decomposition.
    static var definition: OpDefinition {
        OpDefinition("LRN", since: 13, inputs: 1...1,
                     attributes: [AttributeDeclaration("alpha", .float, default: .float(1e-4)), AttributeDeclaration("beta", .float, default: .float(0.75)),
                                  AttributeDeclaration("bias", .float, default: .float(1)), .required("size", .int)],
                     doc: "local response normalisation across channels", supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                     infer: ShapeInference.sameAsInput, compute: compute)
            .decomposed(decompose)
    }

    /// The attributes, checked.
    struct Settings {
        let alpha: Double, beta: Double, bias: Double, size: Int

        /// Reads and checks the attributes for X of `shape`.
        init(_ attributes: AttributeReader, shape: [Int], op: String) throws {
            guard shape.count >= 2 else { throw PlexusError.invalid("\(op): X must be [N, C, ...], got shape \(shape)") }
            size = try attributes.int("size") ?? 0
            guard size >= 1 else { throw PlexusError.invalid("\(op): size must be positive, got \(size)") }
            alpha = try attributes.float("alpha") ?? 1e-4
            beta = try attributes.float("beta") ?? 0.75
            bias = try attributes.float("bias") ?? 1
        }

        /// Channels the window reaches before and after its centre.
        var reach: (before: Int, after: Int) { ((size - 1) / 2, size / 2) }
    }

    /// The kernel: checks the attributes, then runs the float body (or the half-precision bridge).
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0)
        let settings = try Settings(context.attributes, shape: x.shape, op: "LRN")
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context) }
        let y = try context.output(0, x.dtype, x.shape)
        try TypeDispatch.float(x.dtype, op: "LRN", Body(x: x, y: y, settings: settings))
    }

    /// Sums the squares over each channel window and divides.
    struct Body: FloatBody {
        let x: KernelTensor, y: KernelTensor, settings: Settings

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let channels = x.shape[1], planeSize = product(x.shape, 2..<x.rank), planes = x.shape[0] * channels
            let source = x.pointer(as: T.self), target = y.pointer(as: T.self), settings = self.settings
            let (before, after) = settings.reach
            let scale = T(settings.alpha / Double(settings.size)), bias = T(settings.bias), beta = T(settings.beta)
            Host.parallelFor(planes, grain: WorkGrain.items(cost: planeSize * min(settings.size, channels))) { range in
                for plane in range {
                    let channel = plane % channels, item = plane - channel
                    let window = max(0, channel - before)...min(channels - 1, channel + after)
                    let from = source + plane &* planeSize, to = target + plane &* planeSize
                    for i in 0..<planeSize {
                        var sum = T.zero
                        for other in window {
                            let value = source[(item &+ other) &* planeSize &+ i]
                            sum += value * value
                        }
                        to[i] = from[i] / T.pow(bias + scale * sum, beta)
                    }
                }
            }
        }
    }

    /// The forward with ops: window sums of x² by a [size × 1] convolution over the channel axis.
    static func decompose(_ call: Decomposition) throws -> [KernelTensor] {
        let x = try call.input(0)
        let settings = try Settings(call.attributes, shape: x.shape, op: "LRN")
        let positions = product(x.shape, 2..<x.rank)
        let squares = try call.reshape(try call.call1("Mul", [x, x]), [x.shape[0], 1, x.shape[1], positions])
        let ones = try Constants.tensor(call, Array(repeating: 1, count: settings.size), shape: [1, 1, settings.size, 1], dtype: x.dtype)
        let (before, after) = settings.reach
        let sums = try call.call1("Conv", [squares, ones], [("pads", .ints([before, 0, after, 0]))])
        let scaled = try call.call1("Add", [try call.call1("Mul", [try call.reshape(sums, x.shape), try call.scalar(settings.alpha / Double(settings.size), x.dtype)]),
                                            try call.scalar(settings.bias, x.dtype)])
        return [try call.call1("Div", [x, try call.call1("Pow", [scaled, try call.scalar(settings.beta, x.dtype)])])]
    }
}
