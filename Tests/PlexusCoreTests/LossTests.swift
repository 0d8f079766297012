import PlexusCore
import XCTest

/// Losses against hand-computed values (PyTorch's definitions) and finite differences.
final class LossTests: XCTestCase {
    override func setUp() { loadPlugins() }

    func scalar(_ t: Tensor) throws -> Double { values(t)[0] }

    func testValuesMatchTheDefinitions() throws {
        let x = try Tensor([1.0, 2, 3, 4], shape: [2, 2]), t = try Tensor([1.5, 2, 1, 8], shape: [2, 2])
        XCTAssertEqual(try scalar(Loss.mse(x, t)), (0.25 + 0 + 4 + 16) / 4, accuracy: 1e-12)
        XCTAssertEqual(try scalar(Loss.mse(x, t, reduction: .sum)), 20.25, accuracy: 1e-12)
        XCTAssertEqual(try Loss.mse(x, t, reduction: .none).shape, [2, 2])
        XCTAssertEqual(try scalar(Loss.l1(x, t)), (0.5 + 0 + 2 + 4) / 4, accuracy: 1e-12)
        XCTAssertEqual(try scalar(Loss.smoothL1(x, t)), (0.125 + 0 + 1.5 + 3.5) / 4, accuracy: 1e-12)
        XCTAssertEqual(try scalar(Loss.huber(x, t, delta: 2)), (0.125 + 0 + 2 + 6) / 4, accuracy: 1e-12)

        let logits = try Tensor([1.0, 2, 3, 1, 1, 1], shape: [2, 3]), classes = try Tensor([Int64(2), 0], shape: [2])
        let lse0 = log(exp(1.0) + exp(2) + exp(3)), lse1 = log(3.0)
        XCTAssertEqual(try scalar(Loss.crossEntropy(logits, classes)), ((lse0 - 3) + lse1) / 2, accuracy: 1e-12)
        let weight = try Tensor([1.0, 1, 3], shape: [3])
        XCTAssertEqual(try scalar(Loss.crossEntropy(logits, classes, weight: weight)), (3 * (lse0 - 3) + lse1) / 4, accuracy: 1e-12)
        let ignored = try Tensor([Int64(2), -100], shape: [2])
        XCTAssertEqual(try scalar(Loss.crossEntropy(logits, ignored)), lse0 - 3, accuracy: 1e-12)
        // Label smoothing ε: (1-ε)·NLL + ε·mean over classes of -log p.
        let eps = 0.1
        let smooth0 = ((lse0 - 1) + (lse0 - 2) + (lse0 - 3)) / 3, smooth1 = lse1
        let expected = ((1 - eps) * (lse0 - 3) + eps * smooth0 + (1 - eps) * lse1 + eps * smooth1) / 2
        XCTAssertEqual(try scalar(Loss.crossEntropy(logits, classes, labelSmoothing: eps)), expected, accuracy: 1e-12)
        let logp = try Ops.call1("LogSoftmax", [logits], attributes: ["axis": .int(1)])
        XCTAssertEqual(try scalar(Loss.nll(logp, classes)), ((lse0 - 3) + lse1) / 2, accuracy: 1e-12)

        let p = try Tensor([0.9, 0.2], shape: [2]), y = try Tensor([1.0, 0], shape: [2])
        XCTAssertEqual(try scalar(Loss.bce(p, y)), -(log(0.9) + log(0.8)) / 2, accuracy: 1e-12)
        let z = try Tensor([2.0, -1], shape: [2])
        let sigma = { (v: Double) in 1 / (1 + exp(-v)) }
        XCTAssertEqual(try scalar(Loss.bceWithLogits(z, y)), -(log(sigma(2)) + log(1 - sigma(-1))) / 2, accuracy: 1e-12)
        let positive = try Tensor([3.0, 3], shape: [2])
        XCTAssertEqual(try scalar(Loss.bceWithLogits(z, y, positiveWeight: positive)), -(3 * log(sigma(2)) + log(1 - sigma(-1))) / 2, accuracy: 1e-12)
        // Extreme logits stay finite.
        XCTAssert(try scalar(Loss.bceWithLogits(try Tensor([1000.0, -1000], shape: [2]), y)).isFinite)
    }

    func testEveryLossPassesAGradientCheck() throws {
        let target = try randomLeaf([3, 4], seed: 11, requiresGrad: false)
        let probabilities = try Tensor(values(target).map { 0.2 + 0.3 * ($0 + 1) }, shape: [3, 4])
        probabilities.requiresGrad = true
        let labels = try Tensor(values(target).map { $0 > 0 ? 1.0 : 0.0 }, shape: [3, 4])
        let classes = try Tensor([Int64(1), 3, -100], shape: [3])
        let weight = try Tensor([1.0, 2, 0.5, 1.5], shape: [4])
        let cases: [(String, Tensor, () throws -> Tensor)] = try [
            { let x = try randomLeaf([3, 4], seed: 1); return ("mse", x, { try Loss.mse(x, target) }) }(),
            { let x = try randomLeaf([3, 4], seed: 2); return ("l1", x, { try Loss.l1(x, target, reduction: .sum) }) }(),
            { let x = try randomLeaf([3, 4], seed: 3); return ("smooth_l1", x, { try Loss.smoothL1(x, target, beta: 0.5) }) }(),
            { let x = try randomLeaf([3, 4], seed: 4); return ("huber", x, { try Loss.huber(x, target, delta: 0.3, reduction: .none) }) }(),
            { let x = try randomLeaf([3, 4], seed: 5)
              return ("cross_entropy", x, { try Loss.crossEntropy(x, classes, weight: weight, labelSmoothing: 0.1) }) }(),
            { let x = try randomLeaf([3, 4], seed: 6)
              return ("nll", x, { try Loss.nll(try Ops.call1("LogSoftmax", [x], attributes: ["axis": .int(1)]), classes) }) }(),
            ("bce", probabilities, { try Loss.bce(probabilities, labels) }),
            { let x = try randomLeaf([3, 4], seed: 7)
              return ("bce_with_logits", x, { try Loss.bceWithLogits(x, labels, positiveWeight: weight) }) }(),
        ]
        for (name, input, loss) in cases {
            XCTAssertNil(try finiteDifferenceMismatch([input], loss), name)
        }
    }

    func testBadInputsAreRejected() throws {
        let logits = try Tensor([1.0, 2, 3, 4], shape: [2, 2])
        XCTAssertThrowsError(try Loss.crossEntropy(logits, try Tensor([Int64(0), 5], shape: [2])))  // class out of range
        XCTAssertThrowsError(try Loss.crossEntropy(logits, try Tensor([1.0, 0], shape: [2])))       // float targets
        XCTAssertThrowsError(try Loss.crossEntropy(logits, try Tensor([Int64(0)], shape: [1])))     // wrong count
        XCTAssertThrowsError(try Loss.named("cross_entropy", logits, logits, options: ["gamma": .float(2)]))
        XCTAssertThrowsError(try Loss.named("focal", logits, logits))
        XCTAssertThrowsError(try Loss.mse(logits, try Tensor([1.0, 2, 3], shape: [3])))
    }
}
