import ArgumentParser
import COnnxCheck
import PlexusCore
import PlexusONNX

/// `plexus check`: Plexus's own structural rules (`ModelValidation`: IR and opset ranges, SSA,
/// defined names, attribute form — for every IR and opset), then the official ONNX checker
/// (Debian's libonnx) and shape inference when the model is within the checker's IR/opset
/// range; said so when it is not. The shim refuses attribute values that would crash libonnx's
/// shape inference before it runs.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Check an ONNX model with the ONNX checker.")

    @Argument(help: "The ONNX model file.")
    var model: String
    @Flag(help: "Skip shape inference.")
    var noShapeInference = false

    func run() throws {
        let bytes = try FileIO.read(model)
        do {
            _ = try ONNXModel(bytes: bytes, name: "the file")
        } catch let error as PlexusError {
            print("\(model): invalid: \(error.message)")
            throw ExitCode(1)
        }
        var message = [CChar](repeating: 0, count: 4096)
        let result = bytes.withUnsafeBytes { plx_onnx_check($0.baseAddress, $0.count, noShapeInference ? 0 : 1, &message, message.count) }
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch result {
        case PLX_ONNX_CHECK_OK:
            print("\(model): valid")
        case PLX_ONNX_CHECK_OUT_OF_RANGE:
            var ir = 0, opset = 0
            plx_onnx_check_limits(&ir, &opset)
            print("\(model): not checked by libonnx: \(text) (the checker knows IR ≤ \(ir), opset ≤ \(opset)); Plexus's structural checks passed")
        default:
            print("\(model): invalid: \(text)")
            throw ExitCode(1)
        }
    }
}
