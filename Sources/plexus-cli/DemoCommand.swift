#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PlexusCore

/// `plexus demo`: a small network's forward pass and a GEMM throughput figure, computed by the
/// loaded backend plugins through the operator registry.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo",
                                                    abstract: "Run a small MLP forward pass and a GEMM benchmark on the loaded backends.")

    @Option(help: "Intra-op threads (0 = one per core).")
    var threads = 0

    @Option(help: "Size of the square GEMM to time.")
    var gemmSize = 512

    func run() throws {
        try Parallel.setThreadCount(threads)
        PluginLoader.shared.discoverIfNeeded()
        print("plugins: " + OpRegistry.shared.plugins.map { "\($0.name) \($0.version) (\($0.ops.count) ops)" }.joined(separator: ", "))
        try classifySpirals()
        try timeGemm(gemmSize)
    }

    /// Two interleaved spirals, classified by a fixed-feature network: Gemm → Tanh → Gemm →
    /// Softmax → ArgMax, with the second layer's weights solved in closed form (least squares
    /// through the normal equations, itself computed with MatMul/Transpose ops).
    func classifySpirals() throws {
        var generator = SplitMix(seed: 7)
        let perClass = 200, hidden = 128
        var points: [Float] = [], labels: [Float] = []
        for label in 0..<2 {
            for index in 0..<perClass {
                let t = Float(index) / Float(perClass) * 3 * .pi + 0.3
                let angle = t + Float(label) * .pi
                points += [t * cos(angle) / 10 + generator.normal() * 0.02, t * sin(angle) / 10 + generator.normal() * 0.02]
                labels += label == 0 ? [1, 0] : [0, 1]
            }
        }
        let n = 2 * perClass
        let x = try Tensor(points, shape: [n, 2])
        let y = try Tensor(labels, shape: [n, 2])
        let w1 = try Tensor((0..<(2 * hidden)).map { _ in generator.normal() * 4 }, shape: [2, hidden])
        let b1 = try Tensor((0..<hidden).map { _ in generator.normal() }, shape: [hidden])
        let features = try Ops.call1("Tanh", [try Ops.call1("Gemm", [x, w1, b1])])
        // Ridge regression for the output layer: W2 = (FᵀF + λI)⁻¹ FᵀY, solved by gradient-free
        // Richardson iteration so that only registered ops are used.
        let ft = try Ops.call1("Transpose", [features])
        let gram = try Ops.call1("MatMul", [ft, features])
        let target = try Ops.call1("MatMul", [ft, y])
        var w2 = try Tensor(dtype: .float32, shape: [hidden, 2])
        let step = try Tensor(scalar: Float(1.0 / Double(n * hidden) * 8))
        for _ in 0..<3000 {
            let residual = try Ops.call1("Sub", [target, try Ops.call1("MatMul", [gram, w2])])
            w2 = try Ops.call1("Add", [w2, try Ops.call1("Mul", [residual, step])])
        }
        let probabilities = try Ops.call1("Softmax", [try Ops.call1("MatMul", [features, w2])], attributes: ["axis": .int(1)])
        let predicted = try Ops.call1("ArgMax", [probabilities], attributes: ["axis": .int(1), "keepdims": .int(0)])
        let truth = try Ops.call1("ArgMax", [y], attributes: ["axis": .int(1), "keepdims": .int(0)])
        let correct = try Ops.call1("Cast", [try Ops.call1("Equal", [predicted, truth])], attributes: ["to": .int(Int64(DType.float32.rawValue))])
        let accuracy = try Ops.call1("ReduceMean", [correct], attributes: ["keepdims": .int(0)]).elements(as: Float.self)[0]
        print("spirals: \(n) points, random tanh features (\(hidden)) + least-squares readout: accuracy \(String(format1: accuracy * 100))%")
    }

    func timeGemm(_ size: Int) throws {
        var generator = SplitMix(seed: 1)
        let a = try Tensor((0..<(size * size)).map { _ in generator.normal() }, shape: [size, size])
        let b = try Tensor((0..<(size * size)).map { _ in generator.normal() }, shape: [size, size])
        _ = try Ops.call1("MatMul", [a, b])
        var best = Double.infinity
        for _ in 0..<5 {
            let start = now()
            _ = try Ops.call1("MatMul", [a, b])
            best = min(best, now() - start)
        }
        let gflops = 2 * Double(size * size * size) / best / 1e9
        print("MatMul \(size)x\(size) float32 on \(Parallel.threadCount) threads (\(OpRegistry.shared.kernels(for: OpKey(name: "MatMul")).first?.backend ?? "?")): " +
              "\(String(format1: Float(best * 1000))) ms, \(String(format1: Float(gflops))) GFLOP/s")
    }

    func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// A small seeded random generator (SplitMix64) with a Box–Muller normal.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
    mutating func normal() -> Float {
        let u = max(uniform(), 1e-7), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

extension String {
    /// `value` with one decimal.
    init(format1 value: Float) {
        let scaled = (Double(value) * 10).rounded() / 10
        self = "\(scaled)"
    }
}
