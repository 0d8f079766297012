import PlexusPluginKit

/// InstanceNormalization (opset 6): each (item, channel) plane of X [N, C, spatial...] is
/// normalised with its own mean and biased variance, then scaled and shifted per channel.
enum InstanceNormalization: SingleOperatorFamily {
    /// The schema, kernel and gradient rule.
    static var definition: OpDefinition {
        OpDefinition("InstanceNormalization", since: 6, inputs: 3...3, attributes: [AttributeDeclaration("epsilon", .float, default: .float(1e-5))],
                     doc: "normalise each channel plane of each item, then scale and shift",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), infer: ShapeInference.sameAsInput,
                     gradient: { g in
                         guard let d = g.upstream else { return }
                         let rank = try g.input(0).rank
                         try NormalizationGradient.apply(g, upstream: d, axes: Array(2..<rank), epsilon: try g.attributes.float("epsilon") ?? 1e-5)
                     },
                     compute: compute)
    }

    /// The kernel: checks shapes and dtypes, then runs the float body (or the half-precision bridge).
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0), scale = try context.input(1), shift = try context.input(2)
        guard x.rank >= 3 else { throw PlexusError.invalid("InstanceNormalization: X must be [N, C, spatial...], got shape \(x.shape)") }
        for (name, parameter) in [("scale", scale), ("B", shift)] where parameter.shape != [x.shape[1]] {
            throw PlexusError(.shapeMismatch, "InstanceNormalization: \(name) must have shape [\(x.shape[1])], got \(parameter.shape)")
        }
        try BatchNormalization.checkParameterTypes(x, [scale, shift], op: "InstanceNormalization")
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context) }
        let y = try context.output(0, x.dtype, x.shape)
        try TypeDispatch.float(x.dtype, op: "InstanceNormalization",
                               Body(x: x, scale: scale, shift: shift, y: y, epsilon: try context.attributes.float("epsilon") ?? 1e-5))
    }

    /// Normalises each plane with its own statistics, then applies the channel's scale and shift.
    struct Body: FloatBody {
        let x: KernelTensor, scale: KernelTensor, shift: KernelTensor, y: KernelTensor, epsilon: Double

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let batch = x.shape[0], channels = x.shape[1], planeSize = product(x.shape, 2..<x.rank), planes = batch * channels
            let statistics = ChannelStatistics(x.pointer(as: T.self), batch: batch, channels: channels, planeSize: planeSize, acrossBatch: false)
            let gamma = scale.pointer(as: T.self), beta = shift.pointer(as: T.self)
            let a = (0..<planes).map { gamma[$0 % channels].double / (statistics.variances[$0] + epsilon).squareRoot() }
            let b = (0..<planes).map { beta[$0 % channels].double - statistics.means[$0] * a[$0] }
            ChannelStatistics.applyAffine(x.pointer(as: T.self), y.pointer(as: T.self), a: a, b: b, planes: planes, channels: channels,
                                          planeSize: planeSize, perPlane: true)
        }
    }
}
