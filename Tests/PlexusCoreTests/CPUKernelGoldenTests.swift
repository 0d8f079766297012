import PlexusABI
import PlexusCore
import XCTest

/// Runs every CPU kernel against reference outputs computed by the ONNX reference
/// implementation (numpy) — see Tests/goldens/make_cpu_goldens.py.
final class CPUKernelGoldenTests: XCTestCase {
    static let cases: [GoldenCase] = {
        loadPlugins()
        return try! GoldenCase.load("cpu_goldens.json")
    }()

    func testEveryCaseMatchesItsGolden() throws {
        XCTAssertGreaterThan(Self.cases.count, 600)
        var failures: [String] = []
        for test in Self.cases {
            do {
                let outputs = try Ops.call(test.op, domain: test.domain, test.inputs, attributes: test.attributes,
                                           outputCount: test.outputs.count)
                for (index, (actual, expected)) in zip(outputs, test.outputs).enumerated() {
                    if let problem = closeness(actual, expected, rtol: test.rtol, atol: test.atol) {
                        failures.append("\(test.name) output \(index): \(problem)")
                    }
                }
            } catch {
                failures.append("\(test.name): threw \(error)")
            }
        }
        XCTAssert(failures.isEmpty, "\(failures.count) of \(Self.cases.count) golden cases failed:\n" + failures.joined(separator: "\n"))
    }

    func testEveryRequiredOperatorHasGoldens() {
        let required = """
            Add Sub Mul Div Pow Mod Neg Abs Sign Exp Log Sqrt Reciprocal Floor Ceil Round Sin Cos Tan Tanh Sigmoid Relu
            LeakyRelu Elu Selu Gelu Erf Softplus HardSigmoid HardSwish Clip Min Max Sum Mean Equal Less LessOrEqual Greater
            GreaterOrEqual And Or Xor Not Where IsNaN IsInf Cast ReduceSum ReduceMean ReduceMax ReduceMin ReduceProd ReduceL2
            ArgMax ArgMin MatMul Gemm Softmax LogSoftmax Reshape Transpose Flatten Squeeze Unsqueeze Concat Split Slice Gather
            GatherElements Expand Tile Pad Shape Size ConstantOfShape Range Identity CumSum TopK Trilu OneHot
            ScatterElements Dropout
            """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        let covered = Set(Self.cases.map(\.op))
        XCTAssertEqual(required.filter { !covered.contains($0) }, [])
        let registered = Set(OpRegistry.shared.opKeys.map(\.name))
        XCTAssertEqual(required.filter { !registered.contains($0) }, [])
    }

    /// Where a schema can infer types, the inference agrees with what the kernel produced.
    func testInferenceAgreesWithKernels() throws {
        var checked = 0
        for test in Self.cases {
            guard let schema = OpRegistry.shared.schema(OpKey(domain: test.domain, name: test.op)), schema.canInfer else { continue }
            let inputs = test.inputs.map { $0.map { InferenceInput(type: TensorType(of: $0), value: $0) } }
            let inferred = try OpRegistry.shared.inferTypes(schema.key, inputs, attributes: test.attributes,
                                                           outputCount: test.outputs.count)
            for (type, expected) in zip(inferred, test.outputs) {
                XCTAssertEqual(type, TensorType(of: expected), test.name)
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 300)
    }
}
