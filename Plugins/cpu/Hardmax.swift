import PlexusPluginKit

/// Hardmax (opset 13): 1 at the first largest element along `axis`, 0 elsewhere.
enum Hardmax: OperatorFamily {
    /// The Hardmax schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("Hardmax", since: 13, inputs: 1...1, attributes: [AttributeDeclaration("axis", .int, default: .int(-1))],
                      doc: "one-hot of the first maximum along `axis`", supports: DTypes.first(DTypes.floats),
                      infer: Inference.sameAsInput(), compute: compute)]
    }

    /// One pass per slice along the axis, per float type.
    struct Body: FloatBody {
        let input: KernelTensor, output: KernelTensor, outer: Int, length: Int, inner: Int
        func run<T: CPUFloat>(_ type: T.Type) throws {
            let x = input.pointer(as: T.self), y = output.pointer(as: T.self)
            for index in 0..<output.count { y[index] = 0 }
            let (length, inner) = (length, inner)
            for slice in 0..<(outer * inner) {
                let base = (slice / inner) * length * inner + slice % inner
                // The first NaN is the maximum, as in ArgMax and numpy's argmax.
                var best = 0
                for k in 1..<max(length, 1) where !x[base + best * inner].isNaN
                    && (x[base + k * inner] > x[base + best * inner] || x[base + k * inner].isNaN) { best = k }
                y[base + best * inner] = 1
            }
        }
    }

    /// The kernel: the input seen as [outer, length, inner] around the axis.
    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0)
        let output = try context.output(0, input.dtype, input.shape)
        guard input.count > 0 else { return }
        let axis = try normalizedAxis(try context.attributes.int("axis") ?? -1, rank: input.rank, op: "Hardmax")
        let shape = input.rank == 0 ? [1] : input.shape
        try TypeDispatch.float(input.dtype, op: "Hardmax",
                               Body(input: input, output: output, outer: product(shape, 0..<axis), length: shape[axis],
                                    inner: product(shape, (axis + 1)..<shape.count)))
    }
}
