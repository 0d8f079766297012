import PlexusPluginKit

/// Pad with modes constant, reflect, edge and wrap; negative pads crop. Pads, constant value
/// and axes are inputs (opset 18+).
enum Padding: OperatorFamily {
    static var definitions: [OpDefinition] {
        [OpDefinition("Pad", since: 19, inputs: 2...4, attributes: [AttributeDeclaration("mode", .string, default: .string("constant"))],
                      doc: "pad (or crop) each dim", supports: DTypes.first(DTypes.numeric.union(DTypes.halfs).union([.bool])),
                      compute: compute)]
    }

    struct Body: MoveBody {
        let input: KernelTensor, output: KernelTensor, begins: [Int], mode: String, constant: UnsafeRawPointer?
        func run<T: BitwiseCopyable>(_ type: T.Type) throws {
            let source = input.pointer(as: T.self), target = output.pointer(as: T.self)
            let fill: T? = constant?.load(as: T.self)
            let rank = input.rank, inStrides = contiguousStrides(input.shape), outStrides = contiguousStrides(output.shape)
            outer: for linear in 0..<output.count {
                var offset = 0, remainder = linear
                for d in 0..<rank {
                    var i = remainder / outStrides[d] - begins[d]
                    remainder %= outStrides[d]
                    let n = input.shape[d]
                    if i < 0 || i >= n {
                        switch mode {
                        case "edge": i = i < 0 ? 0 : n - 1
                        case "wrap": i = ((i % n) + n) % n
                        case "reflect":
                            let period = 2 * (n - 1)
                            i = period == 0 ? 0 : ((i % period) + period) % period
                            if i >= n { i = period - i }
                        default:
                            target[linear] = fill!
                            continue outer
                        }
                    }
                    offset += i * inStrides[d]
                }
                target[linear] = source[offset]
            }
        }
    }

    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0)
        let mode = try context.attributes.string("mode") ?? "constant"
        guard ["constant", "reflect", "edge", "wrap"].contains(mode) else { throw PlexusError.invalid("Pad: unknown mode '\(mode)'") }
        let pads = try context.input(1).integers()
        let axes = try context.optionalInput(3)?.integers().map { try normalizedAxis($0, rank: input.rank, op: "Pad") }
            ?? Array(0..<input.rank)
        guard pads.count == 2 * axes.count else { throw PlexusError.invalid("Pad: \(pads.count) pads for \(axes.count) axes") }
        var begins = [Int](repeating: 0, count: input.rank), ends = begins
        for (index, axis) in axes.enumerated() {
            begins[axis] = pads[index]
            ends[axis] = pads[index + axes.count]
        }
        let shape = try (0..<input.rank).map { d -> Int in
            let size = try CheckedSize.add(try CheckedSize.add(input.shape[d], begins[d], "Pad: dim \(d)"), ends[d], "Pad: dim \(d)")
            guard size >= 0 else { throw PlexusError.invalid("Pad: pads crop dim \(d) below zero") }
            if mode != "constant" && input.shape[d] == 0 && size > 0 { throw PlexusError.invalid("Pad: cannot \(mode)-pad an empty dim") }
            return size
        }
        let output = try context.output(0, input.dtype, shape)
        var zero = [UInt8](repeating: 0, count: 8)
        if let value = context.optionalInput(2) {
            guard value.dtype == input.dtype, value.count == 1 else { throw PlexusError.invalid("Pad: constant_value must be one \(input.dtype)") }
            zero.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: value.data, byteCount: input.dtype.elementSize) }
        }
        try zero.withUnsafeBytes { bytes in
            try Movement.dispatch(input.dtype, Body(input: input, output: output, begins: begins, mode: mode, constant: bytes.baseAddress))
        }
    }
}
