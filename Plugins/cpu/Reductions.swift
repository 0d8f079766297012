import PlexusPluginKit

/// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL2 (axes as an optional input,
/// or as the attribute of older opsets), and ArgMax/ArgMin.
enum Reductions: OperatorFamily {
    enum Operation { case sum, mean, max, min, prod, l2 }

    static var definitions: [OpDefinition] {
        let reductions: [(String, Operation, Set<DType>)] = [
            ("ReduceSum", .sum, DTypes.numeric), ("ReduceMean", .mean, DTypes.numeric),
            ("ReduceMax", .max, DTypes.numeric.union([.bool])), ("ReduceMin", .min, DTypes.numeric.union([.bool])),
            ("ReduceProd", .prod, DTypes.numeric), ("ReduceL2", .l2, DTypes.numeric),
        ]
        return reductions.map { name, operation, types in
            // ReduceSum took its axes as an input at 13, the others at 18.
            OpDefinition(name, since: name == "ReduceSum" ? 13 : 18, inputs: 1...2,
                         attributes: [AttributeDeclaration("keepdims", .int, default: .int(1)),
                                      AttributeDeclaration("noop_with_empty_axes", .int, default: .int(0)),
                                      AttributeDeclaration("axes", .ints)],
                         doc: "reduce over `axes` (all when omitted)", supports: DTypes.first(types),
                         compute: { try reduce($0, operation) })
        } + [("ArgMax", true), ("ArgMin", false)].map { name, isMax in
            OpDefinition(name, since: 13, inputs: 1...1,
                         attributes: [AttributeDeclaration("axis", .int, default: .int(0)),
                                      AttributeDeclaration("keepdims", .int, default: .int(1)),
                                      AttributeDeclaration("select_last_index", .int, default: .int(0))],
                         doc: "index of the \(isMax ? "largest" : "smallest") element along `axis`",
                         supports: DTypes.first(DTypes.numeric), compute: { try argReduce($0, isMax: isMax) })
        }
    }

    /// The reduced axes (sorted, non-negative), or nil for "no-op".
    static func axes(_ context: KernelContext, rank: Int) throws -> [Int]? {
        var given: [Int] = try context.optionalInput(1)?.integers() ?? context.attributes.ints("axes") ?? []
        if given.isEmpty {
            if try context.attributes.flag("noop_with_empty_axes", default: false, op: context.op) { return nil }
            given = Array(0..<rank)
        }
        let axes = try given.map { try normalizedAxis($0, rank: rank, op: context.op) }
        guard Set(axes).count == axes.count else { throw PlexusError.invalid("\(context.op): repeated axis in \(given)") }
        return axes.sorted()
    }

    struct Body: NumericBody {
        let input: KernelTensor, output: KernelTensor, keptShape: [Int], operation: Operation

        func run<T: CPUNumber>(_ type: T.Type) throws {
            let out = output.pointer(as: T.self), source = input.pointer(as: T.self)
            let start: T = switch operation {
            case .sum, .mean, .l2: T.zero
            case .prod: T.one
            case .max: T.lowest
            case .min: T.highest
            }
            for index in 0..<output.count { out[index] = start }
            guard input.count > 0 else { return finish(out, groupSize: 0) }
            // Walk the input with the output broadcast over it: reduced dims have stride 0.
            let plan = try Broadcast([input.shape, keptShape], op: "reduce")
            let n = plan.runLength, so = plan.innerStride(1)
            plan.forEachRun(0..<plan.runCount) { offsets, inputOffset in
                let po = out + offsets[1], pi = source + inputOffset
                for i in 0..<n {
                    let x = pi[i], o = i &* so
                    switch operation {
                    case .sum, .mean: po[o] = T.add(po[o], x)
                    case .l2: po[o] = T.add(po[o], T.mul(x, x))
                    case .prod: po[o] = T.mul(po[o], x)
                    case .max: if x.isNaNValue || x > po[o] { po[o] = x }
                    case .min: if x.isNaNValue || x < po[o] { po[o] = x }
                    }
                }
            }
            finish(out, groupSize: input.count / max(output.count, 1))
        }

        func finish<T: CPUNumber>(_ out: UnsafeMutablePointer<T>, groupSize: Int) {
            switch operation {
            case .mean:
                for index in 0..<output.count { out[index] = T(double: out[index].double / Double(groupSize)) }
            case .l2:
                for index in 0..<output.count { out[index] = T(double: out[index].double.squareRoot()) }
            default: break
            }
        }
    }

    static func reduce(_ context: KernelContext, _ operation: Operation) throws {
        let input = try context.input(0)
        let keepDims = try context.attributes.flag("keepdims", default: true, op: context.op)
        // "No-op" reduces nothing but still applies the per-element part (ReduceL2 gives |x|).
        let axes = try axes(context, rank: input.rank) ?? []
        let kept = input.shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let shape = keepDims ? kept : input.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        let output = try context.output(0, input.dtype, shape)
        if input.dtype == .bool {
            // Max is "any", Min is "all" on 0/1 bytes.
            try TypeDispatch.numeric(.uint8, op: context.op, Body(input: input, output: output, keptShape: kept, operation: operation))
        } else {
            try TypeDispatch.numeric(input.dtype, op: context.op, Body(input: input, output: output, keptShape: kept, operation: operation))
        }
    }

    struct ArgBody: NumericBody {
        let input: KernelTensor, output: KernelTensor, axis: Int, isMax: Bool, last: Bool
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let shape = input.shape
            let outer = product(shape, 0..<axis), length = shape[axis], inner = product(shape, (axis + 1)..<shape.count)
            let source = input.pointer(as: T.self), out = output.pointer(as: Int64.self)
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = source[o * length * inner + i], bestIndex = 0
                    for k in 1..<max(length, 1) {
                        let x = source[(o * length + k) * inner + i]
                        if best.isNaNValue { break }
                        let better = x.isNaNValue || (isMax ? (last ? x >= best : x > best) : (last ? x <= best : x < best))
                        if better { best = x; bestIndex = k }
                    }
                    out[o * inner + i] = Int64(bestIndex)
                }
            }
        }
    }

    static func argReduce(_ context: KernelContext, isMax: Bool) throws {
        let input = try context.input(0)
        let axis = try normalizedAxis(try context.attributes.int("axis") ?? 0, rank: input.rank, op: context.op)
        guard input.rank > 0, input.shape[axis] > 0 else {
            throw PlexusError.invalid("\(context.op): cannot reduce an empty axis")
        }
        var shape = input.shape
        if try context.attributes.flag("keepdims", default: true, op: context.op) { shape[axis] = 1 } else { shape.remove(at: axis) }
        let output = try context.output(0, .int64, shape)
        try TypeDispatch.numeric(input.dtype, op: context.op,
                                 ArgBody(input: input, output: output, axis: axis, isMax: isMax,
                                         last: try context.attributes.flag("select_last_index", default: false, op: context.op)))
    }
}
