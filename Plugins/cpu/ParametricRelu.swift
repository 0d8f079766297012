import PlexusPluginKit

/// PRelu (opset 16): x where x >= 0, else slope·x, with the slope broadcast to X's shape
/// (unidirectional numpy broadcasting).
enum ParametricRelu: OperatorFamily {
    /// The PRelu schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("PRelu", since: 16, inputs: 2...2, doc: "x if x >= 0 else slope*x, slope broadcast to x",
                      supports: DTypes.first(DTypes.floats.union([.int32, .int64, .uint32, .uint64])),
                      infer: Inference.sameAsInput(), compute: compute)]
    }

    /// The broadcast walk, per numeric type.
    struct Body: NumericBody {
        let plan: Broadcast, x: KernelTensor, slope: KernelTensor, out: KernelTensor
        func run<T: CPUNumber>(_ type: T.Type) throws {
            broadcastBinary(plan, UnsafePointer(x.pointer(as: T.self)), UnsafePointer(slope.pointer(as: T.self)), out.pointer(as: T.self)) { x, s in
                x < T.zero ? T.mul(s, x) : x
            }
        }
    }

    /// The kernel: checks that the slope broadcasts to X.
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0), slope = try context.input(1)
        _ = try requireSameDType([x, slope], op: "PRelu")
        let plan = try Broadcast([x.shape, slope.shape], op: "PRelu")
        guard plan.shape == x.shape else {
            throw PlexusError(.shapeMismatch, "PRelu: slope \(slope.shape) must broadcast to X's shape \(x.shape)")
        }
        let out = try context.output(0, x.dtype, x.shape)
        try TypeDispatch.numeric(x.dtype, op: "PRelu", Body(plan: plan, x: x, slope: slope, out: out))
    }
}
