import PlexusPluginKit

/// The reductions built on a sum (opset 18 semantics; axes as an optional input or as the
/// attribute of older opsets, like `Reductions`): ReduceL1 (Σ|x|), ReduceSumSquare (Σx²),
/// ReduceLogSum (log Σx) and ReduceLogSumExp (log Σeˣ, computed around the maximum so it
/// does not overflow). An empty reduction gives 0, or -inf for the logarithms.
enum SumReductions: OperatorFamily {
    /// Which reduction a kernel computes.
    enum Operation { case l1, sumSquare, logSum, logSumExp }

    /// The schemas and kernels of the four reductions.
    static var definitions: [OpDefinition] {
        let reductions: [(String, Operation, Set<DType>, Int)] = [
            ("ReduceL1", .l1, DTypes.numeric, 18), ("ReduceSumSquare", .sumSquare, DTypes.numeric, 18),
            ("ReduceLogSum", .logSum, DTypes.floats, 28), ("ReduceLogSumExp", .logSumExp, DTypes.floats, 28),
        ]
        return reductions.map { name, operation, types, since in
            OpDefinition(name, since: since, inputs: 1...2,
                         attributes: [AttributeDeclaration("keepdims", .int, default: .int(1)),
                                      AttributeDeclaration("noop_with_empty_axes", .int, default: .int(0)),
                                      AttributeDeclaration("axes", .ints)],
                         doc: "reduce over `axes` (all when omitted)", supports: DTypes.first(types), infer: infer,
                         compute: { try reduce($0, operation) })
        }
    }

    /// The kept-dims shape and the output shape of `shape` reduced over `axes` (nil = no-op).
    static func reducedShape<Dim>(_ shape: [Dim], axes: [Int]?, one: Dim, keepDims: Bool) -> (kept: [Dim], output: [Dim]) {
        let axes = axes ?? []
        let kept = shape.enumerated().map { axes.contains($0.offset) ? one : $0.element }
        return (kept, keepDims ? kept : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
    }

    /// Output type when the input's rank and the axes (attribute or constant input) are known.
    static func infer(_ context: InferenceContext) throws {
        guard let input = context.input(0) else { throw PlexusError.invalid("a reduction needs an input") }
        let keepDims = try context.attributes.flag("keepdims", default: true, op: "reduction")
        let axesKnown = context.input(1) == nil || context.value(1) != nil
        guard let shape = input.shape, axesKnown else {
            // Kept dims keep the rank even when the axes are unknown.
            return try context.setOutput(0, input.dtype, keepDims ? input.shape.map { $0.map { _ in nil } } : nil)
        }
        let given = try context.value(1)?.integers() ?? context.attributes.ints("axes") ?? []
        let noop = try context.attributes.flag("noop_with_empty_axes", default: false, op: "reduction")
        let axes = given.isEmpty ? (noop ? nil : Array(0..<shape.count))
                                 : try given.map { try normalizedAxis($0, rank: shape.count, op: "reduction") }
        try context.setOutput(0, input.dtype, reducedShape(shape, axes: axes, one: 1, keepDims: keepDims).output)
    }

    /// Calls `body(outputIndex, x)` for every input element `x`, with the index of the output
    /// element it reduces into (the output is walked broadcast over the input).
    @inline(__always)
    static func forEachElement<T>(_ input: KernelTensor, kept: [Int], _ body: (Int, T) -> Void) throws {
        guard input.count > 0 else { return }
        let plan = try Broadcast([input.shape, kept], op: "reduce")
        let source = input.pointer(as: T.self), n = plan.runLength, so = plan.innerStride(1)
        plan.forEachRun(0..<plan.runCount) { offsets, inputOffset in
            for i in 0..<n { body(offsets[1] &+ i &* so, source[inputOffset &+ i]) }
        }
    }

    /// ReduceL1 and ReduceSumSquare for every numeric type.
    struct NumberBody: NumericBody {
        let input: KernelTensor, output: KernelTensor, kept: [Int], operation: Operation
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let out = output.pointer(as: T.self)
            for index in 0..<output.count { out[index] = T.zero }
            if operation == .l1 {
                try forEachElement(input, kept: kept) { (o, x: T) in out[o] = T.add(out[o], x < T.zero ? T.sub(T.zero, x) : x) }
            } else {
                try forEachElement(input, kept: kept) { (o, x: T) in out[o] = T.add(out[o], T.mul(x, x)) }
            }
        }
    }

    /// ReduceLogSum and ReduceLogSumExp for the float types.
    struct LogBody: FloatBody {
        let input: KernelTensor, output: KernelTensor, kept: [Int], operation: Operation
        func run<T: CPUFloat>(_ type: T.Type) throws {
            let out = output.pointer(as: T.self)
            for index in 0..<output.count { out[index] = T.zero }
            guard operation == .logSumExp else {
                try forEachElement(input, kept: kept) { (o, x: T) in out[o] += x }
                for index in 0..<output.count { out[index] = T.log(out[index]) }
                return
            }
            // Shift by the maximum (by 0 where it is infinite, so ±inf and NaN come out right).
            var shifts = [T](repeating: -T.infinity, count: output.count)
            try shifts.withUnsafeMutableBufferPointer { shifts in
                try forEachElement(input, kept: kept) { (o, x: T) in if x > shifts[o] { shifts[o] = x } }
                for index in 0..<output.count where !shifts[index].isFinite { shifts[index] = 0 }
                try forEachElement(input, kept: kept) { (o, x: T) in out[o] += T.exp(x - shifts[o]) }
                for index in 0..<output.count { out[index] = shifts[index] + T.log(out[index]) }
            }
        }
    }

    /// The kernel: resolves the axes like `Reductions` and runs the body for the dtype.
    static func reduce(_ context: KernelContext, _ operation: Operation) throws {
        let input = try context.input(0)
        let keepDims = try context.attributes.flag("keepdims", default: true, op: context.op)
        let (kept, shape) = reducedShape(input.shape, axes: try Reductions.axes(context, rank: input.rank), one: 1, keepDims: keepDims)
        let output = try context.output(0, input.dtype, shape)
        switch operation {
        case .l1, .sumSquare:
            try TypeDispatch.numeric(input.dtype, op: context.op, NumberBody(input: input, output: output, kept: kept, operation: operation))
        case .logSum, .logSumExp:
            try TypeDispatch.float(input.dtype, op: context.op, LogBody(input: input, output: output, kept: kept, operation: operation))
        }
    }
}
