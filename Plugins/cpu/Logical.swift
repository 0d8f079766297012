#if canImport(Glibc)
import Glibc
#endif
import PlexusPluginKit

/// Comparisons (numeric, bool and, for Equal, string inputs) and boolean logic.
enum Logical: OperatorFamily {
    enum Comparison { case equal, less, lessOrEqual, greater, greaterOrEqual }

    static var definitions: [OpDefinition] {
        let comparable = DTypes.numeric.union([.bool])
        // The opset whose version each implements: Equal took strings at 19, the others last changed at 13 and 16.
        let comparisons: [(String, Comparison, Set<DType>, Int)] = [
            ("Equal", .equal, comparable.union([.string]), 19), ("Less", .less, comparable, 13),
            ("LessOrEqual", .lessOrEqual, comparable, 16), ("Greater", .greater, comparable, 13),
            ("GreaterOrEqual", .greaterOrEqual, comparable, 16),
        ]
        let logic: [(String, (Bool, Bool) -> Bool)] = [("And", { $0 && $1 }), ("Or", { $0 || $1 }), ("Xor", { $0 != $1 })]
        return comparisons.map { name, comparison, types, since in
            OpDefinition(name, since: since, inputs: 2...2, doc: "elementwise comparison, bool result",
                         supports: DTypes.first(types), infer: Inference.broadcast(.bool),
                         compute: { try compare($0, comparison) })
        } + logic.map { name, function in
            OpDefinition(name, since: 7, inputs: 2...2, doc: "elementwise logical \(name.lowercased())",
                         supports: DTypes.first([.bool]), infer: Inference.broadcast(.bool), compute: { context in
                             let a = try context.input(0), b = try context.input(1)
                             _ = try requireSameDType([a, b], op: context.op)
                             let plan = try Broadcast([a.shape, b.shape], op: context.op)
                             let out = try context.output(0, .bool, plan.shape)
                             broadcastBinary(plan, UnsafePointer(a.pointer(as: Bool.self)), UnsafePointer(b.pointer(as: Bool.self)),
                                             out.pointer(as: Bool.self), function)
                         })
        } + [
            OpDefinition("Not", since: 1, inputs: 1...1, doc: "logical not", supports: DTypes.first([.bool]),
                         infer: Inference.sameAsInput(.bool), compute: { context in
                             let input = try context.input(0)
                             let out = try context.output(0, .bool, input.shape)
                             Maps.map(UnsafePointer(input.pointer(as: Bool.self)), out.pointer(as: Bool.self), input.count) { !$0 }
                         }),
        ]
    }

    @inline(__always)
    static func test<T: Comparable>(_ a: T, _ b: T, _ comparison: Comparison) -> Bool {
        switch comparison {
        case .equal: return a == b
        case .less: return a < b
        case .lessOrEqual: return a <= b
        case .greater: return a > b
        case .greaterOrEqual: return a >= b
        }
    }

    struct Body: NumericBody {
        let plan: Broadcast, a: KernelTensor, b: KernelTensor, out: UnsafeMutablePointer<Bool>, comparison: Comparison
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let pa = UnsafePointer(a.pointer(as: T.self)), pb = UnsafePointer(b.pointer(as: T.self))
            switch comparison {
            case .equal: broadcastBinary(plan, pa, pb, out) { $0 == $1 }
            case .less: broadcastBinary(plan, pa, pb, out) { $0 < $1 }
            case .lessOrEqual: broadcastBinary(plan, pa, pb, out) { $0 <= $1 }
            case .greater: broadcastBinary(plan, pa, pb, out) { $0 > $1 }
            case .greaterOrEqual: broadcastBinary(plan, pa, pb, out) { $0 >= $1 }
            }
        }
    }

    static func compare(_ context: KernelContext, _ comparison: Comparison) throws {
        let a = try context.input(0), b = try context.input(1)
        let dtype = try requireSameDType([a, b], op: context.op)
        let plan = try Broadcast([a.shape, b.shape], op: context.op)
        let out = try context.output(0, .bool, plan.shape).pointer(as: Bool.self)
        switch dtype {
        case .bool:
            broadcastBinary(plan, UnsafePointer(a.pointer(as: UInt8.self)), UnsafePointer(b.pointer(as: UInt8.self)), out) {
                test($0, $1, comparison)
            }
        case .string:
            typealias CString = UnsafeMutablePointer<CChar>?
            broadcastBinary(plan, UnsafePointer(a.pointer(as: CString.self)), UnsafePointer(b.pointer(as: CString.self)), out) {
                strcmp($0 ?? Movement.emptyString, $1 ?? Movement.emptyString) == 0
            }
        default:
            try TypeDispatch.numeric(dtype, op: context.op, Body(plan: plan, a: a, b: b, out: out, comparison: comparison))
        }
    }
}
