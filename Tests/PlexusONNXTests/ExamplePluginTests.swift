import Foundation
import PlexusCore
import PlexusONNX
import XCTest

/// The example C plugin Swish from Swift: built with cc, loaded, trained a step, exported and
/// re-imported; its kernel's error message arrives as a PlexusError.
final class ExamplePluginTests: XCTestCase {
    func testSwishPluginFromSwift() throws {
        PluginLoader.shared.discoverIfNeeded()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let library = FileManager.default.temporaryDirectory.appendingPathComponent("swish-\(getpid()).so").path
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-std=c11", "-shared", "-fPIC", "-I\(root.path)/include", "-o", library,
                              "\(root.path)/Plugins/examples/swish/swish.c", "-lm"]
        try compiler.run()
        compiler.waitUntilExit()
        XCTAssertEqual(compiler.terminationStatus, 0)
        try PluginLoader.shared.load(path: library)

        let swish = try PluginLayer(type: "Swish", attributes: ["dtype": .int(11)])
        let x = try Tensor([-1.0, 0.5, 2.0], shape: [3])
        let y = try swish(x)
        XCTAssertEqual(try y.elements(as: Double.self)[2], 2 / (1 + exp(-2.0)), accuracy: 1e-12)
        try Ops.call1("ReduceSum", [y]).backward()
        let beta = swish.parameters()[0]
        XCTAssertNotEqual(try beta.grad!.elements(as: Double.self)[0], 0)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swish-\(getpid()).onnx").path
        try ONNXExport.write(swish, inputs: [x], to: file, version: "test")
        let session = try Session(graph: try ONNXModel(path: file).graph())
        XCTAssertEqual(try session.run(["input_0": x])[0].elements(as: Double.self), try withoutGradients { try swish(x) }.elements(as: Double.self))

        XCTAssertThrowsError(try Ops.call1("Swish", domain: "org.plexus.examples", [x, try Tensor([1.0, 2], shape: [2])])) { error in
            XCTAssert((error as? PlexusError)?.message.contains("beta must hold one value") == true, "\(error)")
        }
    }
}
