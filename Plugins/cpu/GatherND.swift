import PlexusPluginKit

/// GatherND (opset 13): each row of `indices` (its last dim, k long) addresses a slice of
/// `data` after the first `batch_dims` dims, which `indices` shares; the output stacks those
/// slices: shape indices.shape[..<-1] + data.shape[batch_dims + k...]. Negative indices count
/// from the end.
enum NDGathering: OperatorFamily {
    /// The GatherND schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("GatherND", since: 13, inputs: 2...2, attributes: [AttributeDeclaration("batch_dims", .int, default: .int(0))],
                      doc: "slices of data addressed by index tuples", compute: compute)]
    }

    /// Where the index tuples point: per tuple, the element offset of its slice in `data`.
    struct Addressing {
        /// Element offsets of the addressed slices, one per index tuple.
        let offsets: [Int]
        /// Elements per addressed slice.
        let sliceSize: Int
        /// Shape of the tuples' grid (indices.shape without its last dim).
        let gridShape: [Int]
        /// The dims of each slice (data.shape after the addressed ones).
        let sliceShape: [Int]

        /// Checks the shapes and the indices (negative ones count from the end).
        init(data: [Int], indices: KernelTensor, batchDims: Int, op: String) throws {
            guard DTypes.indices.contains(indices.dtype) else {
                throw PlexusError(.dtypeMismatch, "\(op): indices must be int32 or int64, got \(indices.dtype)")
            }
            guard indices.rank >= 1, data.count >= 1, batchDims >= 0, batchDims < min(indices.rank, data.count + 1) else {
                throw PlexusError.invalid("\(op): data \(data) and indices \(indices.shape) do not fit batch_dims \(batchDims)")
            }
            let k = indices.shape[indices.rank - 1]
            guard k >= 1, batchDims + k <= data.count, Array(indices.shape[..<batchDims]) == Array(data[..<batchDims]) else {
                throw PlexusError(.shapeMismatch, "\(op): index tuples of length \(k) with batch_dims \(batchDims) cannot address data \(data) (indices \(indices.shape))")
            }
            gridShape = Array(indices.shape.dropLast())
            sliceShape = Array(data[(batchDims + k)...])
            sliceSize = sliceShape.reduce(1, *)
            let strides = contiguousStrides(data)
            let batchSize = product(data, batchDims..<data.count)
            let tuples = product(gridShape, 0..<gridShape.count), perBatch = product(gridShape, batchDims..<gridShape.count)
            let values = try indices.integers()
            offsets = try (0..<tuples).map { tuple in
                var offset = (perBatch == 0 ? 0 : tuple / perBatch) * batchSize
                for j in 0..<k {
                    let length = data[batchDims + j], raw = values[tuple * k + j]
                    let index = raw < 0 ? raw + length : raw
                    guard index >= 0 && index < length else {
                        throw PlexusError.invalid("\(op): index \(raw) is out of range for a dimension of size \(length)")
                    }
                    offset += index * strides[batchDims + j]
                }
                return offset
            }
        }
    }

    /// The kernel: one slice copy per index tuple, for every dtype.
    static func compute(_ context: KernelContext) throws {
        let data = try context.input(0), indices = try context.input(1)
        let addressing = try Addressing(data: data.shape, indices: indices, batchDims: try context.attributes.int("batch_dims") ?? 0,
                                        op: "GatherND")
        let output = try context.output(0, data.dtype, addressing.gridShape + addressing.sliceShape)
        let bytes = addressing.sliceSize * data.dtype.elementSize
        for (tuple, offset) in addressing.offsets.enumerated() {
            (output.data + tuple * bytes).copyMemory(from: data.data + offset * data.dtype.elementSize, byteCount: bytes)
        }
        Movement.ownStrings(output)
    }
}
