import PlexusPluginKit

/// MaxUnpool (opset 22): a partial inverse of MaxPool. The output (shape from `output_shape`,
/// else (in - 1)·stride + kernel - pads per spatial dim) is zero except at the flat indices `I`
/// that MaxPool returned, which receive the values of X. Indices address the default shape; a
/// larger `output_shape` keeps each element at the same coordinates.
enum MaxUnpool {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        [OpDefinition("MaxUnpool", since: 22, inputs: 2...3,
                      attributes: [.required("kernel_shape", .ints), AttributeDeclaration("pads", .ints), AttributeDeclaration("strides", .ints)],
                      doc: "scatter X into zeros at MaxPool's indices", supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                      compute: compute)]
    }

    /// Writes `values` at `indices` (valid output offsets) of a zeroed output.
    struct Body: MoveBody {
        let values: KernelTensor, indices: [Int], output: KernelTensor

        /// Runs the copy with `T` as wide as one element.
        func run<T: BitwiseCopyable>(_ type: T.Type) throws {
            let source = values.pointer(as: T.self), target = output.pointer(as: T.self)
            output.data.initializeMemory(as: UInt8.self, repeating: 0, count: output.count * MemoryLayout<T>.stride)
            for (position, index) in indices.enumerated() { target[index] = source[position] }
        }
    }

    /// The kernel: checks the inputs and attributes, then writes the output.
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0), indexTensor = try context.input(1)
        let spatial = x.rank - 2
        let kernel = try context.attributes.ints("kernel_shape") ?? []
        let strides = try context.attributes.ints("strides") ?? Array(repeating: 1, count: spatial)
        let pads = try context.attributes.ints("pads") ?? Array(repeating: 0, count: 2 * spatial)
        guard spatial > 0, kernel.count == spatial, strides.count == spatial, pads.count == 2 * spatial,
              (kernel + strides).allSatisfy({ $0 > 0 }), indexTensor.shape == x.shape else {
            throw PlexusError.invalid("MaxUnpool: X \(x.shape) and I \(indexTensor.shape) must match, with kernel_shape, strides and pads per spatial dim")
        }
        let pooledShape = try Array(x.shape[..<2]) + (0..<spatial).map { d in
            let what = "MaxUnpool: the unpooled size of dim \(d + 2)"
            let stretched = try CheckedSize.add(try CheckedSize.multiply(max(x.shape[d + 2] - 1, 0), strides[d], what), kernel[d], what)
            return try CheckedSize.add(stretched, -(try CheckedSize.add(pads[d], pads[d + spatial], what)), what)
        }
        let shape = try context.optionalInput(2)?.integers() ?? pooledShape
        guard shape.count == x.rank, zip(shape, pooledShape).allSatisfy({ $0 >= $1 }) else {
            throw PlexusError(.shapeMismatch, "MaxUnpool: output_shape \(shape) must be at least the unpooled shape \(pooledShape)")
        }
        _ = try CheckedSize.count(pooledShape, "MaxUnpool: unpooled shape")
        _ = try CheckedSize.count(shape, "MaxUnpool: output_shape")
        let pooledStrides = contiguousStrides(pooledShape), outputStrides = contiguousStrides(shape)
        let pooledCount = pooledShape.reduce(1, *)
        let indices = try indexTensor.integers().map { (index: Int) throws -> Int in
            guard index >= 0 && index < pooledCount else {
                throw PlexusError.invalid("MaxUnpool: index \(index) is outside the unpooled shape \(pooledShape)")
            }
            return (0..<x.rank).reduce(0) { $0 + (index / pooledStrides[$1]) % pooledShape[$1] * outputStrides[$1] }
        }
        let output = try context.output(0, x.dtype, shape)
        try Movement.dispatch(x.dtype, Body(values: x, indices: indices, output: output))
    }
}
