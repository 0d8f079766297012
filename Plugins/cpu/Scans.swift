import PlexusPluginKit

/// CumSum and CumProd (opset 26): running sums / products along the axis given as input 1,
/// optionally exclusive (each position gets the combination of the ones before it, starting
/// from the identity) and/or reversed (running from the end).
enum Scans: OperatorFamily {
    /// How a scan combines elements.
    enum Kind {
        case sum, product

        var name: String { self == .sum ? "CumSum" : "CumProd" }
    }

    /// The CumSum and CumProd schemas and kernels.
    static var definitions: [OpDefinition] { [definition(.sum, since: 14), definition(.product, since: 26)] }

    /// The schema and kernel of one scan kind.
    static func definition(_ kind: Kind, since: Int) -> OpDefinition {
        OpDefinition(kind.name, since: since, inputs: 2...2,
                     attributes: [AttributeDeclaration("exclusive", .int, default: .int(0)), AttributeDeclaration("reverse", .int, default: .int(0))],
                     doc: "running \(kind == .sum ? "sum" : "product") along the axis given as input 1", supports: DTypes.first(DTypes.numeric),
                     infer: Inference.sameAsInput(), compute: { try compute($0, kind) })
    }

    /// The running combination along the axis, per numeric type.
    struct Body: NumericBody {
        let input: KernelTensor, output: KernelTensor, axis: Int, exclusive: Bool, reverse: Bool, kind: Kind
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let x = input.pointer(as: T.self), y = output.pointer(as: T.self)
            let outer = product(input.shape, 0..<axis), length = input.shape[axis], inner = product(input.shape, (axis + 1)..<input.rank)
            let identity = kind == .sum ? T.zero : T.one
            let combine: (T, T) -> T = kind == .sum ? T.add : T.mul
            for o in 0..<outer {
                for i in 0..<inner {
                    var running = identity
                    for step in 0..<length {
                        let index = (o * length + (reverse ? length - 1 - step : step)) * inner + i
                        if exclusive {
                            y[index] = running
                            running = combine(running, x[index])
                        } else {
                            running = combine(running, x[index])
                            y[index] = running
                        }
                    }
                }
            }
        }
    }

    /// The kernel: reads the axis input and the flags.
    static func compute(_ context: KernelContext, _ kind: Kind) throws {
        let input = try context.input(0), axisTensor = try context.input(1)
        guard axisTensor.count == 1 else { throw PlexusError.invalid("\(kind.name): needs a scalar axis, got shape \(axisTensor.shape)") }
        let axis = try normalizedAxis(try axisTensor.integers()[0], rank: input.rank, op: kind.name)
        let output = try context.output(0, input.dtype, input.shape)
        try TypeDispatch.numeric(input.dtype, op: kind.name,
                                 Body(input: input, output: output, axis: axis, exclusive: try context.attributes.flag("exclusive", default: false, op: context.op),
                                      reverse: try context.attributes.flag("reverse", default: false, op: context.op), kind: kind))
    }
}
