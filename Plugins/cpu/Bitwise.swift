import PlexusPluginKit

/// BitwiseAnd, BitwiseOr, BitwiseXor (numpy broadcasting), BitwiseNot and BitShift on the
/// integer dtypes.
enum Bitwise: OperatorFamily {
    /// What a two-input kernel computes.
    enum Operation { case and, or, xor, shiftLeft, shiftRight }

    /// The schemas and kernels of the bitwise operators.
    static var definitions: [OpDefinition] {
        let integers = DTypes.first(DTypes.integers)
        return [("BitwiseAnd", Operation.and), ("BitwiseOr", .or), ("BitwiseXor", .xor)].map { name, operation in
            OpDefinition(name, since: 18, inputs: 2...2, doc: "elementwise \(name.dropFirst(7).lowercased()) of the bits, with numpy broadcasting",
                         supports: integers, infer: Inference.broadcast(), compute: { try combine($0, operation) })
        } + [
            OpDefinition("BitwiseNot", since: 18, inputs: 1...1, doc: "every bit flipped", supports: integers,
                         infer: Inference.sameAsInput(), compute: { context in
                             let input = try context.input(0)
                             try TypeDispatch.integer(input.dtype, op: context.op,
                                                     NotBody(input: input, output: try context.output(0, input.dtype, input.shape)))
                         }),
            OpDefinition("BitShift", since: 28, inputs: 2...2, attributes: [.required("direction", .string)],
                         doc: "shift X's bits by Y places (\"LEFT\" or \"RIGHT\"; arithmetic for signed X), with numpy broadcasting",
                         supports: integers, infer: Inference.broadcast(), compute: { context in
                             switch try context.attributes.string("direction") {
                             case "LEFT": try combine(context, .shiftLeft)
                             case "RIGHT": try combine(context, .shiftRight)
                             case let other: throw PlexusError.invalid("BitShift: direction must be \"LEFT\" or \"RIGHT\", got \"\(other ?? "")\"")
                             }
                         }),
        ]
    }

    /// `x` shifted by `places`; shifting by a negative amount or by the width or more leaves
    /// only the sign fill (-1 for a right shift of a negative x, else 0), as opset 28 defines.
    @inline(__always)
    static func shift<T: CPUInteger>(_ x: T, by places: T, left: Bool) -> T {
        guard places >= 0 && places < T.bitWidth else { return !left && x < 0 ? T.zero &- 1 : 0 }
        return left ? x << places : x >> places
    }

    /// A two-input operation with numpy broadcasting, per integer type.
    struct CombineBody: IntegerBody {
        let plan: Broadcast, a: KernelTensor, b: KernelTensor, out: KernelTensor, operation: Operation
        func run<T: CPUInteger>(_ type: T.Type) throws {
            let pa = UnsafePointer(a.pointer(as: T.self)), pb = UnsafePointer(b.pointer(as: T.self)), po = out.pointer(as: T.self)
            switch operation {
            case .and: broadcastBinary(plan, pa, pb, po) { $0 & $1 }
            case .or: broadcastBinary(plan, pa, pb, po) { $0 | $1 }
            case .xor: broadcastBinary(plan, pa, pb, po) { $0 ^ $1 }
            case .shiftLeft: broadcastBinary(plan, pa, pb, po) { Bitwise.shift($0, by: $1, left: true) }
            case .shiftRight: broadcastBinary(plan, pa, pb, po) { Bitwise.shift($0, by: $1, left: false) }
            }
        }
    }

    /// Bitwise complement, per integer type.
    struct NotBody: IntegerBody {
        let input: KernelTensor, output: KernelTensor
        func run<T: CPUInteger>(_ type: T.Type) throws {
            Maps.map(UnsafePointer(input.pointer(as: T.self)), output.pointer(as: T.self), input.count) { ~$0 }
        }
    }

    /// The kernel of the two-input operators.
    static func combine(_ context: KernelContext, _ operation: Operation) throws {
        let a = try context.input(0), b = try context.input(1)
        let dtype = try requireSameDType([a, b], op: context.op)
        let plan = try Broadcast([a.shape, b.shape], op: context.op)
        let out = try context.output(0, dtype, plan.shape)
        try TypeDispatch.integer(dtype, op: context.op, CombineBody(plan: plan, a: a, b: b, out: out, operation: operation))
    }
}
