import PlexusPluginKit

/// CenterCropPad (opset 18): crops or zero-pads the listed `axes` (all by default) to `shape`,
/// keeping the content centred (an odd difference puts the extra element at the end).
enum CenterCropPad {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        [OpDefinition("CenterCropPad", since: 18, inputs: 2...2, attributes: [AttributeDeclaration("axes", .ints, default: .ints([]))],
                      doc: "centre crop or zero pad to `shape` along `axes`",
                      supports: DTypes.first(DTypes.numeric.union(DTypes.halfs).union([.bool])),
                      compute: compute)]
    }

    /// Copies the overlap of input and output, shifted by `shift` (output index = input index + shift).
    struct Body: MoveBody {
        let input: KernelTensor, output: KernelTensor, shift: [Int]

        /// Runs the copy with `T` as wide as one element.
        func run<T: BitwiseCopyable>(_ type: T.Type) throws {
            let source = input.pointer(as: T.self), target = output.pointer(as: T.self)
            let inputStrides = contiguousStrides(input.shape), outputStrides = contiguousStrides(output.shape)
            output.data.initializeMemory(as: UInt8.self, repeating: 0, count: output.count * MemoryLayout<T>.stride)
            for index in 0..<output.count {
                var offset = 0, inside = true
                for d in 0..<output.rank {
                    let coordinate = (index / outputStrides[d]) % output.shape[d] - shift[d]
                    guard coordinate >= 0 && coordinate < input.shape[d] else { inside = false; break }
                    offset += coordinate * inputStrides[d]
                }
                if inside { target[index] = source[offset] }
            }
        }
    }

    /// The kernel: checks the inputs and attributes, then writes the output.
    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0), sizes = try context.input(1).integers()
        var axes = try context.attributes.ints("axes") ?? []
        if axes.isEmpty { axes = Array(0..<input.rank) }
        axes = try axes.map { try normalizedAxis($0, rank: input.rank, op: context.op) }
        guard Set(axes).count == axes.count, sizes.count == axes.count, sizes.allSatisfy({ $0 >= 0 }) else {
            throw PlexusError.invalid("CenterCropPad: shape \(sizes) must give one non-negative size per axis of \(axes) (no repeats)")
        }
        var shape = input.shape, shift = [Int](repeating: 0, count: input.rank)
        for (axis, size) in zip(axes, sizes) {
            shape[axis] = size
            shift[axis] = size >= input.shape[axis] ? (size - input.shape[axis]) / 2 : -((input.shape[axis] - size) / 2)
        }
        let output = try context.output(0, input.dtype, shape)
        try Movement.dispatch(input.dtype, Body(input: input, output: output, shift: shift))
    }
}
