import PlexusPluginKit

/// Expand (broadcast to a shape) and Tile (repeat along each dim): strided copies with zero
/// strides over the repeated dims.
enum Replication: OperatorFamily {
    static var definitions: [OpDefinition] {
        [
            OpDefinition("Expand", since: 13, inputs: 2...2, doc: "broadcast to a shape", compute: { context in
                let input = try context.input(0)
                let shape = try Broadcast.shape(of: [input.shape, try context.input(1).integers()], op: "Expand")
                let padded = [Int](repeating: 1, count: shape.count - input.rank) + input.shape
                let own = contiguousStrides(padded)
                let output = try context.output(0, input.dtype, shape)
                try StridedCopy.copy(from: input, to: output, strides: (0..<shape.count).map { padded[$0] == 1 ? 0 : own[$0] })
            }),
            OpDefinition("Tile", since: 13, inputs: 2...2, doc: "repeat the input `repeats[d]` times along each dim", compute: { context in
                let input = try context.input(0)
                let repeats = try context.input(1).integers()
                guard repeats.count == input.rank, repeats.allSatisfy({ $0 >= 0 }) else {
                    throw PlexusError.invalid("Tile: repeats \(repeats) must be \(input.rank) non-negative counts")
                }
                // View the output as [r0, d0, r1, d1, ...] reading the input with stride 0 over each r.
                let own = contiguousStrides(input.shape)
                let shape = try zip(repeats, input.shape).map { try CheckedSize.multiply($0, $1, "Tile: repeats \(repeats) of shape \(input.shape)") }
                _ = try CheckedSize.count(shape, "Tile: repeats \(repeats) of shape \(input.shape)")
                let output = try context.output(0, input.dtype, shape)
                let interleaved = KernelTensorShape.interleave(repeats, input.shape)
                try Movement.dispatch(input.dtype, StridedCopy(source: input.data, target: output.data, shape: interleaved,
                                                               strides: own.flatMap { [0, $0] }, base: 0))
                Movement.ownStrings(output)
            }),
        ]
    }
}

enum KernelTensorShape {
    /// [a0, b0, a1, b1, ...]
    static func interleave(_ a: [Int], _ b: [Int]) -> [Int] { zip(a, b).flatMap { [$0, $1] } }
}
