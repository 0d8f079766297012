import PlexusPluginKit

/// ONNX LayerNormalization (opset 17): standardise X over the dims from `axis` on, then scale
/// and shift — Y = (X − mean)·InvStdDev·Scale + B, with Scale and B unidirectionally
/// broadcast to X. The optional outputs Mean and InvStdDev have X's shape with the normalised
/// dims set to 1 and the dtype `stash_type` names. Statistics accumulate in float64; the rest is
/// computed in X's precision (float32 for float16/bfloat16, which are widened and rounded back).
enum LayerNormalization: SingleOperatorFamily {
    /// The schema, kernel and gradient rule, ready to register.
    static var definition: OpDefinition {
        OpDefinition("LayerNormalization", since: 17, inputs: 2...3, outputs: 1...3,
                     attributes: [AttributeDeclaration("axis", .int, default: .int(-1)),
                                  AttributeDeclaration("epsilon", .float, default: .float(1e-5)),
                                  AttributeDeclaration("stash_type", .int, default: .int(1))],
                     doc: "normalise over the dims from `axis` on, then scale and shift",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), infer: infer, compute: compute)
            .differentiable(LayerNormalizationGradient.rule)
    }

    /// The dtype of Mean and InvStdDev for a `stash_type` value: float32 (ONNX's default),
    /// bfloat16, or float64 (an extension the gradient rule uses for float64 inputs).
    static func statisticsDType(_ stashType: Int) throws -> DType {
        switch stashType {
        case 1: return .float32
        case 11: return .float64
        case 16: return .bfloat16
        default: throw PlexusError(.unsupported, "LayerNormalization: stash_type \(stashType) is not supported (use 1, 11 or 16)")
        }
    }

    /// Y like X; Mean and InvStdDev with the normalised dims set to 1, in the stash dtype.
    static func infer(_ context: InferenceContext) throws {
        guard let x = context.input(0) else { throw PlexusError.invalid("LayerNormalization: input X is required") }
        try context.setOutput(0, x.dtype, x.shape)
        guard context.outputCount > 1 else { return }
        let dtype = try statisticsDType(try context.attributes.int("stash_type") ?? 1)
        let statisticsShape = try x.shape.map { shape -> [Int?] in
            let axis = try normalizedAxis(try context.attributes.int("axis") ?? -1, rank: shape.count, op: "LayerNormalization")
            return shape.enumerated().map { index, dim in index < axis ? dim : 1 }
        }
        for index in 1..<context.outputCount { try context.setOutput(index, dtype, statisticsShape) }
    }

    /// Checks the inputs and runs the row loop (widening float16/bfloat16 to float32).
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0), scale = try context.input(1), bias = context.optionalInput(2)
        guard x.rank >= 1 else { throw PlexusError.invalid("LayerNormalization: X must have rank >= 1") }
        _ = try requireSameDType([x, scale, bias], op: context.op)
        let axis = try normalizedAxis(try context.attributes.int("axis") ?? -1, rank: x.rank, op: context.op)
        let statisticsType = try statisticsDType(try context.attributes.int("stash_type") ?? 1)
        let rows = product(x.shape, 0..<axis), length = product(x.shape, axis..<x.rank)
        let scaleLayout = try RowBroadcast(scale.shape, x: x.shape, axis: axis, what: "LayerNormalization Scale")
        let biasLayout = try bias.map { try RowBroadcast($0.shape, x: x.shape, axis: axis, what: "LayerNormalization B") }
        let y = try context.output(0, x.dtype, x.shape)
        let statisticsShape = x.shape.enumerated().map { index, dim in index < axis ? dim : 1 }
        let statisticsOutputs = try (1..<max(context.outputCount, 1)).map { try context.output($0, statisticsType, statisticsShape) }
        var statistics = [Double](repeating: 0, count: statisticsOutputs.isEmpty ? 0 : 2 * rows)
        let epsilon = try context.attributes.float("epsilon") ?? 1e-5
        try statistics.withUnsafeMutableBufferPointer { statistics in
            let rowStatistics = statistics.isEmpty ? nil : statistics.baseAddress
            if HalfPrecision.isHalf(x.dtype) {
                let widened = [x, scale].map(HalfPrecision.widened), widenedBias = bias.map(HalfPrecision.widened)
                var result = [Float](repeating: 0, count: x.count)
                try widened[0].withUnsafeBytes { xs in
                    try widened[1].withUnsafeBytes { scales in
                        try (widenedBias ?? []).withUnsafeBytes { biases in
                            try result.withUnsafeMutableBytes { ys in
                                try Body(x: xs.baseAddress!, scale: scales.baseAddress!, bias: bias == nil ? nil : biases.baseAddress!,
                                         y: ys.baseAddress!, statistics: rowStatistics, rows: rows, length: length, epsilon: epsilon,
                                         scaleLayout: scaleLayout, biasLayout: biasLayout).run(Float.self)
                            }
                        }
                    }
                }
                result.withUnsafeBufferPointer { HalfPrecision.store($0, into: y) }
            } else {
                try TypeDispatch.float(x.dtype, op: context.op,
                                       Body(x: x.data, scale: scale.data, bias: bias?.data, y: y.data, statistics: rowStatistics, rows: rows,
                                            length: length, epsilon: epsilon, scaleLayout: scaleLayout, biasLayout: biasLayout))
            }
            for (index, output) in statisticsOutputs.enumerated() {
                write(statistics, every: 2, from: index, into: output)
            }
        }
    }

    /// Writes `values[first], values[first + step], …` into `tensor` (float32, float64 or bfloat16).
    static func write(_ values: UnsafeMutableBufferPointer<Double>, every step: Int, from first: Int, into tensor: KernelTensor) {
        for index in 0..<tensor.count {
            let value = values[first + index * step]
            switch tensor.dtype {
            case .float64: tensor.pointer(as: Double.self)[index] = value
            case .bfloat16: tensor.pointer(as: BFloat16.self)[index] = BFloat16(Float(value))
            default: tensor.pointer(as: Float.self)[index] = Float(value)
            }
        }
    }

    /// Where the broadcast Scale or B element of (row, position in the row) lives.
    struct RowBroadcast {
        /// Offset of each position in a row; nil when it is the position itself.
        let inner: [Int]?
        /// Offset of each row; nil when every row reads the same elements.
        let outer: [Int]?

        /// The layout of a tensor of `shape` broadcast to `x`'s shape, normalised from `axis`.
        init(_ shape: [Int], x: [Int], axis: Int, what: String) throws {
            let strides = try BroadcastStrides.strides(of: shape, to: x, what: what)
            let innerOffsets = BroadcastStrides.offsets(shape: Array(x[axis...]), strides: Array(strides[axis...]))
            inner = innerOffsets.enumerated().allSatisfy { $0.offset == $0.element } ? nil : innerOffsets
            let outerStrides = Array(strides[..<axis])
            outer = outerStrides.allSatisfy { $0 == 0 } ? nil : BroadcastStrides.offsets(shape: Array(x[..<axis]), strides: outerStrides)
        }
    }

    /// The row loop: two passes for the statistics, one for the output.
    struct Body: FloatBody {
        let x: UnsafeRawPointer, scale: UnsafeRawPointer, bias: UnsafeRawPointer?, y: UnsafeMutableRawPointer
        /// Mean and inverse standard deviation per row, interleaved; nil when not asked for.
        let statistics: UnsafeMutablePointer<Double>?
        let rows: Int, length: Int, epsilon: Double
        let scaleLayout: RowBroadcast, biasLayout: RowBroadcast?

        /// Normalises every row in parallel.
        func run<T: CPUFloat>(_ type: T.Type) throws {
            let x = x.assumingMemoryBound(to: T.self), y = y.assumingMemoryBound(to: T.self)
            let scale = scale.assumingMemoryBound(to: T.self), bias = bias?.assumingMemoryBound(to: T.self)
            let (length, epsilon, statistics, scaleLayout, biasLayout) = (length, epsilon, statistics, scaleLayout, biasLayout)
            Host.parallelFor(rows, grain: max(1, 8192 / max(length, 1))) { range in
                for row in range {
                    let source = x + row &* length, target = y + row &* length
                    var sum = 0.0
                    for k in 0..<length { sum += source[k].double }
                    let mean = sum / Double(length)
                    var squares = 0.0
                    for k in 0..<length {
                        let deviation = source[k].double - mean
                        squares += deviation * deviation
                    }
                    let inverse = 1 / (squares / Double(length) + epsilon).squareRoot()
                    if let statistics {
                        statistics[2 &* row] = mean
                        statistics[2 &* row &+ 1] = inverse
                    }
                    let m = T(double: mean), r = T(double: inverse)
                    let gamma = scale + (scaleLayout.outer?[row] ?? 0)
                    let beta = bias.map { $0 + (biasLayout?.outer?[row] ?? 0) }
                    switch (scaleLayout.inner, biasLayout?.inner, beta) {
                    case (nil, nil, let beta?):  // the usual case: Scale and B span the normalised dims
                        for k in 0..<length { target[k] = (source[k] - m) * r * gamma[k] + beta[k] }
                    case (nil, nil, nil):
                        for k in 0..<length { target[k] = (source[k] - m) * r * gamma[k] }
                    case (let scaleOffsets, let biasOffsets, let beta):
                        for k in 0..<length {
                            target[k] = (source[k] - m) * r * gamma[scaleOffsets?[k] ?? k] + (beta?[biasOffsets?[k] ?? k] ?? T.zero)
                        }
                    }
                }
            }
        }
    }
}
