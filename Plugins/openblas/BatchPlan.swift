import PlexusPluginKit

/// The broadcast batch dims of a MatMul: the output's batch shape and, for each output matrix,
/// which matrix of A and of B it multiplies.
struct BatchPlan {
    let shape: [Int]
    let count: Int
    /// Strides (in matrices) of A and B along each output batch dim; 0 where broadcast.
    private let leftStrides: [Int], rightStrides: [Int]

    init(_ left: [Int], _ right: [Int]) throws {
        let rank = max(left.count, right.count)
        let a = [Int](repeating: 1, count: rank - left.count) + left
        let b = [Int](repeating: 1, count: rank - right.count) + right
        var shape: [Int] = []
        for (x, y) in zip(a, b) {
            guard x == y || x == 1 || y == 1 else {
                throw PlexusError(.shapeMismatch, "MatMul: batch dims \(left) and \(right) do not broadcast")
            }
            shape.append(x == 1 ? y : x)
        }
        func strides(_ dims: [Int]) -> [Int] {
            var result = [Int](repeating: 0, count: rank), step = 1
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                result[axis] = dims[axis] == 1 ? 0 : step
                step *= dims[axis]
            }
            return result
        }
        self.shape = shape
        count = shape.reduce(1, *)
        leftStrides = strides(a)
        rightStrides = strides(b)
    }

    /// True when every output matrix uses the same B and A's matrices are laid out in output
    /// order, so the batch folds into the rows of one product.
    var sharesRight: Bool {
        rightStrides.allSatisfy { $0 == 0 } && zip(shape, leftStrides).allSatisfy { size, stride in size == 1 || stride != 0 }
    }

    /// The matrix indices of A and B for output matrix `index`.
    func offsets(_ index: Int) -> (Int, Int) {
        var remainder = index, left = 0, right = 0
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            let position = remainder % shape[axis]
            remainder /= shape[axis]
            left += position * leftStrides[axis]
            right += position * rightStrides[axis]
        }
        return (left, right)
    }
}
