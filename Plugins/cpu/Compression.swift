import PlexusPluginKit

/// Compress (opset 28, unchanged since 11): the slices along `axis` whose entry in the boolean
/// `condition` is true (the flattened input's elements when `axis` is absent), like
/// numpy.compress. A condition shorter than the axis drops the slices past its end.
enum Compression: OperatorFamily {
    /// The Compress schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("Compress", since: 28, inputs: 2...2, attributes: [AttributeDeclaration("axis", .int)],
                      doc: "the slices along axis (or elements) where condition is true", compute: compute)]
    }

    /// The kernel: copies the kept slices, for every dtype.
    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0), condition = try context.input(1)
        guard condition.dtype == .bool, condition.rank == 1 else {
            throw PlexusError.invalid("Compress: condition must be a 1-D bool tensor, got \(condition.dtype)\(condition.shape)")
        }
        let flat = try context.attributes.int("axis") == nil
        guard flat || input.rank >= 1 else { throw PlexusError.invalid("Compress: axis needs an input of rank >= 1") }
        let shape = flat ? [input.count] : input.shape
        let axis = flat ? 0 : try normalizedAxis(try context.attributes.int("axis")!, rank: input.rank, op: "Compress")
        let length = shape[axis], flags = condition.pointer(as: Bool.self)
        guard (min(length, condition.count)..<condition.count).allSatisfy({ !flags[$0] }) else {
            throw PlexusError(.shapeMismatch, "Compress: condition selects past the end of a dimension of size \(length)")
        }
        let kept = (0..<min(length, condition.count)).filter { flags[$0] }
        var outputShape = shape
        outputShape[axis] = kept.count
        let output = try context.output(0, input.dtype, outputShape)
        let outer = product(shape, 0..<axis), slice = product(shape, (axis + 1)..<shape.count) * input.dtype.elementSize
        var target = output.data
        for o in 0..<outer {
            for index in kept {
                target.copyMemory(from: input.data + (o * length + index) * slice, byteCount: slice)
                target += slice
            }
        }
        Movement.ownStrings(output)
    }
}
