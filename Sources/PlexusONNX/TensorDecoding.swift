import FoundationEssentials
import PlexusCore

/// Tensors from `TensorProto`s in every storage form: `raw_data`, the typed repeated fields
/// (`float_data`, `int32_data` holding small integers, float16/float8 bits and packed int4 bytes, `int64_data`, …,
/// `string_data`) and external data files next to the model.
enum TensorDecoding {
    static func tensor(_ proto: Onnx_TensorProto, directory: String?) throws -> Tensor {
        let name = proto.name.isEmpty ? "a tensor" : "tensor '\(proto.name)'"
        guard let dtype = DType(rawValue: proto.dataType) else {
            throw PlexusError(.unsupported, "\(name) has element type \(proto.dataType), which Plexus does not support")
        }
        guard proto.dims.allSatisfy({ $0 >= 0 }), let count = Shape.elementCount(proto.dims.map { Int($0) }) else {
            throw PlexusError.invalid("\(name) has invalid dims \(proto.dims)")
        }
        let shape = proto.dims.map { Int($0) }
        if dtype == .string {
            guard proto.stringData.count == count else {
                throw PlexusError.invalid("\(name) has \(proto.stringData.count) strings for \(count) elements")
            }
            return try Tensor(strings: proto.stringData.map { String(decoding: $0, as: UTF8.self) }, shape: shape)
        }
        let byteCount = NarrowPacking.packedByteCount(dtype, count: count)
        let tensor = Tensor(dtype: dtype, shape: shape, zeroed: true)
        func fill(_ bytes: UnsafeRawBufferPointer) throws {
            guard bytes.count == byteCount else {
                throw PlexusError.invalid("\(name) holds \(bytes.count) bytes of data, its dims \(shape) need \(byteCount)")
            }
            if let bits = dtype.packedBits {
                NarrowPacking.unpack(bytes, bits: bits, count: count, into: tensor.data.assumingMemoryBound(to: UInt8.self))
            } else if byteCount > 0 {
                tensor.data.copyMemory(from: bytes.baseAddress!, byteCount: byteCount)
            }
        }
        if proto.dataLocation == .external {
            try external(proto, name: name, byteCount: byteCount, directory: directory).withUnsafeBytes(fill)
        } else if proto.hasRawData {
            try proto.rawData.withUnsafeBytes(fill)
        } else if dtype.packedBits != nil {  // int32_data holds the packed bytes, one per entry
            try proto.int32Data.map { UInt8(truncatingIfNeeded: $0) }.withUnsafeBytes(fill)
        } else {
            try typed(proto, dtype: dtype, count: count, name: name, into: tensor)
        }
        return tensor
    }

    /// Copies the typed repeated field that holds `dtype`'s values.
    private static func typed(_ proto: Onnx_TensorProto, dtype: DType, count: Int, name: String, into tensor: Tensor) throws {
        func copy<Source, Target>(_ values: [Source], as type: Target.Type, _ convert: (Source) -> Target) throws {
            guard values.count == count else {
                throw PlexusError.invalid("\(name) has \(values.count) values for its \(count) elements")
            }
            let target = tensor.data.assumingMemoryBound(to: Target.self)
            for (index, value) in values.enumerated() { target[index] = convert(value) }
        }
        switch dtype {
        case .float32: try copy(proto.floatData, as: Float.self) { $0 }
        case .float64: try copy(proto.doubleData, as: Double.self) { $0 }
        case .int64: try copy(proto.int64Data, as: Int64.self) { $0 }
        case .int32: try copy(proto.int32Data, as: Int32.self) { $0 }
        case .int16: try copy(proto.int32Data, as: Int16.self) { Int16(truncatingIfNeeded: $0) }
        case .int8: try copy(proto.int32Data, as: Int8.self) { Int8(truncatingIfNeeded: $0) }
        case .uint16, .float16, .bfloat16: try copy(proto.int32Data, as: UInt16.self) { UInt16(truncatingIfNeeded: $0) }
        case .uint8: try copy(proto.int32Data, as: UInt8.self) { UInt8(truncatingIfNeeded: $0) }
        case .bool: try copy(proto.int32Data, as: UInt8.self) { $0 != 0 ? 1 : 0 }
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0:
            try copy(proto.int32Data, as: UInt8.self) { UInt8(truncatingIfNeeded: $0) }
        case .uint4, .int4, .float4e2m1, .uint2, .int2: break  // packed: read by tensor(_:directory:)
        case .uint32: try copy(proto.uint64Data, as: UInt32.self) { UInt32(truncatingIfNeeded: $0) }
        case .uint64: try copy(proto.uint64Data, as: UInt64.self) { $0 }
        case .string: break
        }
    }

    /// The bytes of external data: `location` (relative to the model), `offset`, `length`.
    private static func external(_ proto: Onnx_TensorProto, name: String, byteCount: Int, directory: String?) throws -> ArraySlice<UInt8> {
        var entries: [String: String] = [:]
        for entry in proto.externalData { entries[entry.key] = entry.value }
        guard let location = entries["location"], !location.isEmpty else { throw PlexusError.invalid("\(name) has external data without a location") }
        guard let directory else { throw PlexusError.invalid("\(name) uses external data, which needs the model to be loaded from a file") }
        guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw PlexusError.invalid("\(name): external data location '\(location)' must stay inside the model's folder")
        }
        let bytes = try FileIO.read(directory + "/" + location)
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let length = entries["length"].map { Int($0) ?? -1 } ?? (bytes.count - max(offset, 0))
        guard offset >= 0, length == byteCount, offset + length <= bytes.count else {
            throw PlexusError.invalid("\(name): external data (offset \(offset), length \(length)) does not fit '\(location)' or the tensor's \(byteCount) bytes")
        }
        return bytes[offset..<(offset + length)]
    }
}
