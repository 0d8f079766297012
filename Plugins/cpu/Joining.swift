import PlexusPluginKit

/// Concat and Split along one axis.
enum Joining: OperatorFamily {
    static var definitions: [OpDefinition] {
        [
            OpDefinition("Concat", since: 13, inputs: 1...OpDefinition.variadic, attributes: [.required("axis", .int)],
                         doc: "join inputs along `axis`", compute: concat),
            OpDefinition("Split", since: 18, inputs: 1...2, outputs: 1...OpDefinition.variadic,
                         attributes: [AttributeDeclaration("axis", .int, default: .int(0)), AttributeDeclaration("num_outputs", .int),
                                      AttributeDeclaration("split", .ints)],
                         doc: "split along `axis` by sizes (`split` input) or into `num_outputs` parts", compute: split),
        ]
    }

    /// Copies `count` blocks of `bytes` bytes, strided on each side.
    static func copyBlocks(_ source: UnsafeRawPointer, sourceStride: Int, _ target: UnsafeMutableRawPointer, targetStride: Int,
                           blocks: Int, bytes: Int) {
        guard bytes > 0 else { return }
        for block in 0..<blocks {
            (target + block * targetStride).copyMemory(from: source + block * sourceStride, byteCount: bytes)
        }
    }

    static func concat(_ context: KernelContext) throws {
        let inputs = try (0..<context.inputCount).map { try context.input($0) }
        let dtype = try requireSameDType(inputs, op: "Concat")
        let first = inputs[0]
        let axis = try normalizedAxis(try context.attributes.int("axis")!, rank: first.rank, op: "Concat")
        for input in inputs where input.rank != first.rank || input.shape.enumerated().contains(where: { $0.offset != axis && $0.element != first.shape[$0.offset] }) {
            throw PlexusError(.shapeMismatch, "Concat: shapes \(inputs.map(\.shape)) differ outside axis \(axis)")
        }
        var shape = first.shape
        shape[axis] = inputs.reduce(0) { $0 + $1.shape[axis] }
        let output = try context.output(0, dtype, shape)
        let outer = product(shape, 0..<axis), inner = product(shape, (axis + 1)..<shape.count) * dtype.elementSize
        var offset = 0
        for input in inputs {
            let bytes = input.shape[axis] * inner
            copyBlocks(input.data, sourceStride: bytes, output.data + offset, targetStride: shape[axis] * inner, blocks: outer, bytes: bytes)
            offset += bytes
        }
        Movement.ownStrings(output)
    }

    /// The sizes Split cuts a dimension of `length` into: the given sizes, or `numOutputs`
    /// (default: the outputs asked for) parts of ⌈length / parts⌉ with a smaller last one.
    static func splitSizes(length: Int, given: [Int]?, numOutputs: Int?, outputCount: Int) throws -> [Int] {
        if let given {
            guard given.count == outputCount, given.allSatisfy({ $0 >= 0 }),
                  try given.reduce(0, { try CheckedSize.add($0, $1, "Split: sizes \(given)") }) == length else {
                throw PlexusError(.shapeMismatch, "Split: sizes \(given) do not split \(length) into \(outputCount) outputs")
            }
            return given
        }
        let parts = numOutputs ?? outputCount
        guard parts == outputCount, parts > 0 else {
            throw PlexusError.invalid("Split: num_outputs \(parts) differs from the \(outputCount) outputs asked for")
        }
        let chunk = (length + parts - 1) / parts
        return (0..<parts).map { max(0, min(chunk, length - $0 * chunk)) }
    }

    static func split(_ context: KernelContext) throws {
        let input = try context.input(0)
        let axis = try normalizedAxis(try context.attributes.int("axis") ?? 0, rank: input.rank, op: "Split")
        let length = input.shape[axis]
        let sizes = try splitSizes(length: length, given: try context.optionalInput(1)?.integers() ?? context.attributes.ints("split"),
                                   numOutputs: try context.attributes.int("num_outputs"), outputCount: context.outputCount)
        let outer = product(input.shape, 0..<axis), inner = product(input.shape, (axis + 1)..<input.rank) * input.dtype.elementSize
        var offset = 0
        var outputs: [KernelTensor] = []
        for (index, size) in sizes.enumerated() {
            var shape = input.shape
            shape[axis] = size
            let output = try context.output(index, input.dtype, shape)
            outputs.append(output)
            copyBlocks(input.data + offset, sourceStride: length * inner, output.data, targetStride: size * inner, blocks: outer, bytes: size * inner)
            offset += size * inner
        }
        // Strings: every output was filled with borrowed pointers; give each its own copies.
        outputs.forEach(Movement.ownStrings)
    }
}
