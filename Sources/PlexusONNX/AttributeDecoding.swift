import FoundationEssentials
import PlexusCore

/// Node attributes from `AttributeProto`s. Graph-valued attributes (the bodies of If, Loop and
/// Scan) are not supported yet and are reported as such.
enum AttributeDecoding {
    static func attributes(_ protos: [Onnx_AttributeProto], node: String, directory: String?) throws -> Attributes {
        let result = Attributes()
        for proto in protos {
            result[proto.name] = try value(proto, node: node, directory: directory)
        }
        return result
    }

    static func value(_ proto: Onnx_AttributeProto, node: String, directory: String?) throws -> AttributeValue {
        switch proto.type {
        case .float: return .float(Double(proto.f))
        case .int: return .int(proto.i)
        case .string: return .string(String(decoding: proto.s, as: UTF8.self))
        case .tensor: return .tensor(try TensorDecoding.tensor(proto.t, directory: directory))
        case .floats: return .floats(proto.floats.map(Double.init))
        case .ints: return .ints(proto.ints)
        case .strings: return .strings(proto.strings.map { String(decoding: $0, as: UTF8.self) })
        case .undefined:
            if !proto.refAttrName.isEmpty {
                throw PlexusError(.unsupported, "node \(node): attribute '\(proto.name)' refers to a function attribute, which is not supported")
            }
            throw PlexusError.invalid("node \(node): attribute '\(proto.name)' has no type")
        default:
            throw PlexusError(.unsupported, "node \(node): attribute '\(proto.name)' of type \(proto.type) (graphs, sparse tensors, types) is not supported yet")
        }
    }
}
