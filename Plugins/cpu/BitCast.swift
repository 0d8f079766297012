import PlexusPluginKit

/// BitCast (opset 26): reinterprets the bytes of a tensor as another dtype of the same width.
enum BitCast {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        [OpDefinition("BitCast", since: 26, inputs: 1...1, attributes: [.required("to", .int)],
                      doc: "the input's bit pattern read as the dtype `to` (same element width)",
                      supports: DTypes.first(DTypes.numeric.union(DTypes.halfs).union([.bool])),
                      infer: { context in
                          guard let input = context.input(0) else { throw PlexusError.invalid("BitCast needs an input") }
                          try context.setOutput(0, try target(context.attributes, from: input.dtype), input.shape)
                      },
                      compute: { context in
                          let input = try context.input(0)
                          let output = try context.output(0, try target(context.attributes, from: input.dtype), input.shape)
                          output.data.copyMemory(from: input.data, byteCount: input.count * input.dtype.elementSize)
                      })]
    }

    /// The dtype `to`, checked to be a non-string type as wide as `source`.
    static func target(_ attributes: AttributeReader, from source: DType) throws -> DType {
        let raw = try attributes.int("to") ?? 0
        guard let dtype = DType(rawValue: Int32(clamping: raw)), dtype != .string else {
            throw PlexusError(.unsupported, "BitCast: unsupported target dtype \(raw)")
        }
        guard dtype.elementSize == source.elementSize else {
            throw PlexusError.invalid("BitCast: \(source) and \(dtype) differ in width")
        }
        return dtype
    }
}
