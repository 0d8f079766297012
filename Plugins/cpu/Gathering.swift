import PlexusPluginKit

/// Gather and GatherElements, with negative indices counting from the end.
enum Gathering: OperatorFamily {
    static var definitions: [OpDefinition] {
        [
            OpDefinition("Gather", since: 13, inputs: 2...2, attributes: [AttributeDeclaration("axis", .int, default: .int(0))],
                         doc: "take slices of `data` at `indices` along `axis`", compute: gather),
            OpDefinition("GatherElements", since: 13, inputs: 2...2, attributes: [AttributeDeclaration("axis", .int, default: .int(0))],
                         doc: "take elements of `data` at `indices` along `axis`", compute: gatherElements),
        ]
    }

    /// The indices as Ints, checked against `length` and made non-negative.
    static func indices(_ tensor: KernelTensor, length: Int, op: String) throws -> [Int] {
        guard DTypes.indices.contains(tensor.dtype) else {
            throw PlexusError(.dtypeMismatch, "\(op): indices must be int32 or int64, got \(tensor.dtype)")
        }
        return try tensor.integers().map { index in
            let value = index < 0 ? index + length : index
            guard value >= 0 && value < length else {
                throw PlexusError.invalid("\(op): index \(index) is out of range for a dimension of size \(length)")
            }
            return value
        }
    }

    static func gather(_ context: KernelContext) throws {
        let data = try context.input(0), indexTensor = try context.input(1)
        let axis = try normalizedAxis(try context.attributes.int("axis") ?? 0, rank: data.rank, op: "Gather")
        guard data.rank > 0 else { throw PlexusError.invalid("Gather: data must have rank >= 1") }
        let length = data.shape[axis]
        let indices = try indices(indexTensor, length: length, op: "Gather")
        let shape = Array(data.shape[..<axis]) + indexTensor.shape + Array(data.shape[(axis + 1)...])
        let output = try context.output(0, data.dtype, shape)
        let outer = product(data.shape, 0..<axis), inner = product(data.shape, (axis + 1)..<data.rank) * data.dtype.elementSize
        var target = output.data
        for o in 0..<outer {
            for index in indices {
                target.copyMemory(from: data.data + (o * length + index) * inner, byteCount: inner)
                target += inner
            }
        }
        Movement.ownStrings(output)
    }

    struct ElementsBody: MoveBody {
        let data: KernelTensor, indices: [Int], shape: [Int], axis: Int, output: KernelTensor
        func run<T: BitwiseCopyable>(_ type: T.Type) throws {
            let source = data.pointer(as: T.self), target = output.pointer(as: T.self)
            let dataStrides = contiguousStrides(data.shape), outStrides = contiguousStrides(shape)
            for linear in 0..<indices.count {
                var offset = 0, remainder = linear
                for d in 0..<shape.count {
                    let coordinate = remainder / outStrides[d]
                    remainder %= outStrides[d]
                    offset += (d == axis ? indices[linear] : coordinate) * dataStrides[d]
                }
                target[linear] = source[offset]
            }
        }
    }

    static func gatherElements(_ context: KernelContext) throws {
        let data = try context.input(0), indexTensor = try context.input(1)
        guard data.rank == indexTensor.rank, data.rank > 0 else {
            throw PlexusError(.shapeMismatch, "GatherElements: data \(data.shape) and indices \(indexTensor.shape) need the same rank")
        }
        let axis = try normalizedAxis(try context.attributes.int("axis") ?? 0, rank: data.rank, op: "GatherElements")
        for d in 0..<data.rank where d != axis && indexTensor.shape[d] > data.shape[d] {
            throw PlexusError(.shapeMismatch, "GatherElements: indices \(indexTensor.shape) exceed data \(data.shape) at dim \(d)")
        }
        let indices = try indices(indexTensor, length: data.shape[axis], op: "GatherElements")
        let output = try context.output(0, data.dtype, indexTensor.shape)
        try Movement.dispatch(data.dtype, ElementsBody(data: data, indices: indices, shape: indexTensor.shape, axis: axis, output: output))
        Movement.ownStrings(output)
    }
}
