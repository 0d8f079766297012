import PlexusCore
import XCTest

/// Central-difference check of d(Σ w·f(inputs))/d(input) for float64 tensors that require
/// grad: returns a description of the first mismatch, or nil.
func finiteDifferenceMismatch(_ tensors: [Tensor], tolerance: Double = 1e-4,
                              _ function: () throws -> Tensor) throws -> String? {
    let output = try function()
    var state: UInt64 = 99
    let weights = (0..<output.count).map { _ -> Double in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 33) / Double(1 << 31) - 0.5
    }
    tensors.forEach { $0.zeroGrad() }
    try output.backward(try Tensor(weights, shape: output.shape))
    func objective() throws -> Double {
        try withoutGradients { zip(values(try function()), weights).reduce(0) { $0 + $1.0 * $1.1 } }
    }
    for (which, tensor) in tensors.enumerated() {
        let analytic = tensor.grad.map(values) ?? [Double](repeating: 0, count: tensor.count)
        let data = tensor.data.assumingMemoryBound(to: Double.self)
        for index in 0..<min(tensor.count, 60) {
            let original = data[index], eps = 1e-6 * max(1, abs(original))
            data[index] = original + eps
            let up = try objective()
            data[index] = original - eps
            let down = try objective()
            data[index] = original
            let numeric = (up - down) / (2 * eps)
            if abs(numeric - analytic[index]) > tolerance * (1 + abs(numeric)) {
                return "tensor \(which) element \(index): analytic \(analytic[index]) vs numeric \(numeric)"
            }
        }
    }
    return nil
}

/// A float64 tensor of pseudo-random values in [-1, 1) that requires grad.
func randomLeaf(_ shape: [Int], seed: UInt64, requiresGrad: Bool = true) throws -> Tensor {
    var state = seed
    let count = shape.reduce(1, *)
    let t = try Tensor((0..<count).map { _ -> Double in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }, shape: shape)
    t.requiresGrad = requiresGrad
    return t
}
