import PlexusPluginKit

/// CumSum along an axis (optionally exclusive and/or reversed).
enum Scans {
    static var definitions: [OpDefinition] {
        [OpDefinition("CumSum", since: 14, inputs: 2...2,
                      attributes: [AttributeDeclaration("exclusive", .int, default: .int(0)), AttributeDeclaration("reverse", .int, default: .int(0))],
                      doc: "running sum along the axis given as input 1", supports: DTypes.first(DTypes.numeric),
                      infer: Inference.sameAsInput(), compute: compute)]
    }

    struct Body: NumericBody {
        let input: KernelTensor, output: KernelTensor, axis: Int, exclusive: Bool, reverse: Bool
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let x = input.pointer(as: T.self), y = output.pointer(as: T.self)
            let outer = product(input.shape, 0..<axis), length = input.shape[axis], inner = product(input.shape, (axis + 1)..<input.rank)
            for o in 0..<outer {
                for i in 0..<inner {
                    var sum = T.zero
                    for step in 0..<length {
                        let k = reverse ? length - 1 - step : step
                        let index = (o * length + k) * inner + i
                        if exclusive { y[index] = sum; sum = T.add(sum, x[index]) } else { sum = T.add(sum, x[index]); y[index] = sum }
                    }
                }
            }
        }
    }

    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0)
        let axisTensor = try context.input(1)
        guard axisTensor.count == 1 else { throw PlexusError.invalid("CumSum: axis must be a scalar") }
        let axis = try normalizedAxis(try axisTensor.integers()[0], rank: input.rank, op: "CumSum")
        let output = try context.output(0, input.dtype, input.shape)
        try TypeDispatch.numeric(input.dtype, op: "CumSum",
                                 Body(input: input, output: output, axis: axis,
                                      exclusive: try context.attributes.int("exclusive") == 1,
                                      reverse: try context.attributes.int("reverse") == 1))
    }
}
