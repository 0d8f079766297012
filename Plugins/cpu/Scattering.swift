import PlexusPluginKit

/// ScatterElements (opset 18): a copy of `data` with `updates` written (or combined with
/// `reduction` add/mul/max/min) at `indices` along `axis`.
enum Scattering: OperatorFamily {
    static var definitions: [OpDefinition] {
        [OpDefinition("ScatterElements", since: 18, inputs: 3...3,
                      attributes: [AttributeDeclaration("axis", .int, default: .int(0)),
                                   AttributeDeclaration("reduction", .string, default: .string("none"))],
                      doc: "write updates into a copy of data at indices along axis",
                      supports: DTypes.first(DTypes.numeric.union([.bool])), infer: Inference.sameAsInput(), compute: compute)]
    }

    struct Body: NumericBody {
        let data: KernelTensor, indices: [Int], updates: KernelTensor, output: KernelTensor, axis: Int, reduction: String
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let source = updates.pointer(as: T.self), target = output.pointer(as: T.self)
            output.data.copyMemory(from: data.data, byteCount: data.count * MemoryLayout<T>.stride)
            let dataStrides = contiguousStrides(data.shape), updateStrides = contiguousStrides(updates.shape)
            for linear in 0..<updates.count {
                var offset = 0, remainder = linear
                for d in 0..<updates.rank {
                    let coordinate = remainder / updateStrides[d]
                    remainder %= updateStrides[d]
                    offset += (d == axis ? indices[linear] : coordinate) * dataStrides[d]
                }
                let value = source[linear]
                switch reduction {
                case "add": target[offset] = T.add(target[offset], value)
                case "mul": target[offset] = T.mul(target[offset], value)
                // NaN propagates, as in numpy.maximum and the Max op (Swift.max would drop it).
                case "max": let a = target[offset]; target[offset] = a.isNaNValue || a > value ? a : value
                case "min": let a = target[offset]; target[offset] = a.isNaNValue || a < value ? a : value
                default: target[offset] = value
                }
            }
        }
    }

    static func compute(_ context: KernelContext) throws {
        let data = try context.input(0), indexTensor = try context.input(1), updates = try context.input(2)
        guard data.dtype == updates.dtype else { throw PlexusError(.dtypeMismatch, "ScatterElements: updates must be \(data.dtype)") }
        guard indexTensor.shape == updates.shape, data.rank == updates.rank, data.rank > 0 else {
            throw PlexusError(.shapeMismatch, "ScatterElements: indices \(indexTensor.shape) and updates \(updates.shape) must match, with the rank of data \(data.shape)")
        }
        let axis = try normalizedAxis(try context.attributes.int("axis") ?? 0, rank: data.rank, op: "ScatterElements")
        for d in 0..<data.rank where d != axis && updates.shape[d] > data.shape[d] {
            throw PlexusError(.shapeMismatch, "ScatterElements: updates \(updates.shape) exceed data \(data.shape) at dim \(d)")
        }
        let reduction = try context.attributes.string("reduction") ?? "none"
        guard ["none", "add", "mul", "max", "min"].contains(reduction) else {
            throw PlexusError.invalid("ScatterElements: unknown reduction '\(reduction)'")
        }
        let indices = try Gathering.indices(indexTensor, length: data.shape[axis], op: "ScatterElements")
        let output = try context.output(0, data.dtype, data.shape)
        let dtype: DType = data.dtype == .bool ? .uint8 : data.dtype
        try TypeDispatch.numeric(dtype, op: "ScatterElements",
                                 Body(data: data, indices: indices, updates: updates, output: output, axis: axis, reduction: reduction))
    }
}
