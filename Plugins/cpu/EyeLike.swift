import PlexusPluginKit

/// EyeLike (opset 22): a 2-D tensor shaped like the input with ones on the diagonal shifted
/// by `k` (above the main one for k > 0) and zeros elsewhere, of dtype `dtype` (the input's
/// when absent).
enum EyeLike: OperatorFamily {
    /// The EyeLike schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("EyeLike", since: 22, inputs: 1...1,
                      attributes: [AttributeDeclaration("dtype", .int), AttributeDeclaration("k", .int, default: .int(0))],
                      doc: "ones on the k-th diagonal of a matrix shaped like the input",
                      supports: DTypes.first(DTypes.numeric.union(DTypes.halfs).union([.bool])),
                      infer: { context in
                          guard let input = context.input(0) else { throw PlexusError.invalid("EyeLike needs an input") }
                          try context.setOutput(0, try outputType(context.attributes, input: input.dtype), input.shape)
                      },
                      compute: compute)]
    }

    /// The `dtype` attribute, or the input's dtype.
    static func outputType(_ attributes: AttributeReader, input: DType) throws -> DType {
        guard let code = try attributes.int("dtype") else { return input }
        guard let dtype = DType(rawValue: Int32(clamping: code)), dtype != .string else {
            throw PlexusError(.unsupported, "EyeLike: unsupported dtype \(code)")
        }
        return dtype
    }

    /// The kernel: zeros, then the bytes of a one on the diagonal.
    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0)
        guard input.rank == 2 else { throw PlexusError.invalid("EyeLike: the input must be 2-D, got shape \(input.shape)") }
        let dtype = try outputType(context.attributes, input: input.dtype)
        let output = try context.output(0, dtype, input.shape)
        let size = dtype.elementSize
        output.data.initializeMemory(as: UInt8.self, repeating: 0, count: output.count * size)
        // The bytes of a one in the output's dtype, written on the diagonal.
        let unit = try OwnedTensor.create(.float64, [])
        unit.view.pointer(as: Double.self)[0] = 1
        let one = try Casting.cast(unit.view, to: dtype)
        let (rows, columns) = (input.shape[0], input.shape[1])
        // Clamped to [-rows, columns] (beyond it the diagonal misses the matrix), so that k near
        // Int64.min or Int64.max cannot overflow the index arithmetic below.
        let k = min(max(try context.attributes.int("k") ?? 0, -rows), columns)
        for row in max(0, -k)..<max(max(0, -k), min(rows, columns - k)) {
            (output.data + (row * columns + row + k) * size).copyMemory(from: one.view.data, byteCount: size)
        }
    }
}
