import PlexusPluginKit

/// ThresholdedRelu: x above alpha, else 0.
struct ThresholdedRectify: FloatMap {
    let alpha: Double
    func apply<T: CPUFloat>(_ x: T) -> T { x > T(alpha) ? x : 0 }
}

/// Activations that cut the input at thresholds: ThresholdedRelu and Shrink.
enum ThresholdActivations: OperatorFamily {
    /// The ThresholdedRelu and Shrink schemas and kernels.
    static var definitions: [OpDefinition] {
        [
            OpDefinition("ThresholdedRelu", since: 22, inputs: 1...1, attributes: [AttributeDeclaration("alpha", .float, default: .float(1))],
                         doc: "x if x > alpha else 0", supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                         infer: Inference.sameAsInput(), compute: { context in
                             try Maps.computeFloat(context, ThresholdedRectify(alpha: try context.attributes.float("alpha") ?? 1))
                         }),
            OpDefinition("Shrink", since: 9, inputs: 1...1,
                         attributes: [AttributeDeclaration("bias", .float, default: .float(0)), AttributeDeclaration("lambd", .float, default: .float(0.5))],
                         doc: "x+bias if x < -lambd, x-bias if x > lambd, else 0", supports: DTypes.first(DTypes.numeric),
                         infer: Inference.sameAsInput(), compute: { context in
                             let input = try context.input(0)
                             try TypeDispatch.numeric(input.dtype, op: context.op,
                                                      ShrinkBody(input: input, output: try context.output(0, input.dtype, input.shape),
                                                                 bias: try context.attributes.float("bias") ?? 0,
                                                                 lambda: try context.attributes.float("lambd") ?? 0.5))
                         }),
        ]
    }

    /// Shrink for every numeric dtype: the comparison and the shift are made in double
    /// precision and the result converted back (integers truncate toward zero).
    struct ShrinkBody: NumericBody {
        let input: KernelTensor, output: KernelTensor, bias: Double, lambda: Double
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let (bias, lambda) = (bias, lambda)
            Maps.map(UnsafePointer(input.pointer(as: T.self)), output.pointer(as: T.self), input.count) { x in
                let value = x.double
                if value < -lambda { return T(double: value + bias) }
                if value > lambda { return T(double: value - bias) }
                return T.zero
            }
        }
    }
}
