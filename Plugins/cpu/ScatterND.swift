import PlexusPluginKit

/// ScatterND (opset 18): a copy of `data` with each slice addressed by a row of `indices`
/// replaced by (or, with `reduction` add/mul/max/min, combined with) the matching slice of
/// `updates`, whose shape is indices.shape[..<-1] + data.shape[k...].
enum NDScattering: OperatorFamily {
    /// The ScatterND schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("ScatterND", since: 18, inputs: 3...3, attributes: [AttributeDeclaration("reduction", .string, default: .string("none"))],
                      doc: "write updates into a copy of data at index tuples", supports: DTypes.first(DTypes.numeric.union([.bool])),
                      infer: Inference.sameAsInput(), compute: compute)]
    }

    /// Copy, then write or combine each update slice, per numeric type.
    struct Body: NumericBody {
        let data: KernelTensor, updates: KernelTensor, output: KernelTensor, addressing: NDGathering.Addressing, reduction: String
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let source = updates.pointer(as: T.self), target = output.pointer(as: T.self), size = addressing.sliceSize
            output.data.copyMemory(from: data.data, byteCount: data.count * MemoryLayout<T>.stride)
            for (tuple, offset) in addressing.offsets.enumerated() {
                let from = source + tuple &* size, to = target + offset
                switch reduction {
                case "add": for i in 0..<size { to[i] = T.add(to[i], from[i]) }
                case "mul": for i in 0..<size { to[i] = T.mul(to[i], from[i]) }
                // NaN propagates, as in numpy.maximum and the Max op (Swift.max would drop it).
                case "max": for i in 0..<size { let a = to[i], b = from[i]; to[i] = a.isNaNValue || a > b ? a : b }
                case "min": for i in 0..<size { let a = to[i], b = from[i]; to[i] = a.isNaNValue || a < b ? a : b }
                default: for i in 0..<size { to[i] = from[i] }
                }
            }
        }
    }

    /// The kernel: checks the shapes and the reduction.
    static func compute(_ context: KernelContext) throws {
        let data = try context.input(0), indices = try context.input(1), updates = try context.input(2)
        guard data.dtype == updates.dtype else { throw PlexusError(.dtypeMismatch, "ScatterND: updates must be \(data.dtype), got \(updates.dtype)") }
        let addressing = try NDGathering.Addressing(data: data.shape, indices: indices, batchDims: 0, op: "ScatterND")
        guard updates.shape == addressing.gridShape + addressing.sliceShape else {
            throw PlexusError(.shapeMismatch, "ScatterND: updates must have shape \(addressing.gridShape + addressing.sliceShape), got \(updates.shape)")
        }
        let reduction = try context.attributes.string("reduction") ?? "none"
        guard ["none", "add", "mul", "max", "min"].contains(reduction) else {
            throw PlexusError.invalid("ScatterND: unknown reduction '\(reduction)'")
        }
        let output = try context.output(0, data.dtype, data.shape)
        try TypeDispatch.numeric(data.dtype == .bool ? .uint8 : data.dtype, op: "ScatterND",
                                 Body(data: data, updates: updates, output: output, addressing: addressing, reduction: reduction))
    }
}
