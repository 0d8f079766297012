import Foundation
import PlexusCore
import XCTest

/// Three steps of each optimizer against the update formulas written out by hand (the ones
/// PyTorch documents), on a parameter whose gradient is fixed per step.
final class OptimizerTests: XCTestCase {
    // Six elements, so vectorised update paths (four lanes) and their tails both run.
    let gradients: [[Double]] = [[0.5, -1.0, 0.1, 0.2, -0.3, 1.5], [0.25, 2.0, -0.4, 0.0, 0.3, -1.0], [-0.75, 0.5, 0.2, -0.2, 0.1, 0.9]]
    let start = [1.0, -2.0, 0.5, 0.25, -1.5, 3.0]

    /// Runs `optimizer` for three steps with the fixed gradients; returns the parameter after each.
    func trajectory(_ make: ([Tensor]) throws -> Optimizer) throws -> [[Double]] {
        let parameter = try Tensor(start, shape: [start.count])
        parameter.requiresGrad = true
        let optimizer = try make([parameter])
        var result: [[Double]] = []
        for gradient in gradients {
            optimizer.zeroGrad()
            try parameter.backward(try Tensor(gradient, shape: [gradient.count]))  // d(p·g)/dp = g
            try optimizer.step()
            result.append(try parameter.elements(as: Double.self))
        }
        return result
    }

    func assertTrajectory(_ actual: [[Double]], _ expected: [[Double]], file: StaticString = #filePath, line: UInt = #line) {
        for (a, e) in zip(actual, expected) {
            for (x, y) in zip(a, e) { XCTAssertEqual(x, y, accuracy: 1e-12, file: file, line: line) }
        }
    }

    func reference(_ update: (inout [Double], [Double], Int) -> Void) -> [[Double]] {
        var p = start, out: [[Double]] = []
        for (t, g) in gradients.enumerated() {
            update(&p, g, t + 1)
            out.append(p)
        }
        return out
    }

    func testSGDWithMomentumNesterovAndWeightDecay() throws {
        let (lr, mu, wd) = (0.1, 0.9, 0.01)
        var buffer: [Double]? = nil
        let expected = reference { p, g, _ in
            let d = zip(g, p).map { $0 + wd * $1 }
            buffer = buffer.map { b in zip(b, d).map { mu * $0 + $1 } } ?? d
            let step = zip(d, buffer!).map { $0 + mu * $1 }  // Nesterov
            p = zip(p, step).map { $0 - lr * $1 }
        }
        assertTrajectory(try trajectory { try SGD($0, learningRate: lr, momentum: mu, weightDecay: wd, nesterov: true) }, expected)
        let plain = reference { p, g, _ in p = zip(p, g).map { $0 - 0.1 * $1 } }
        assertTrajectory(try trajectory { try SGD($0, learningRate: 0.1) }, plain)
    }

    func testAdamAndAdamW() throws {
        for decoupled in [false, true] {
            let (lr, b1, b2, eps, wd) = (0.01, 0.9, 0.999, 1e-8, 0.1)
            var m = [Double](repeating: 0, count: 6), v = m
            let expected = reference { p, g, t in
                var d = g
                if decoupled { p = p.map { $0 * (1 - lr * wd) } } else { d = zip(g, p).map { $0 + wd * $1 } }
                m = zip(m, d).map { b1 * $0 + (1 - b1) * $1 }
                v = zip(v, d).map { b2 * $0 + (1 - b2) * $1 * $1 }
                let mh = m.map { $0 / (1 - pow(b1, Double(t))) }, vh = v.map { $0 / (1 - pow(b2, Double(t))) }
                p = p.indices.map { p[$0] - lr * mh[$0] / (vh[$0].squareRoot() + eps) }
            }
            assertTrajectory(try trajectory { try Adam($0, learningRate: lr, weightDecay: wd, decoupled: decoupled) }, expected)
        }
    }

    /// float32 parameters keep float32 state and take the 8-lane path: same trajectory to float precision.
    func testFloat32ParametersFollowTheSameTrajectories() throws {
        let makers: [([Tensor]) throws -> Optimizer] = [
            { try Adam($0, learningRate: 0.01, weightDecay: 0.1, decoupled: true) },
            { try SGD($0, learningRate: 0.1, momentum: 0.9, nesterov: true) },
            { try RMSprop($0, learningRate: 0.01, momentum: 0.5, centered: true) },
        ]
        let long = (0..<19).map { Double($0) / 7 - 1 }  // 19 elements: two 8-lane blocks and a tail
        for make in makers {
            var results: [[Double]] = []
            for dtype in [DType.float64, .float32] {
                let parameter = dtype == .float64 ? try Tensor(long, shape: [19]) : try Tensor(long.map(Float.init), shape: [19])
                parameter.requiresGrad = true
                let optimizer = try make([parameter])
                for step in 0..<3 {
                    optimizer.zeroGrad()
                    let seed = long.map { sin($0 * Double(step + 1)) }
                    try parameter.backward(dtype == .float64 ? try Tensor(seed, shape: [19]) : try Tensor(seed.map(Float.init), shape: [19]))
                    try optimizer.step()
                }
                results.append(values(parameter))
            }
            for (x, y) in zip(results[0], results[1]) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        }
    }

    func testRMSpropCenteredWithMomentum() throws {
        let (lr, alpha, eps, mu) = (0.01, 0.9, 1e-8, 0.5)
        var s = [Double](repeating: 0, count: 6), a = s, b = s
        let expected = reference { p, g, _ in
            s = zip(s, g).map { alpha * $0 + (1 - alpha) * $1 * $1 }
            a = zip(a, g).map { alpha * $0 + (1 - alpha) * $1 }
            let denominator = p.indices.map { (s[$0] - a[$0] * a[$0]).squareRoot() + eps }
            b = p.indices.map { mu * b[$0] + g[$0] / denominator[$0] }
            p = p.indices.map { p[$0] - lr * b[$0] }
        }
        assertTrajectory(try trajectory { try RMSprop($0, learningRate: lr, alpha: alpha, momentum: mu, centered: true) }, expected)
    }

    func testSchedulesAndClipping() throws {
        let parameter = try Tensor([1.0], shape: [1])
        let sgd = try SGD([parameter], learningRate: 1)
        let step = try LearningRateSchedule(sgd, .step(stepSize: 2, gamma: 0.5))
        var rates = [sgd.learningRate]
        for _ in 0..<4 { step.step(); rates.append(sgd.learningRate) }
        XCTAssertEqual(rates, [1, 1, 0.5, 0.5, 0.25])
        let cosine = try LearningRateSchedule(try SGD([parameter], learningRate: 1), .cosine(period: 4, minimum: 0))
        XCTAssertEqual(cosine.rate(at: 2), 0.5, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(at: 4), 0, accuracy: 1e-12)
        let warm = try LearningRateSchedule(try SGD([parameter], learningRate: 1), .linearWarmup(steps: 4, startFactor: 0.2))
        XCTAssertEqual(warm.rate(at: 0), 0.2, accuracy: 1e-12)
        XCTAssertEqual(warm.rate(at: 2), 0.6, accuracy: 1e-12)
        XCTAssertEqual(warm.rate(at: 10), 1, accuracy: 1e-12)

        let a = try Tensor([0.0, 0], shape: [2]), b = try Tensor([0.0], shape: [1])
        a.requiresGrad = true
        b.requiresGrad = true
        try a.backward(try Tensor([3.0, 0], shape: [2]))
        try b.backward(try Tensor([4.0], shape: [1]))
        XCTAssertEqual(try clipGradientNorm([a, b], maxNorm: 1), 5, accuracy: 1e-12)
        XCTAssertEqual(try a.grad!.elements(as: Double.self)[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(try b.grad!.elements(as: Double.self)[0], 0.8, accuracy: 1e-6)
    }

    func testBadOptionsAreRejected() throws {
        let p = try Tensor([1.0], shape: [1])
        XCTAssertThrowsError(try Optimizer.named("lbfgs", parameters: [p]))
        XCTAssertThrowsError(try Optimizer.named("sgd", parameters: [p], options: ["betas": .float(0.9)]))
        XCTAssertThrowsError(try SGD([p], learningRate: -1))
        XCTAssertThrowsError(try SGD([p], learningRate: 0.1, nesterov: true))
        XCTAssertThrowsError(try Adam([p], beta1: 1.5))
        XCTAssertThrowsError(try SGD([try Tensor([Int64(1)], shape: [1])], learningRate: 0.1))
    }
}
