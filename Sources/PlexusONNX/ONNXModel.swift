import FoundationEssentials
import PlexusCore
import SwiftProtobuf

/// An ONNX model read from a file or from bytes, with what import needs to resolve it: the
/// folder that external tensor data is relative to, and the opset version of each domain.
public struct ONNXModel: Sendable {
    /// The decoded protobuf.
    public let proto: Onnx_ModelProto
    /// Folder of the model file, for external data; nil for models from memory.
    public let directory: String?

    /// How deeply messages may nest (graphs inside attributes inside nodes inside graphs…):
    /// swift-protobuf decodes nested messages recursively, so a small file nesting thousands
    /// of levels would exhaust the stack. 100 (swift-protobuf's default, stated here so it
    /// stays so) allows about 30 levels of subgraphs.
    static let messageDepthLimit = 100

    /// Reads and decodes the model file at `path` (a regular file: `FileIO.read` refuses
    /// devices, FIFOs and directories).
    public init(path: String) throws {
        let bytes = try FileIO.read(path)
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        try self.init(bytes: bytes, directory: directory, name: path)
    }

    /// Decodes a model from its serialized bytes; `directory` resolves external data. Checks
    /// the ONNX checker's structural rules (`ModelValidation`) on the way.
    public init(bytes: [UInt8], directory: String? = nil, name: String = "model bytes") throws {
        guard !bytes.isEmpty else { throw PlexusError.invalid("\(name) is empty, not an ONNX model") }
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = ONNXModel.messageDepthLimit
        do {
            proto = try Onnx_ModelProto(serializedBytes: bytes, options: options)
        } catch BinaryDecodingError.messageDepthLimit {
            throw PlexusError.invalid("\(name) nests messages more than \(ONNXModel.messageDepthLimit) deep")
        } catch {
            throw PlexusError.invalid("\(name) is not a valid ONNX model: \(error)")
        }
        guard proto.hasGraph else { throw PlexusError.invalid("\(name) has no graph") }
        do {
            try ModelValidation.validate(proto)
        } catch let error as PlexusError {
            throw PlexusError(error.code, "\(name) is not a valid ONNX model: \(error.message)")
        }
        self.directory = directory
    }

    /// Opset version per domain ("" for ai.onnx).
    public var opsets: [String: Int] {
        var result: [String: Int] = [:]
        for entry in proto.opsetImport {
            let domain = entry.domain == "ai.onnx" ? "" : entry.domain
            result[domain] = Int(entry.version)
        }
        return result
    }

    /// The model's graph in Plexus form (ops versioned by the model's opsets), checked against
    /// the operator schemas (`Graph.validate()`) before any session rewrites it.
    public func graph() throws -> Graph {
        let graph = try GraphImport(opsets: opsets, directory: directory).graph(proto.graph)
        try graph.validate()
        return graph
    }
}
