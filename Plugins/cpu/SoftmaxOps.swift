import PlexusPluginKit

/// Softmax and LogSoftmax along one axis (opset 13), numerically stable (max subtracted).
enum SoftmaxOps: OperatorFamily {
    static var definitions: [OpDefinition] {
        [("Softmax", false), ("LogSoftmax", true)].map { name, isLog in
            OpDefinition(name, since: 13, inputs: 1...1, attributes: [AttributeDeclaration("axis", .int, default: .int(-1))],
                         doc: isLog ? "log of softmax along `axis`" : "exp(x)/sum(exp(x)) along `axis`",
                         supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), infer: Inference.sameAsInput(),
                         compute: { try compute($0, isLog: isLog) })
        }
    }

    struct Body: FloatBody {
        let source: UnsafeRawPointer, target: UnsafeMutableRawPointer, outer: Int, length: Int, inner: Int, isLog: Bool

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let x = source.assumingMemoryBound(to: T.self), y = target.assumingMemoryBound(to: T.self)
            let (length, inner, isLog) = (self.length, self.inner, self.isLog)
            Host.parallelFor(outer * inner, grain: max(1, 4096 / max(length, 1))) { range in
                for slice in range {
                    let base = (slice / inner) * length * inner + slice % inner
                    var maximum = -T.infinity
                    for k in 0..<length { maximum = Swift.max(maximum, x[base + k * inner]) }
                    var sum = T.zero
                    for k in 0..<length {
                        let e = T.exp(x[base + k * inner] - maximum)
                        if !isLog { y[base + k * inner] = e }
                        sum += e
                    }
                    if isLog {
                        let logSum = T.log(sum)
                        for k in 0..<length { y[base + k * inner] = (x[base + k * inner] - maximum) - logSum }
                    } else {
                        let scale = 1 / sum
                        for k in 0..<length { y[base + k * inner] *= scale }
                    }
                }
            }
        }
    }

    /// Softmax of contiguous float32 rows, the common case (attention scores, classifier
    /// outputs), in concrete loops that vectorise: the maximum and the sum are taken eight lanes
    /// at a time (a scalar float reduction cannot be reordered, so it would not vectorise), and
    /// the exponentials have a loop of their own. A row whose maximum is infinite uses libm's
    /// exp, so infinities give what IEEE arithmetic gives.
    static func floatRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, length: Int) {
        Host.parallelFor(rows, grain: max(1, 8192 / max(length, 1))) { range in
            for row in range {
                let input = x + row * length, output = y + row * length
                let maximum = FastMath.maximum(input, length)
                if maximum.isFinite {
                    for k in 0..<length { output[k] = FastMath.expOfNonPositive(input[k] - maximum) }
                } else {
                    for k in 0..<length { output[k] = Float.exp(input[k] - maximum) }
                }
                let scale = 1 / FastMath.sum(UnsafePointer(output), length)
                for k in 0..<length { output[k] *= scale }
            }
        }
    }

    static func compute(_ context: KernelContext, isLog: Bool) throws {
        let input = try context.input(0)
        let output = try context.output(0, input.dtype, input.shape)
        guard input.count > 0 else { return }
        let axis = try normalizedAxis(try context.attributes.int("axis") ?? -1, rank: max(input.rank, 1), op: context.op)
        let shape = input.rank == 0 ? [1] : input.shape
        let outer = product(shape, 0..<axis), length = shape[axis], inner = product(shape, (axis + 1)..<shape.count)
        if input.dtype == .float32 && inner == 1 && !isLog {
            return floatRows(input.pointer(as: Float.self), output.pointer(as: Float.self), rows: outer, length: length)
        }
        if HalfPrecision.isHalf(input.dtype) {
            let widened = HalfPrecision.widened(input)
            var result = [Float](repeating: 0, count: input.count)
            try widened.withUnsafeBytes { source in
                try result.withUnsafeMutableBytes { target in
                    try Body(source: source.baseAddress!, target: target.baseAddress!, outer: outer, length: length,
                             inner: inner, isLog: isLog).run(Float.self)
                }
            }
            result.withUnsafeBufferPointer { HalfPrecision.store($0, into: output) }
        } else {
            try TypeDispatch.float(input.dtype, op: context.op,
                                   Body(source: input.data, target: output.data, outer: outer, length: length, inner: inner, isLog: isLog))
        }
    }
}
