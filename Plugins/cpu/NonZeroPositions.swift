import PlexusPluginKit

/// NonZero (opset 13): the coordinates of the nonzero elements, one column per element in
/// row-major order: an int64 tensor [rank, count] (a scalar counts as a 1-element vector).
enum NonZeroPositions: OperatorFamily {
    /// The NonZero schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("NonZero", since: 13, inputs: 1...1, doc: "coordinates of the nonzero elements",
                      supports: DTypes.first(DTypes.numeric.union(DTypes.halfs).union([.bool])), compute: compute)]
    }

    /// Finds the linear positions of the nonzero elements.
    final class Search: NumericBody {
        /// The tensor searched.
        let input: KernelTensor
        private(set) var positions: [Int] = []
        /// A search of `input`.
        init(_ input: KernelTensor) { self.input = input }
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let x = input.pointer(as: T.self)
            positions = (0..<input.count).filter { x[$0] != T.zero }
        }
    }

    /// The kernel: finds the positions, then writes their coordinates.
    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0)
        let positions: [Int]
        if HalfPrecision.isHalf(input.dtype) {
            positions = HalfPrecision.widened(input).enumerated().filter { $0.element != 0 }.map(\.offset)
        } else {
            let search = Search(input)
            try TypeDispatch.numeric(input.dtype == .bool ? .uint8 : input.dtype, op: "NonZero", search)
            positions = search.positions
        }
        let shape = input.rank == 0 ? [1] : input.shape
        let output = try context.output(0, .int64, [shape.count, positions.count])
        let out = output.pointer(as: Int64.self), strides = contiguousStrides(shape)
        for (column, position) in positions.enumerated() {
            for d in 0..<shape.count {
                out[d * positions.count + column] = Int64((position / strides[d]) % shape[d])
            }
        }
    }
}
