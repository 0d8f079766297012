import PlexusPluginKit

/// BatchNormalization (opset 15). Inference mode normalises X [N, C, ...] with the given
/// statistics; training mode (training_mode = 1) uses the batch's mean and biased variance and
/// may also output the running statistics, input·momentum + batch·(1 − momentum).
enum BatchNormalization: SingleOperatorFamily {
    /// The schema, kernel and gradient rule.
    static var definition: OpDefinition {
        OpDefinition("BatchNormalization", since: 15, inputs: 5...5, outputs: 1...3,
                     attributes: [AttributeDeclaration("epsilon", .float, default: .float(1e-5)),
                                  AttributeDeclaration("momentum", .float, default: .float(0.9)),
                                  AttributeDeclaration("training_mode", .int, default: .int(0))],
                     doc: "normalise each channel with batch or running statistics, then scale and shift",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                     infer: { context in
                         guard let x = context.input(0) else { throw PlexusError.invalid("BatchNormalization needs X") }
                         try context.setOutput(0, x.dtype, x.shape)
                         for index in 1..<context.outputCount {
                             try context.setOutput(index, context.input(index + 2)?.dtype ?? x.dtype, context.input(index + 2)?.shape)
                         }
                     },
                     gradient: gradient, compute: compute)
    }

    /// The kernel: checks shapes, dtypes and mode, then runs the float body (or the half-precision bridge).
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0), parameters = try (1...4).map { try context.input($0) }
        guard x.rank >= 2 else { throw PlexusError.invalid("BatchNormalization: X must be [N, C, ...], got shape \(x.shape)") }
        for (name, parameter) in zip(["scale", "B", "input_mean", "input_var"], parameters) where parameter.shape != [x.shape[1]] {
            throw PlexusError(.shapeMismatch, "BatchNormalization: \(name) must have shape [\(x.shape[1])], got \(parameter.shape)")
        }
        try checkParameterTypes(x, parameters, op: "BatchNormalization")
        let training = try context.attributes.int("training_mode") ?? 0
        guard training == 0 || training == 1 else { throw PlexusError.invalid("BatchNormalization: training_mode must be 0 or 1, got \(training)") }
        guard training == 1 || context.outputCount == 1 else {
            throw PlexusError.invalid("BatchNormalization: running_mean and running_var are outputs of training mode only")
        }
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context) }
        let y = try context.output(0, x.dtype, x.shape)
        let running = try (1..<context.outputCount).map { try context.output($0, x.dtype, [x.shape[1]]) }
        try TypeDispatch.float(x.dtype, op: "BatchNormalization",
                               Body(x: x, parameters: parameters, y: y, running: running, training: training == 1,
                                    epsilon: try context.attributes.float("epsilon") ?? 1e-5,
                                    momentum: try context.attributes.float("momentum") ?? 0.9))
    }

    /// Per-channel parameters must share X's dtype (float32 is also accepted beside half X).
    static func checkParameterTypes(_ x: KernelTensor, _ parameters: [KernelTensor], op: String) throws {
        for parameter in parameters where parameter.dtype != x.dtype && !(HalfPrecision.isHalf(x.dtype) && parameter.dtype == .float32) {
            throw PlexusError(.dtypeMismatch, "\(op): parameters must have X's dtype \(x.dtype), got \(parameter.dtype)")
        }
    }

    /// Normalises with the given or the batch statistics and writes the running statistics asked for.
    struct Body: FloatBody {
        let x: KernelTensor, parameters: [KernelTensor], y: KernelTensor, running: [KernelTensor]
        let training: Bool, epsilon: Double, momentum: Double

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let batch = x.shape[0], channels = x.shape[1], planeSize = product(x.shape, 2..<x.rank)
            let values = parameters.map { p in (0..<channels).map { p.pointer(as: T.self)[$0].double } }
            let (scale, shift, inputMean, inputVariance) = (values[0], values[1], values[2], values[3])
            var mean = inputMean, variance = inputVariance
            if training {
                let statistics = ChannelStatistics(x.pointer(as: T.self), batch: batch, channels: channels, planeSize: planeSize, acrossBatch: true)
                (mean, variance) = (statistics.means, statistics.variances)
            }
            let a = (0..<channels).map { scale[$0] / (variance[$0] + epsilon).squareRoot() }
            let b = (0..<channels).map { shift[$0] - mean[$0] * a[$0] }
            ChannelStatistics.applyAffine(x.pointer(as: T.self), y.pointer(as: T.self), a: a, b: b, planes: batch * channels,
                                          channels: channels, planeSize: planeSize, perPlane: false)
            for (output, (given, batchValue)) in zip(running, [(inputMean, mean), (inputVariance, variance)]) {
                let target = output.pointer(as: T.self)
                for c in 0..<channels { target[c] = T(given[c] * momentum + batchValue[c] * (1 - momentum)) }
            }
        }
    }

    /// Training mode: the statistics depend on X (NormalizationGradient). Inference mode:
    /// y = (x − mean)·a + B with a = scale/√(var + ε), so dX = dY·a, dscale = Σ dY·(x − mean)/√(var + ε),
    /// dB = Σ dY, dmean = −a·Σ dY and dvar = −½·a/(var + ε)·Σ dY·(x − mean).
    static func gradient(_ g: Gradient) throws {
        guard let d = g.outputGradients.first ?? nil else { return }
        let x = try g.input(0), epsilon = try g.attributes.float("epsilon") ?? 1e-5
        let axes = NormalizationGradient.channelReductionAxes(rank: x.rank)
        if try g.attributes.int("training_mode") == 1 {
            return try NormalizationGradient.apply(g, upstream: d, axes: axes, epsilon: epsilon)
        }
        let scale = try g.input(1), mean = try g.input(3), variance = try g.input(4), shape = NormalizationGradient.channelShape(of: x)
        let reduced = try g.int64s(axes)
        func total(_ t: KernelTensor) throws -> KernelTensor { try g.call1("ReduceSum", [t, reduced], [("keepdims", .int(0))]) }
        let inverse = try g.call1("Reciprocal", [try g.call1("Sqrt", [try g.call1("Add", [variance, try g.scalar(epsilon, variance.dtype)])])])
        let slope = try g.call1("Mul", [scale, inverse])
        if g.needs(0) { try g.set(0, try g.call1("Mul", [d, try g.reshape(slope, shape)])) }
        let needsCentered = g.needs(1) || g.needs(4)
        let centered = needsCentered ? try total(try g.call1("Mul", [d, try g.call1("Sub", [x, try g.reshape(mean, shape)])])) : nil
        if g.needs(1), let centered { try g.set(1, try g.call1("Mul", [centered, inverse])) }
        if g.needs(2) || g.needs(3) {
            let sum = try total(d)
            if g.needs(2) { try g.set(2, sum) }
            if g.needs(3) { try g.set(3, try g.call1("Neg", [try g.call1("Mul", [sum, slope])])) }
        }
        if g.needs(4), let centered {
            let factor = try g.call1("Mul", [slope, try g.call1("Mul", [inverse, inverse])])
            try g.set(4, try g.call1("Mul", [centered, try g.call1("Mul", [factor, try g.scalar(-0.5, factor.dtype)])]))
        }
    }
}
