import PlexusCore
import XCTest

/// The MLP plugin's layer types, modules and containers.
final class LayerTests: XCTestCase {
    override func setUp() { loadPlugins() }

    func testEveryMLPLayerPassesAGradientCheck() throws {
        let plain = ["ReLU", "Sigmoid", "Tanh", "SiLU", "Identity"]
        var layers: [(String, PluginLayer)] = try plain.map { ($0, try PluginLayer(type: $0)) }
        layers += [
            ("Linear", try PluginLayer(type: "Linear", attributes: ["in_features": .int(4), "out_features": .int(3), "dtype": .int(11)])),
            ("Linear no bias", try PluginLayer(type: "Linear", attributes: ["in_features": .int(4), "out_features": .int(3), "bias": .int(0), "dtype": .int(11)])),
            ("LeakyReLU", try PluginLayer(type: "LeakyReLU", attributes: ["negative_slope": .float(0.2)])),
            ("GELU", try PluginLayer(type: "GELU")),
            ("GELU tanh", try PluginLayer(type: "GELU", attributes: ["approximate": .string("tanh")])),
            ("Softmax", try PluginLayer(type: "Softmax", attributes: ["dim": .int(1)])),
            ("LogSoftmax", try PluginLayer(type: "LogSoftmax")),
        ]
        for (name, layer) in layers {
            let x = try randomLeaf([2, 4], seed: 3)
            let problem = try finiteDifferenceMismatch([x] + layer.parameters()) { try layer(x) }
            XCTAssertNil(problem, name)
        }
        // A rank-3 input goes through Linear's MatMul path.
        let linear = layers.first { $0.0 == "Linear" }!.1
        let x3 = try randomLeaf([2, 3, 4], seed: 4)
        XCTAssertNil(try finiteDifferenceMismatch([x3] + linear.parameters()) { try linear(x3) })
    }

    func testDropoutScalesInTrainingAndIsIdentityInEval() throws {
        let dropout = try PluginLayer(type: "Dropout", attributes: ["p": .float(0.25)])
        let x = try Tensor([Float](repeating: 1, count: 4000), shape: [4000])
        let y = try dropout(x).elements(as: Float.self)
        let kept = y.filter { $0 != 0 }
        XCTAssert(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        XCTAssertEqual(Double(kept.count) / 4000, 0.75, accuracy: 0.03)
        dropout.eval()
        XCTAssertEqual(try dropout(x).elements(as: Float.self), [Float](repeating: 1, count: 4000))
        // Its gradient uses the same mask as the forward pass.
        dropout.train()
        let leaf = try randomLeaf([50], seed: 5)
        let out = try dropout(leaf)
        try out.backward(try Tensor([Double](repeating: 1, count: 50), shape: [50]))
        let forward = try out.elements(as: Double.self), grad = try leaf.grad!.elements(as: Double.self)
        for i in 0..<50 { XCTAssertEqual(forward[i] == 0, grad[i] == 0) }
        XCTAssertThrowsError(try PluginLayer(type: "Dropout", attributes: ["p": .float(1.5)]))
    }

    func testSequentialNamesStateAndModes() throws {
        RandomSource.seed(1)
        let model = try Sequential([
            PluginLayer(type: "Linear", attributes: ["in_features": .int(3), "out_features": .int(5)]),
            PluginLayer(type: "ReLU"),
            PluginLayer(type: "Linear", attributes: ["in_features": .int(5), "out_features": .int(2)]),
        ])
        XCTAssertEqual(model.namedParameters().map(\.name), ["0.weight", "0.bias", "2.weight", "2.bias"])
        XCTAssert(model.parameters().allSatisfy(\.requiresGrad))
        model.eval()
        XCTAssert(model.children.allSatisfy { !$0.module.isTraining })
        let x = try Tensor([Float](repeating: 0.5, count: 6), shape: [2, 3])
        XCTAssertEqual(try model(x).shape, [2, 2])
        // Re-seeding reproduces the initialisation.
        RandomSource.seed(1)
        let again = try PluginLayer(type: "Linear", attributes: ["in_features": .int(3), "out_features": .int(5)])
        XCTAssertEqual(try again.parameters()[0].elements(as: Float.self), try model.parameters()[0].elements(as: Float.self))
        // Linear's default initialisation is uniform in ±1/√in_features.
        XCTAssert(try again.parameters()[0].elements(as: Float.self).allSatisfy { abs($0) <= 1 / Float(3).squareRoot() })
    }

    func testLayerErrorsAreClear() {
        XCTAssertThrowsError(try PluginLayer(type: "Frobnicator")) { error in
            XCTAssert((error as? PlexusError)?.message.contains("unknown layer type 'Frobnicator'") == true)
        }
        XCTAssertThrowsError(try PluginLayer(type: "Linear", attributes: ["in_features": .int(3)])) { error in
            XCTAssert((error as? PlexusError)?.message.contains("out_features") == true)
        }
        XCTAssertThrowsError(try PluginLayer(type: "Linear", attributes: ["in_features": .int(3), "out_features": .int(2), "size": .int(1)]))
        let linear = try! PluginLayer(type: "Linear", attributes: ["in_features": .int(3), "out_features": .int(2)])
        XCTAssertThrowsError(try linear(try Tensor([Float](repeating: 0, count: 8), shape: [2, 4]))) { error in
            XCTAssertEqual((error as? PlexusError)?.code, .shapeMismatch)
        }
    }

    func testInitializationSchemesHaveTheirSpread() throws {
        RandomSource.seed(3)
        let weight = try Tensor(dtype: .float64, shape: [200, 100])
        try Initialization.kaimingUniform().fill(weight)
        let bound = 2.0.squareRoot() * (3.0 / 100).squareRoot()
        let values = try weight.elements(as: Double.self)
        XCTAssert(values.allSatisfy { abs($0) <= bound })
        XCTAssertEqual(values.map { $0 * $0 }.reduce(0, +) / Double(values.count), bound * bound / 3, accuracy: 0.01)
        try Initialization.xavierNormal().fill(weight)
        let variance = try weight.elements(as: Double.self).map { $0 * $0 }.reduce(0, +) / 20_000
        XCTAssertEqual(variance, 2.0 / 300, accuracy: 0.001)
    }
}
