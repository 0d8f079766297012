import PlexusCore
import PlexusONNX
import XCTest

/// Graph planning and running without ONNX files: order, folding, errors.
final class SessionTests: XCTestCase {
    override func setUp() { PluginLoader.shared.discoverIfNeeded() }

    func node(_ op: String, _ inputs: [String], _ outputs: [String], _ attributes: Attributes = Attributes()) -> Graph.Node {
        Graph.Node(op: OpKey(name: op), inputs: inputs, outputs: outputs, attributes: attributes)
    }

    func info(_ name: String, _ dims: [Graph.ValueInfo.Dimension]?) -> Graph.ValueInfo {
        Graph.ValueInfo(name: name, dtype: .float32, shape: dims)
    }

    func testRunsNodesInDependencyOrderAndFoldsConstants() throws {
        // y = relu(x · w + b), nodes listed out of order; w·2 is folded at load time.
        let graph = Graph(
            inputs: [info("x", [.symbolic("batch"), .fixed(2)])], outputs: [info("y", [.symbolic("batch"), .fixed(2)])],
            nodes: [node("Relu", ["z"], ["y"]), node("Add", ["p", "b"], ["z"]), node("MatMul", ["x", "w2"], ["p"]),
                    node("Add", ["w", "w"], ["w2"])],
            initializers: ["w": try Tensor([Float(1), 0, 0, 1], shape: [2, 2]), "b": try Tensor([Float(-1), 1], shape: [2])])
        let session = try Session(graph: graph)
        let y = try session.run(["x": try Tensor([Float(1), 2, 3, -4], shape: [2, 2])])[0]
        XCTAssertEqual(try y.elements(as: Float.self), [1, 5, 5, 0])
        XCTAssertEqual(session.inputs.map(\.name), ["x"])
    }

    func testBadGraphsAndFeedsAreClearErrors() throws {
        func expect(_ code: StatusCode, _ text: String, _ body: () throws -> Void, line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { error in
                XCTAssertEqual((error as? PlexusError)?.code, code, "\(error)", line: line)
                XCTAssert("\(error)".contains(text), "'\(error)' lacks '\(text)'", line: line)
            }
        }
        let cycle = Graph(inputs: [info("x", nil)], outputs: [info("b", nil)],
                          nodes: [node("Relu", ["b"], ["a"]), node("Relu", ["a"], ["b"])], initializers: [:])
        expect(.invalidArgument, "cycle") { _ = try Session(graph: cycle) }
        let undefined = Graph(inputs: [info("x", nil)], outputs: [info("y", nil)], nodes: [node("Add", ["x", "nope"], ["y"])], initializers: [:])
        expect(.invalidArgument, "'nope'") { _ = try Session(graph: undefined) }
        let unknown = Graph(inputs: [info("x", nil)], outputs: [info("y", nil)],
                            nodes: [node("Frob", ["x"], ["t"]), node("Zap", ["t"], ["y"])], initializers: [:])
        expect(.notFound, "2 operator(s)") { _ = try Session(graph: unknown) }
        let fine = Graph(inputs: [info("x", [.fixed(2)])], outputs: [info("y", nil)], nodes: [node("Relu", ["x"], ["y"])], initializers: [:])
        let session = try Session(graph: fine)
        expect(.shapeMismatch, "input 'x'") { _ = try session.run(["x": try Tensor([Float(1), 2, 3], shape: [3])]) }
        expect(.dtypeMismatch, "input 'x'") { _ = try session.run(["x": try Tensor([1.0, 2], shape: [2])]) }
        expect(.invalidArgument, "was not given") { _ = try session.run([:]) }
        expect(.notFound, "no input 'q'") { _ = try session.run(["x": try Tensor([Float(1), 2], shape: [2]), "q": Tensor(scalar: Float(1))]) }
        expect(.notFound, "no output 'z'") { _ = try session.run(["x": try Tensor([Float(1), 2], shape: [2])], outputNames: ["z"]) }
    }

    func testConcurrentRunsAgree() throws {
        let graph = Graph(inputs: [info("x", nil)], outputs: [info("y", nil)],
                          nodes: [node("Softmax", ["x"], ["y"], ["axis": .int(-1)])], initializers: [:])
        let session = try Session(graph: graph)
        let x = try Tensor((0..<64).map { Float($0) / 10 }, shape: [8, 8])
        let expected = try session.run(["x": x])[0].elements(as: Float.self)
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 where (try? session.run(["x": x])[0].elements(as: Float.self)) != expected {
                failures.withLock { $0 += 1 }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0)
    }
}

import Dispatch
import Synchronization
