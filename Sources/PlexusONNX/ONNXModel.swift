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

    /// Reads and decodes the model file at `path`.
    public init(path: String) throws {
        let bytes = try FileIO.read(path)
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        try self.init(bytes: bytes, directory: directory, name: path)
    }

    /// Decodes a model from its serialized bytes; `directory` resolves external data.
    public init(bytes: [UInt8], directory: String? = nil, name: String = "model bytes") throws {
        guard !bytes.isEmpty else { throw PlexusError.invalid("\(name) is empty, not an ONNX model") }
        do {
            proto = try Onnx_ModelProto(serializedBytes: bytes)
        } catch {
            throw PlexusError.invalid("\(name) is not a valid ONNX model: \(error)")
        }
        guard proto.hasGraph else { throw PlexusError.invalid("\(name) has no graph") }
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

    /// The model's graph in Plexus form (ops versioned by the model's opsets).
    public func graph() throws -> Graph {
        try GraphImport(opsets: opsets, directory: directory).graph(proto.graph)
    }
}
