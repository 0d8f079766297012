import FoundationEssentials
import PlexusCore

/// Plexus graphs, tensors and attributes as ONNX protobufs (the inverse of the import side).
enum ModelEncoding {
    static func tensor(_ tensor: Tensor, name: String) throws -> Onnx_TensorProto {
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dataType = tensor.dtype.rawValue
        proto.dims = tensor.shape.map { Int64($0) }
        if tensor.dtype == .string {
            proto.stringData = try tensor.strings().map { Data($0.utf8) }
        } else if let bits = tensor.dtype.packedBits {
            proto.rawData = Data(NarrowPacking.pack(tensor.data.assumingMemoryBound(to: UInt8.self), bits: bits, count: tensor.count))
        } else {
            proto.rawData = Data(bytes: tensor.data, count: tensor.count * tensor.dtype.elementSize)
        }
        return proto
    }

    static func attribute(_ name: String, _ value: AttributeValue) throws -> Onnx_AttributeProto {
        var proto = Onnx_AttributeProto()
        proto.name = name
        switch value {
        case .int(let v): proto.type = .int; proto.i = v
        case .float(let v): proto.type = .float; proto.f = Float(v)
        case .ints(let v): proto.type = .ints; proto.ints = v
        case .floats(let v): proto.type = .floats; proto.floats = v.map { Float($0) }
        case .string(let v): proto.type = .string; proto.s = Data(v.utf8)
        case .strings(let v): proto.type = .strings; proto.strings = v.map { Data($0.utf8) }
        case .tensor(let t): proto.type = .tensor; proto.t = try tensor(t, name: name)
        }
        return proto
    }

    static func valueInfo(_ info: Graph.ValueInfo) -> Onnx_ValueInfoProto {
        var proto = Onnx_ValueInfoProto()
        proto.name = info.name
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = info.dtype?.rawValue ?? 0
        if let shape = info.shape {
            var shapeProto = Onnx_TensorShapeProto()
            shapeProto.dim = shape.map { dimension in
                var dim = Onnx_TensorShapeProto.Dimension()
                switch dimension {
                case .fixed(let value): dim.dimValue = Int64(value)
                case .symbolic(let name): dim.dimParam = name
                case .unknown: break
                }
                return dim
            }
            tensorType.shape = shapeProto
        }
        proto.type.tensorType = tensorType
        return proto
    }

    /// A model around `graph` importing `opset` for ai.onnx and version 1 of every other domain.
    static func model(_ graph: Graph, opset: Int, producerVersion: String) throws -> Onnx_ModelProto {
        var proto = Onnx_ModelProto()
        guard let irVersion = ONNXVersions.irVersion(for: opset) else {
            throw PlexusError(.unsupported, "onnx defines no ai.onnx opset \(opset)")
        }
        proto.irVersion = Int64(irVersion)
        proto.producerName = "plexus"
        proto.producerVersion = producerVersion
        var imports = [Onnx_OperatorSetIdProto()]
        imports[0].domain = ""
        imports[0].version = Int64(opset)
        for domain in Set(graph.nodes.map(\.op.domain)).subtracting([""]).sorted() {
            var entry = Onnx_OperatorSetIdProto()
            entry.domain = domain
            entry.version = 1
            imports.append(entry)
        }
        proto.opsetImport = imports
        var graphProto = Onnx_GraphProto()
        graphProto.name = "plexus"
        graphProto.node = try graph.nodes.map { node in
            var nodeProto = Onnx_NodeProto()
            nodeProto.opType = node.op.name
            nodeProto.domain = node.op.domain
            nodeProto.name = node.name
            nodeProto.input = node.inputs
            nodeProto.output = node.outputs
            nodeProto.attribute = try node.attributes.names.map { try attribute($0, node.attributes[$0]!) }
            return nodeProto
        }
        graphProto.initializer = try graph.initializers.sorted { $0.key < $1.key }.map { try tensor($0.value, name: $0.key) }
        graphProto.input = graph.inputs.map(valueInfo)
        graphProto.output = graph.outputs.map(valueInfo)
        proto.graph = graphProto
        return proto
    }
}
