import PlexusPluginKit

/// Reshape, Flatten, Squeeze, Unsqueeze and Identity: views that share the input's memory.
enum Reshaping: OperatorFamily {
    static var definitions: [OpDefinition] {
        [
            OpDefinition("Reshape", since: 21, inputs: 2...2, attributes: [AttributeDeclaration("allowzero", .int, default: .int(0))],
                         doc: "view with a new shape (0 copies a dim unless allowzero, -1 is inferred)", compute: { context in
                             let input = try context.input(0)
                             let requested = try context.input(1).integers()
                             let shape = try reshape(input.shape, to: requested, allowZero: try context.attributes.int("allowzero") == 1)
                             try context.alias(0, of: input, shape: shape)
                         }),
            OpDefinition("Flatten", since: 21, inputs: 1...1, attributes: [AttributeDeclaration("axis", .int, default: .int(1))],
                         doc: "2-D view: dims before `axis` × dims from `axis`", compute: { context in
                             let input = try context.input(0)
                             var axis = try context.attributes.int("axis") ?? 1
                             if axis < 0 { axis += input.rank }
                             guard axis >= 0 && axis <= input.rank else { throw PlexusError.invalid("Flatten: axis out of range for rank \(input.rank)") }
                             try context.alias(0, of: input, shape: [product(input.shape, 0..<axis), product(input.shape, axis..<input.rank)])
                         }),
            OpDefinition("Squeeze", since: 21, inputs: 1...2, attributes: [AttributeDeclaration("axes", .ints)],
                         doc: "remove size-1 dims (`axes`, or all)", compute: { context in
                             let input = try context.input(0)
                             let given = try context.optionalInput(1)?.integers() ?? context.attributes.ints("axes")
                             let axes = try given.map { try $0.map { try normalizedAxis($0, rank: input.rank, op: "Squeeze") } }
                                 ?? input.shape.indices.filter { input.shape[$0] == 1 }
                             for axis in axes where input.shape[axis] != 1 {
                                 throw PlexusError(.shapeMismatch, "Squeeze: dim \(axis) of shape \(input.shape) is not 1")
                             }
                             try context.alias(0, of: input, shape: input.shape.indices.filter { !axes.contains($0) }.map { input.shape[$0] })
                         }),
            OpDefinition("Unsqueeze", since: 21, inputs: 1...2, attributes: [AttributeDeclaration("axes", .ints)],
                         doc: "insert size-1 dims at `axes` (of the output)", compute: { context in
                             let input = try context.input(0)
                             guard let given = try context.optionalInput(1)?.integers() ?? context.attributes.ints("axes") else {
                                 throw PlexusError.invalid("Unsqueeze needs axes")
                             }
                             let rank = input.rank + given.count
                             let axes = try given.map { try normalizedAxis($0, rank: rank, op: "Unsqueeze") }
                             guard Set(axes).count == axes.count else { throw PlexusError.invalid("Unsqueeze: repeated axis in \(given)") }
                             var dims = input.shape.makeIterator()
                             try context.alias(0, of: input, shape: (0..<rank).map { axes.contains($0) ? 1 : dims.next()! })
                         }),
            OpDefinition("Identity", since: 21, inputs: 1...1, doc: "the input itself (shared memory)",
                         infer: Inference.sameAsInput(), compute: { context in
                             let input = try context.input(0)
                             try context.alias(0, of: input, shape: input.shape)
                         }),
        ]
    }

    /// ONNX Reshape's rules for 0 and -1.
    static func reshape(_ shape: [Int], to requested: [Int], allowZero: Bool) throws -> [Int] {
        var result = try requested.enumerated().map { index, dim -> Int in
            if dim == 0 && !allowZero {
                guard index < shape.count else { throw PlexusError.invalid("Reshape: 0 at \(index) has no input dim to copy") }
                return shape[index]
            }
            guard dim >= -1 else { throw PlexusError.invalid("Reshape: invalid dim \(dim)") }
            return dim
        }
        let count = shape.reduce(1, *)
        let unknown = result.indices.filter { result[$0] == -1 }
        guard unknown.count <= 1 else { throw PlexusError.invalid("Reshape: more than one -1 in \(requested)") }
        if let index = unknown.first {
            let known = try CheckedSize.count(result.enumerated().filter { $0.offset != index }.map(\.element), "Reshape: shape \(requested)")
            guard known != 0, count % known == 0 else {
                throw PlexusError(.shapeMismatch, "Reshape: cannot reshape \(shape) to \(requested)")
            }
            result[index] = count / known
        }
        guard try CheckedSize.count(result, "Reshape: cannot reshape \(shape) to \(requested)") == count else {
            throw PlexusError(.shapeMismatch, "Reshape: cannot reshape \(shape) (\(count) elements) to \(requested)")
        }
        return result
    }
}
