import PlexusPluginKit

/// Det (opset 22): the determinant of each square matrix in the last two dims, by LU
/// decomposition with partial pivoting (computed in double precision).
enum Determinant: OperatorFamily {
    /// The Det schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("Det", since: 22, inputs: 1...1, doc: "determinant of each matrix in the last two dims",
                      supports: DTypes.first(DTypes.floats),
                      infer: { context in
                          guard let input = context.input(0) else { throw PlexusError.invalid("Det needs an input") }
                          try context.setOutput(0, input.dtype, input.shape.map { Array($0.dropLast(2)) })
                      },
                      compute: compute)]
    }

    /// The determinant of the n×n row-major matrix in `matrix` (overwritten by its LU factors).
    static func determinant(_ matrix: UnsafeMutableBufferPointer<Double>, size n: Int) -> Double {
        var result = 1.0
        for column in 0..<n {
            var pivot = column
            for row in (column + 1)..<max(n, column + 1) where abs(matrix[row * n + column]) > abs(matrix[pivot * n + column]) { pivot = row }
            let value = matrix[pivot * n + column]
            if value == 0 { return 0 }
            if pivot != column {
                for k in 0..<n { matrix.swapAt(pivot * n + k, column * n + k) }
                result = -result
            }
            result *= value
            for row in (column + 1)..<max(n, column + 1) {
                let factor = matrix[row * n + column] / value
                for k in (column + 1)..<n { matrix[row * n + k] -= factor * matrix[column * n + k] }
            }
        }
        return result
    }

    /// One LU decomposition per matrix, per float type.
    struct Body: FloatBody {
        let input: KernelTensor, output: KernelTensor, size: Int
        func run<T: CPUFloat>(_ type: T.Type) throws {
            let x = input.pointer(as: T.self), y = output.pointer(as: T.self), elements = size * size
            var scratch = [Double](repeating: 0, count: elements)
            scratch.withUnsafeMutableBufferPointer { matrix in
                for index in 0..<output.count {
                    for k in 0..<elements { matrix[k] = x[index * elements + k].double }
                    y[index] = T(determinant(matrix, size: size))
                }
            }
        }
    }

    /// The kernel: checks that the matrices are square.
    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0)
        guard input.rank >= 2, input.shape[input.rank - 1] == input.shape[input.rank - 2] else {
            throw PlexusError.invalid("Det: the input must be [..., M, M], got shape \(input.shape)")
        }
        let output = try context.output(0, input.dtype, Array(input.shape.dropLast(2)))
        try TypeDispatch.float(input.dtype, op: "Det", Body(input: input, output: output, size: input.shape[input.rank - 1]))
    }
}
