import PlexusPluginKit

/// Transpose: permute dims (reversed when `perm` is omitted).
enum Transposition: OperatorFamily {
    static var definitions: [OpDefinition] {
        [OpDefinition("Transpose", since: 21, inputs: 1...1, attributes: [AttributeDeclaration("perm", .ints)],
                      doc: "permute dimensions", compute: { context in
                          let input = try context.input(0)
                          let perm = try context.attributes.ints("perm") ?? Array((0..<input.rank).reversed())
                          guard perm.count == input.rank, Set(perm) == Set(0..<input.rank) else {
                              throw PlexusError.invalid("Transpose: perm \(perm) is not a permutation of 0..<\(input.rank)")
                          }
                          let strides = contiguousStrides(input.shape)
                          let output = try context.output(0, input.dtype, perm.map { input.shape[$0] })
                          try StridedCopy.copy(from: input, to: output, strides: perm.map { strides[$0] })
                      })]
    }
}
