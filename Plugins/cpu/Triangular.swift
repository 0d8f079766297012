import PlexusPluginKit

/// Trilu: keep the upper (or lower) triangle of the last two dims, offset by k.
enum Triangular: OperatorFamily {
    static var definitions: [OpDefinition] {
        [OpDefinition("Trilu", since: 14, inputs: 1...2, attributes: [AttributeDeclaration("upper", .int, default: .int(1))],
                      doc: "upper or lower triangle of each matrix", infer: Inference.sameAsInput(), compute: compute)]
    }

    struct Body: MoveBody {
        let input: KernelTensor, output: KernelTensor, k: Int, upper: Bool
        func run<T: BitwiseCopyable>(_ type: T.Type) throws {
            let x = input.pointer(as: T.self), y = output.pointer(as: T.self)
            let rows = input.shape[input.rank - 2], columns = input.shape[input.rank - 1]
            let matrices = rows * columns == 0 ? 0 : input.count / (rows * columns)
            let zero = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
            defer { zero.deallocate() }
            zero.initializeMemory(as: UInt8.self, repeating: 0, count: 8)
            let empty = zero.load(as: T.self)
            for m in 0..<matrices {
                for r in 0..<rows {
                    for c in 0..<columns {
                        let index = (m * rows + r) * columns + c
                        let keep = upper ? c - r >= k : c - r <= k
                        y[index] = keep ? x[index] : empty
                    }
                }
            }
        }
    }

    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0)
        guard input.rank >= 2 else { throw PlexusError.invalid("Trilu: input must have rank >= 2, got \(input.shape)") }
        guard input.dtype != .string else { throw PlexusError(.unsupported, "Trilu does not support string tensors") }
        let k = try context.optionalInput(1)?.integers().first ?? 0
        let output = try context.output(0, input.dtype, input.shape)
        try Movement.dispatch(input.dtype, Body(input: input, output: output, k: k, upper: try context.attributes.flag("upper", default: true, op: context.op)))
    }
}
