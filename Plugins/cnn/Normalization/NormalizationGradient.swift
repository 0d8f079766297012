import PlexusPluginKit

/// The gradient of y = scale·x̂ + B with x̂ = (x − mean)/√(var + ε), the statistics taken from
/// x itself over `axes` (batch normalisation in training mode, instance normalisation), written
/// with ops. Inputs 0, 1, 2 of the node are X, scale and B.
enum NormalizationGradient {
    /// Sets dX, dscale and dB where needed:
    /// dX = (1/σ)·(d̂ − mean(d̂) − x̂·mean(d̂·x̂)) with d̂ = dY·scale; dscale = Σ dY·x̂; dB = Σ dY.
    static func apply(_ g: Gradient, upstream d: KernelTensor, axes: [Int], epsilon: Double) throws {
        let x = try g.input(0), scale = try g.input(1)
        let reduced = try g.int64s(axes)
        func mean(_ t: KernelTensor) throws -> KernelTensor { try g.call1("ReduceMean", [t, reduced], [("keepdims", .int(1))]) }
        let centered = try g.call1("Sub", [x, try mean(x)])
        let variance = try mean(try g.call1("Mul", [centered, centered]))
        let inverse = try g.call1("Reciprocal", [try g.call1("Sqrt", [try g.call1("Add", [variance, try g.scalar(epsilon, x.dtype)])])])
        let normalized = try g.call1("Mul", [centered, inverse])
        let parameterAxes = try g.int64s(channelReductionAxes(rank: x.rank))
        if g.needs(1) {
            try g.set(1, try g.call1("ReduceSum", [try g.call1("Mul", [d, normalized]), parameterAxes], [("keepdims", .int(0))]))
        }
        if g.needs(2) { try g.set(2, try g.call1("ReduceSum", [d, parameterAxes], [("keepdims", .int(0))])) }
        guard g.needs(0) else { return }
        let scaled = try g.call1("Mul", [d, try g.reshape(scale, channelShape(of: x))])
        let centeredGradient = try g.call1("Sub", [scaled, try mean(scaled)])
        let projection = try g.call1("Mul", [normalized, try mean(try g.call1("Mul", [scaled, normalized]))])
        try g.set(0, try g.call1("Mul", [inverse, try g.call1("Sub", [centeredGradient, projection])]))
    }

    /// All axes but the channel axis 1: [0, 2, 3, ...].
    static func channelReductionAxes(rank: Int) -> [Int] { [0] + Array(2..<rank) }

    /// [1, C, 1, ...]: a per-channel vector shaped to broadcast against `x`.
    static func channelShape(of x: KernelTensor) -> [Int] { [1, x.shape[1]] + Array(repeating: 1, count: x.rank - 2) }
}
