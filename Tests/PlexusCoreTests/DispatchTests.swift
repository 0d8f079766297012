import PlexusCore
import XCTest

/// Validation the dispatcher does before any kernel runs, and the errors callers see.
final class DispatchTests: XCTestCase {
    override func setUp() { loadPlugins() }

    let x = try! Tensor([Float(1), 2, 3], shape: [3])

    func assertError(_ code: StatusCode, containing text: String, _ body: () throws -> Void,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let error = error as? PlexusError else { return XCTFail("not a PlexusError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.code, code, error.message, file: file, line: line)
            XCTAssert(error.message.contains(text), "'\(error.message)' lacks '\(text)'", file: file, line: line)
        }
    }

    func testUnknownOperatorNamesTheDomain() {
        assertError(.notFound, containing: "Frobnicate") { _ = try Ops.call("Frobnicate", [x]) }
        assertError(.notFound, containing: "com.example") { _ = try Ops.call("Add", domain: "com.example", [x, x]) }
    }

    func testArityIsChecked() {
        assertError(.invalidArgument, containing: "takes 2 inputs, got 1") { _ = try Ops.call("Add", [x]) }
        assertError(.invalidArgument, containing: "input 1 of Add is required") { _ = try Ops.call("Add", [x, nil]) }
        assertError(.invalidArgument, containing: "outputs") { _ = try Ops.call("Add", [x, x], outputCount: 2) }
        XCTAssertEqual(try Ops.call("Sum", [x, x, x, x]).first.map { try $0.elements(as: Float.self) }, [4, 8, 12])
    }

    func testAttributesAreCheckedAndDefaulted() throws {
        assertError(.invalidArgument, containing: "has no attribute 'axes'") { _ = try Ops.call("Softmax", [x], attributes: ["axes": .int(0)]) }
        assertError(.invalidArgument, containing: "must be int, got string") {
            _ = try Ops.call("Softmax", [x], attributes: ["axis": .string("0")])
        }
        assertError(.invalidArgument, containing: "requires attribute 'to'") { _ = try Ops.call("Cast", [x]) }
        // An int is accepted where a float is declared.
        let leaky = try Ops.call1("LeakyRelu", [try Tensor([Float(-2)], shape: [1])], attributes: ["alpha": .int(1)])
        XCTAssertEqual(try leaky.elements(as: Float.self), [-2])
        // Defaults apply when the attribute is omitted (alpha = 0.01).
        XCTAssertEqual(try Ops.call1("LeakyRelu", [try Tensor([Float(-2)], shape: [1])]).elements(as: Float.self), [-0.02])
    }

    func testKernelErrorsCarryCodesAndContext() {
        assertError(.shapeMismatch, containing: "cannot be broadcast") {
            _ = try Ops.call("Add", [x, try Tensor([Float(1), 2], shape: [2])])
        }
        assertError(.dtypeMismatch, containing: "int64") { _ = try Ops.call("Add", [x, try Tensor([Int64(1)], shape: [1])]) }
        assertError(.unsupported, containing: "no kernel for input dtypes (string)") {
            _ = try Ops.call("Exp", [try Tensor(strings: ["a"], shape: [1])])
        }
        assertError(.invalidArgument, containing: "out of range") {
            _ = try Ops.call("Gather", [x, try Tensor([Int64(7)], shape: [1])])
        }
    }

    /// Ops that index a dimension by axis refuse rank-0 inputs instead of reading past the shape.
    func testAxisOpsRefuseScalars() throws {
        let scalar = Tensor(scalar: Float(2))
        let axis = try Tensor([Int64(0)], shape: [])
        assertError(.invalidArgument, containing: "out of range") { _ = try Ops.call("CumSum", [scalar, axis]) }
        assertError(.invalidArgument, containing: "out of range") { _ = try Ops.call("Concat", [scalar, scalar], attributes: ["axis": .int(0)]) }
        assertError(.invalidArgument, containing: "out of range") { _ = try Ops.call("TopK", [scalar, try Tensor([Int64(1)], shape: [1])], outputCount: 2) }
        assertError(.invalidArgument, containing: "out of range") { _ = try Ops.call("Split", [scalar], outputCount: 1) }
        XCTAssertEqual(try Ops.call1("Softmax", [scalar]).elements(as: Float.self), [1])
    }

    func testInferenceHandlesUnknownDims() throws {
        let inputs = [InferenceInput(type: TensorType(dtype: .float32, shape: [nil, 3])),
                      InferenceInput(type: TensorType(dtype: .float32, shape: [1]))]
        XCTAssertEqual(try OpRegistry.shared.inferTypes(OpKey(name: "Add"), inputs),
                       [TensorType(dtype: .float32, shape: [nil, 3])])
        XCTAssertEqual(try OpRegistry.shared.inferTypes(OpKey(name: "Less"), inputs),
                       [TensorType(dtype: .bool, shape: [nil, 3])])
        XCTAssertEqual(try OpRegistry.shared.inferTypes(OpKey(name: "Relu"), [InferenceInput(type: TensorType(dtype: .float64, shape: nil))]),
                       [TensorType(dtype: .float64, shape: nil)])
    }

    func testPluginListingAndLoaderErrors() {
        let cpu = OpRegistry.shared.plugins.first { $0.name == "cpu" }
        XCTAssertEqual(cpu?.kind, .backend)
        XCTAssertEqual(cpu?.backends, ["cpu"])
        XCTAssertGreaterThanOrEqual(cpu?.ops.count ?? 0, 82)
        assertError(.notFound, containing: "does not exist") { try PluginLoader.shared.load(path: "/nonexistent/plugin.so") }
        assertError(.invalidArgument, containing: "not a loadable plugin") { try PluginLoader.shared.load(path: #filePath) }
        // Loading an already loaded plugin again is harmless.
        if let path = cpu?.path { XCTAssertNoThrow(try PluginLoader.shared.load(path: path)) }
        XCTAssertEqual(OpRegistry.shared.plugins.filter { $0.name == "cpu" }.count, 1)
    }
}
