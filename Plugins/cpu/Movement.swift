#if canImport(Glibc)
import Glibc
#endif
import PlexusPluginKit

/// Data-movement kernels (transpose, gather, concat, ...) do not look at values: they move
/// elements as unsigned integers of the element's size, so one specialisation serves every
/// dtype. String elements are pointers; after moving them, `ownStrings` gives the output its
/// own copies.
protocol MoveBody {
    func run<T: BitwiseCopyable>(_ type: T.Type) throws
}

enum Movement {
    /// Runs `body` with an unsigned integer type as wide as one element of `dtype`.
    static func dispatch(_ dtype: DType, _ body: some MoveBody) throws {
        switch dtype.elementSize {
        case 1: try body.run(UInt8.self)
        case 2: try body.run(UInt16.self)
        case 4: try body.run(UInt32.self)
        default: try body.run(UInt64.self)
        }
    }

    /// For a string output whose slots were filled with borrowed pointers: replaces each with a
    /// copy it owns. Call last, once nothing can fail any more. No-op for other dtypes.
    static func ownStrings(_ output: KernelTensor) {
        guard output.dtype == .string else { return }
        let slots = output.pointer(as: UnsafeMutablePointer<CChar>?.self)
        for index in 0..<output.count { slots[index] = strdup(slots[index] ?? emptyString) }
    }

    /// A NUL-terminated empty string, standing in for a NULL string element.
    nonisolated(unsafe) static let emptyString: UnsafeMutablePointer<CChar> = {
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        pointer.pointee = 0
        return pointer
    }()
}

/// Where(condition, X, Y) with numpy broadcasting, for every dtype.
enum Selection: OperatorFamily {
    static var definitions: [OpDefinition] {
        [OpDefinition("Where", since: 16, inputs: 3...3, doc: "X where condition else Y",
                      supports: { dtypes in dtypes.first == .bool }, infer: { context in
                          guard let x = context.input(1) else { throw PlexusError.invalid("Where needs X") }
                          let shape = try Inference.broadcastShape((0..<3).map { context.input($0)?.shape })
                          try context.setOutput(0, x.dtype, shape)
                      }, compute: compute)]
    }

    struct Body: MoveBody {
        let plan: Broadcast, condition: KernelTensor, x: KernelTensor, y: KernelTensor, out: KernelTensor
        func run<T: BitwiseCopyable>(_ type: T.Type) throws {
            broadcastTernary(plan, UnsafePointer(condition.pointer(as: Bool.self)), UnsafePointer(x.pointer(as: T.self)),
                             UnsafePointer(y.pointer(as: T.self)), out.pointer(as: T.self)) { c, a, b in c ? a : b }
        }
    }

    static func compute(_ context: KernelContext) throws {
        let condition = try context.input(0), x = try context.input(1), y = try context.input(2)
        guard condition.dtype == .bool else { throw PlexusError(.dtypeMismatch, "Where: condition must be bool, got \(condition.dtype)") }
        let dtype = try requireSameDType([x, y], op: "Where")
        let plan = try Broadcast([condition.shape, x.shape, y.shape], op: "Where")
        let out = try context.output(0, dtype, plan.shape)
        try Movement.dispatch(dtype, Body(plan: plan, condition: condition, x: x, y: y, out: out))
        Movement.ownStrings(out)
    }
}
