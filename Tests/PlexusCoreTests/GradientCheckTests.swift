import PlexusCore
import XCTest

/// Finite-difference gradient checks (float64) for every differentiable CPU operator, on the
/// inputs and attributes of its golden cases: the attribute space the forward tests cover is
/// the one the gradients are checked on.
final class GradientCheckTests: XCTestCase {
    /// Float inputs that are parameters of the op rather than differentiable operands.
    static let constantInputs: [String: Set<Int>] = ["Clip": [1, 2], "Pad": [2], "Dropout": [1],
                                                     "NegativeLogLikelihoodLoss": [2], "SoftmaxCrossEntropyLoss": [2]]
    /// Ops whose golden cases are not suitable: Cast's target type (float32/float16) makes
    /// finite differences too coarse; it is checked by `testCastGradient` instead.
    static let skipped: Set<String> = ["Cast"]
    /// Cases whose gradient is deliberately undefined: backward must refuse them clearly.
    static let refused: Set<String> = ["ScatterElements_mul", "ScatterElements_min", "ScatterND_slices_mul",
                                       "ScatterND_slices_max", "ScatterND_slices_min"]

    func testEveryDifferentiableOperatorAgreesWithFiniteDifferences() throws {
        loadPlugins()
        var checkedOps = Set<String>(), failures: [String] = []
        for test in CPUKernelGoldenTests.cases where !Self.skipped.contains(test.op) {
            guard OpRegistry.shared.schema(OpKey(domain: test.domain, name: test.op))?.gradient != nil,
                  let inputs = promoted(test.inputs), test.outputs.allSatisfy({ $0.count < 400 }) else { continue }
            let differentiable = inputs.indices.filter { index in
                inputs[index]?.dtype == .float64 && !(Self.constantInputs[test.op]?.contains(index) ?? false)
            }
            guard !differentiable.isEmpty, inputs.allSatisfy({ $0.map { values($0).allSatisfy(\.isFinite) } ?? true }) else { continue }
            if Self.refused.contains(test.name) {
                XCTAssertThrowsError(try check(test, inputs: inputs, differentiable: differentiable), test.name) { error in
                    XCTAssertEqual((error as? PlexusError)?.code, .unsupported, "\(error)")
                }
                continue
            }
            do {
                if let problem = try check(test, inputs: inputs, differentiable: differentiable) {
                    failures.append("\(test.name): \(problem)")
                }
                checkedOps.insert(test.op)
            } catch {
                failures.append("\(test.name): threw \(error)")
            }
        }
        XCTAssert(failures.isEmpty, "\(failures.count) gradient checks failed:\n" + failures.joined(separator: "\n"))
        let expected: Set<String> = ["Add", "Sub", "Mul", "Div", "Pow", "Neg", "Abs", "Exp", "Log", "Sqrt", "Reciprocal", "Sin", "Cos",
                                     "Tan", "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Elu", "Selu", "Gelu", "Erf", "Softplus",
                                     "HardSigmoid", "HardSwish", "Clip", "Min", "Max", "Sum", "Mean", "Where", "ReduceSum",
                                     "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "MatMul", "Gemm", "Softmax",
                                     "LogSoftmax", "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Concat", "Split",
                                     "Slice", "Gather", "GatherElements", "Expand", "Tile", "Pad", "Identity", "CumSum", "TopK",
                                     "Trilu", "Mod", "ScatterElements", "Dropout"]
        XCTAssertEqual(expected.subtracting(checkedOps).sorted(), [], "differentiable ops without a gradient check")
    }

    /// float32/float16 inputs as float64 (nil when the case has no float input worth checking).
    func promoted(_ inputs: [Tensor?]) -> [Tensor?]? {
        var any = false
        let result = inputs.map { input -> Tensor? in
            guard let input, input.dtype.isFloatingPoint else { return input }
            any = true
            return try! Tensor(values(input), shape: input.shape)
        }
        return any ? result : nil
    }

    /// Σ over float outputs of <output, weight>, the scalar objective whose gradient is checked.
    func objective(_ test: GoldenCase, _ inputs: [Tensor?], weights: [[Double]]) throws -> Double {
        let outputs = try withoutGradients {
            try Ops.call(test.op, domain: test.domain, inputs, attributes: test.attributes, outputCount: test.outputs.count)
        }
        return zip(outputs, weights).reduce(0.0) { total, pair in
            pair.0.dtype == .float64 ? total + zip(values(pair.0), pair.1).reduce(0) { $0 + $1.0 * $1.1 } : total
        }
    }

    func check(_ test: GoldenCase, inputs: [Tensor?], differentiable: [Int]) throws -> String? {
        for index in differentiable { inputs[index]!.requiresGrad = true }
        let outputs = try Ops.call(test.op, domain: test.domain, inputs, attributes: test.attributes, outputCount: test.outputs.count)
        var state: UInt64 = 12345
        let weights = outputs.map { output in (0..<output.count).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 33) / Double(1 << 31) - 0.5
        } }
        for (output, weight) in zip(outputs, weights) where output.dtype == .float64 && output.requiresGrad {
            try output.backward(try Tensor(weight, shape: output.shape))
        }
        for index in differentiable {
            let input = inputs[index]!
            let analytic = input.grad.map(values) ?? [Double](repeating: 0, count: input.count)
            let data = input.data.assumingMemoryBound(to: Double.self)
            let center = try objective(test, inputs, weights: weights)
            for element in 0..<min(input.count, 40) {
                let original = data[element], eps = 1e-6 * max(1, abs(original))
                data[element] = original + eps
                let up = try objective(test, inputs, weights: weights)
                data[element] = original - eps
                let down = try objective(test, inputs, weights: weights)
                data[element] = original
                // Goldens probe kinks on purpose (ties, breakpoints, rounding edges): where the
                // one-sided slopes disagree the function is not differentiable; skip the point.
                let right = (up - center) / eps, left = (center - down) / eps
                if abs(right - left) > 1e-3 * (1 + abs(right)) { continue }
                let numeric = (up - down) / (2 * eps)
                if abs(analytic[element] - numeric) > 1e-5 + 1e-4 * abs(numeric) {
                    return "input \(index) element \(element): analytic \(analytic[element]) vs numeric \(numeric)"
                }
            }
        }
        return nil
    }

    func testCastGradient() throws {
        loadPlugins()
        let x = try Tensor([Float(1.5), -2], shape: [2])
        x.requiresGrad = true
        let y = try Ops.call1("Cast", [x], attributes: ["to": .int(Int64(DType.float64.rawValue))])
        try y.backward(try Tensor([3.0, 4.0], shape: [2]))
        XCTAssertEqual(try x.grad?.elements(as: Float.self), [3, 4])
    }
}
