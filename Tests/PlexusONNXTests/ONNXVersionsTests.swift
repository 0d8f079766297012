import PlexusCore
import PlexusONNX
import XCTest

/// The generated ONNX version history (`Generated/ONNXVersions.swift`) and the exporter's use
/// of it. Tests/python/test_onnx_versions.py checks the committed table equals a fresh one.
final class ONNXVersionsTests: XCTestCase {
    override func setUp() { PluginLoader.shared.discoverIfNeeded() }

    func testKnownHistory() {
        XCTAssertEqual(ONNXVersions.firstOpset(of: "Gelu"), 20)
        XCTAssertEqual(ONNXVersions.firstOpset(of: "LayerNormalization"), 17)
        // GroupNormalization 18 is a deprecation stub; 21 is the op the checkers accept.
        XCTAssertFalse(ONNXVersions.isAvailable("GroupNormalization", at: 20))
        XCTAssertEqual(ONNXVersions.firstOpset(of: "GroupNormalization"), 21)
        XCTAssertFalse(ONNXVersions.isAvailable("Upsample", at: 13))
        XCTAssertNil(ONNXVersions.firstOpset(of: "Upsample", from: 10))
        XCTAssertEqual(ONNXVersions.version(of: "Add", at: 13), 13)
        XCTAssertEqual(ONNXVersions.version(of: "Add", at: 23), 14)
        XCTAssertNil(ONNXVersions.version(of: "NoSuchOp", at: 23))
        XCTAssertEqual([13, 17, 18, 19, 21, 23].map { ONNXVersions.irVersion(for: $0) }, [7, 8, 8, 9, 10, 11])
    }

    /// Every op the exporter writes at an opset exists there: traced plugin layers, the nodes
    /// written by decompositions (Gelu before 20, LayerNormalization before 17) and the forms
    /// the adapters rewrite.
    func testEveryExportedOpExistsAtItsOpset() throws {
        let layers: [(String, Attributes, [Int])] = [
            ("Linear", ["in_features": .int(4), "out_features": .int(3)], [2, 4]),
            ("GELU", ["approximate": .string("tanh")], [2, 4]),
            ("LayerNorm", ["normalized_shape": .ints([4])], [2, 4]),
            ("BatchNorm1d", ["num_features": .int(4)], [2, 4]),
            ("TransformerEncoderLayer", ["d_model": .int(4), "nhead": .int(2), "dim_feedforward": .int(8), "batch_first": .int(1)], [2, 3, 4]),
        ]
        var checked = 0
        for (type, attributes, shape) in layers {
            let layer = try PluginLayer(type: type, attributes: attributes)
            let input = try Tensor(dtype: .float32, shape: shape)
            for opset in 13...23 {
                let graph = try ONNXExport.graph(layer, inputs: [input], options: ONNXExport.Options(opset: opset))
                for node in graph.nodes where node.op.domain.isEmpty {
                    XCTAssertTrue(ONNXVersions.isAvailable(node.op.name, at: opset), "\(type) at opset \(opset) writes \(node.op.name)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }

    func testOpsMissingAtTheOpsetAreRefusedByName() throws {
        final class Newer: Module {
            override func forward(_ inputs: [Tensor]) throws -> [Tensor] {
                try OpRegistry.shared.call(OpKey(name: "BitwiseNot"), [inputs[0]])
            }
        }
        let input = try Tensor([Int32(1), 2], shape: [2])
        XCTAssertThrowsError(try ONNXExport.graph(Newer(), inputs: [input], options: ONNXExport.Options(opset: 17))) { error in
            XCTAssertTrue("\(error)".contains("BitwiseNot needs opset 18"), "\(error)")
        }
        XCTAssertNoThrow(try ONNXExport.graph(Newer(), inputs: [input], options: ONNXExport.Options(opset: 18)))
    }
}
