import PlexusPluginKit

/// Min, Max, Sum and Mean over one or more broadcast inputs. NaN propagates through Min/Max.
enum Variadic: OperatorFamily {
    enum Operation { case min, max, sum, mean }

    static var definitions: [OpDefinition] {
        [("Min", Operation.min), ("Max", .max), ("Sum", .sum), ("Mean", .mean)].map { name, operation in
            OpDefinition(name, since: 13, inputs: 1...OpDefinition.variadic, doc: "elementwise \(name.lowercased()) of all inputs",
                         supports: DTypes.first((operation == .min || operation == .max ? DTypes.numeric : DTypes.floats).union(DTypes.halfs)),
                         infer: Inference.broadcast(), compute: { try compute($0, operation) })
        }
    }

    struct Body: NumericBody {
        let inputs: [KernelTensor], output: KernelTensor, operation: Operation

        func run<T: CPUNumber>(_ type: T.Type) throws {
            let out = output.pointer(as: T.self)
            // Start from input 0 broadcast to the output shape, then fold in the others.
            let first = try Broadcast([output.shape, inputs[0].shape], op: "broadcast")
            broadcastBinary(first, UnsafePointer(out), UnsafePointer(inputs[0].pointer(as: T.self)), out) { _, x in x }
            for input in inputs.dropFirst() {
                let plan = try Broadcast([output.shape, input.shape], op: "broadcast")
                let source = UnsafePointer(input.pointer(as: T.self))
                switch operation {
                case .min: broadcastBinary(plan, UnsafePointer(out), source, out) { a, b in a.isNaNValue || a < b ? a : b }
                case .max: broadcastBinary(plan, UnsafePointer(out), source, out) { a, b in a.isNaNValue || a > b ? a : b }
                case .sum, .mean: broadcastBinary(plan, UnsafePointer(out), source, out, T.add)
                }
            }
            if operation == .mean {
                let divisor = T(double: Double(inputs.count))
                Maps.map(UnsafePointer(out), out, output.count) { T.div($0, divisor) }
            }
        }
    }

    static func compute(_ context: KernelContext, _ operation: Operation) throws {
        let inputs = try (0..<context.inputCount).map { try context.input($0) }
        let dtype = try requireSameDType(inputs, op: context.op)
        let shape = try Broadcast.shape(of: inputs.map(\.shape), op: context.op)
        let output = try context.output(0, dtype, shape)
        if output.count == 0 { return }
        if HalfPrecision.isHalf(dtype) {
            let widened = try inputs.map { try Casting.cast($0, to: .float32) }
            let result = try OwnedTensor.create(.float32, shape)
            try withExtendedLifetime((widened, result)) {  // the views below borrow from these owners
                try Body(inputs: widened.map(\.view), output: result.view, operation: operation).run(Float.self)
                try Casting.convert(result.view, into: output)
            }
        } else {
            try TypeDispatch.numeric(dtype, op: context.op, Body(inputs: inputs, output: output, operation: operation))
        }
    }
}
