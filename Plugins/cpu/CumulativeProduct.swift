import PlexusPluginKit

/// CumProd (opset 26): running product along the axis given as input 1, optionally
/// exclusive (each position gets the product of the ones before it, starting from 1) and/or
/// reversed (running from the end).
enum CumulativeProduct {
    /// The CumProd schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("CumProd", since: 26, inputs: 2...2,
                      attributes: [AttributeDeclaration("exclusive", .int, default: .int(0)), AttributeDeclaration("reverse", .int, default: .int(0))],
                      doc: "running product along the axis given as input 1", supports: DTypes.first(DTypes.numeric),
                      infer: Inference.sameAsInput(), compute: compute)]
    }

    /// The running products along the axis, per numeric type.
    struct Body: NumericBody {
        let input: KernelTensor, output: KernelTensor, axis: Int, exclusive: Bool, reverse: Bool
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let x = input.pointer(as: T.self), y = output.pointer(as: T.self)
            let outer = product(input.shape, 0..<axis), length = input.shape[axis], inner = product(input.shape, (axis + 1)..<input.rank)
            for o in 0..<outer {
                for i in 0..<inner {
                    var running = T.one
                    for step in 0..<length {
                        let index = (o * length + (reverse ? length - 1 - step : step)) * inner + i
                        if exclusive {
                            y[index] = running
                            running = T.mul(running, x[index])
                        } else {
                            running = T.mul(running, x[index])
                            y[index] = running
                        }
                    }
                }
            }
        }
    }

    /// The kernel: reads the axis input and the flags.
    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0), axisTensor = try context.input(1)
        guard input.rank >= 1, axisTensor.count == 1 else {
            throw PlexusError.invalid("CumProd: needs an input of rank >= 1 and a scalar axis (got shapes \(input.shape) and \(axisTensor.shape))")
        }
        let axis = try normalizedAxis(try axisTensor.integers()[0], rank: input.rank, op: "CumProd")
        let output = try context.output(0, input.dtype, input.shape)
        try TypeDispatch.numeric(input.dtype, op: "CumProd",
                                 Body(input: input, output: output, axis: axis, exclusive: try context.attributes.int("exclusive") == 1,
                                      reverse: try context.attributes.int("reverse") == 1))
    }
}
