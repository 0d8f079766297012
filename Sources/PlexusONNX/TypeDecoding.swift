import PlexusCore

/// Declared value types from `ValueInfoProto`s: tensor element type and dims (numbers,
/// symbolic names, or unknown).
enum TypeDecoding {
    static func valueInfo(_ proto: Onnx_ValueInfoProto) -> Graph.ValueInfo {
        guard case .tensorType(let tensorType)? = proto.type.value else {
            return Graph.ValueInfo(name: proto.name, dtype: nil, shape: nil)
        }
        let dtype = DType(rawValue: tensorType.elemType)
        guard tensorType.hasShape else { return Graph.ValueInfo(name: proto.name, dtype: dtype, shape: nil) }
        let shape = tensorType.shape.dim.map { dim -> Graph.ValueInfo.Dimension in
            switch dim.value {
            case .dimValue(let value)?: return value >= 0 ? .fixed(Int(value)) : .unknown
            case .dimParam(let name)?: return name.isEmpty ? .unknown : .symbolic(name)
            case nil: return .unknown
            }
        }
        return Graph.ValueInfo(name: proto.name, dtype: dtype, shape: shape)
    }
}
