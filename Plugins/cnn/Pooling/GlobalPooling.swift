import PlexusPluginKit

/// GlobalAveragePool and GlobalMaxPool (opset 1): the mean or maximum of each [N, C] plane,
/// kept as [N, C, 1, ...]. Gradients: the mean's is spread evenly; the maximum's goes to the
/// elements equal to it.
enum GlobalPooling: OperatorFamily {
    /// GlobalAveragePool and GlobalMaxPool.
    static var definitions: [OpDefinition] {
        [("GlobalAveragePool", false), ("GlobalMaxPool", true)].map { name, isMax in
            OpDefinition(name, since: 1, inputs: 1...1, doc: isMax ? "maximum of each channel plane" : "mean of each channel plane",
                         supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                         infer: ShapeInference.derived { _, shapes in try outputShape(shapes[0], op: name) },
                         gradient: isMax ? maxGradient : averageGradient,
                         compute: { try compute($0, isMax: isMax) })
        }
    }

    /// [N, C, 1, ...] for X of `shape` (rank at least 3).
    static func outputShape(_ shape: [Int], op: String) throws -> [Int] {
        guard shape.count >= 3 else { throw PlexusError.invalid("\(op): X must be [N, C, spatial...], got shape \(shape)") }
        return Array(shape.prefix(2)) + Array(repeating: 1, count: shape.count - 2)
    }

    /// The kernel of either op.
    static func compute(_ context: KernelContext, isMax: Bool) throws {
        let x = try context.input(0)
        let shape = try outputShape(x.shape, op: context.op)
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context) }
        let y = try context.output(0, x.dtype, shape)
        try TypeDispatch.float(x.dtype, op: context.op, Body(x: x, y: y, planeSize: product(x.shape, 2..<x.rank), isMax: isMax))
    }

    /// One mean or maximum per plane.
    struct Body: FloatBody {
        let x: KernelTensor, y: KernelTensor, planeSize: Int, isMax: Bool

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let source = x.pointer(as: T.self), target = y.pointer(as: T.self), (size, isMax) = (planeSize, self.isMax)
            Host.parallelFor(y.count, grain: WorkGrain.items(cost: size)) { planes in
                for p in planes {
                    let plane = source + p &* size
                    if isMax {
                        var best = T.lowest
                        for i in 0..<size where plane[i] > best || plane[i].isNaN { best = plane[i] }
                        target[p] = best
                    } else {
                        var sum = T.zero
                        for i in 0..<size { sum += plane[i] }
                        target[p] = sum / T(size)
                    }
                }
            }
        }
    }

    /// dX = dY / (plane size), broadcast over each plane.
    static func averageGradient(_ g: Gradient) throws {
        guard g.needs(0), let d = g.upstream else { return }
        let x = try g.input(0)
        let spread = try g.call1("Expand", [d, try g.int64s(x.shape)])
        try g.set(0, try g.call1("Mul", [spread, try g.scalar(1 / Double(product(x.shape, 2..<x.rank)), d.dtype)]))
    }

    /// dX = dY where X equals its plane's maximum, else 0.
    static func maxGradient(_ g: Gradient) throws {
        guard g.needs(0), let d = g.upstream else { return }
        let x = try g.input(0), shape = try g.int64s(x.shape)
        let winners = try g.call1("Equal", [x, try g.call1("Expand", [try g.output(0), shape])])
        try g.set(0, try g.call1("Where", [winners, try g.call1("Expand", [d, shape]), try g.scalar(0, d.dtype)]))
    }
}
