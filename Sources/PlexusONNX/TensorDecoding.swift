import FoundationEssentials
import PlexusCore

/// Tensors from `TensorProto`s in every storage form: `raw_data`, the typed repeated fields
/// (`float_data`, `int32_data` holding small integers, float16/float8 bits and packed int4 bytes, `int64_data`, …,
/// `string_data`) and external data files next to the model.
///
/// The dims come from an untrusted file, so the payload that is actually present (raw bytes,
/// typed values, the external range) is compared with what the dims need before anything is
/// allocated: dims of 2^40 with a 4-byte payload are an error, not a 4 TiB allocation.
enum TensorDecoding {
    /// The largest rank accepted (the C ABI's limit, `Shape.validated`).
    static let maximumRank = 64

    static func tensor(_ proto: Onnx_TensorProto, directory: String?) throws -> Tensor {
        let name = proto.name.isEmpty ? "a tensor" : "tensor '\(proto.name)'"
        guard let dtype = DType(rawValue: proto.dataType) else {
            throw PlexusError(.unsupported, "\(name) has element type \(proto.dataType), which Plexus does not support")
        }
        guard proto.dims.count <= maximumRank else {
            throw PlexusError.invalid("\(name) has \(proto.dims.count) dims, more than the supported \(maximumRank)")
        }
        guard proto.dims.allSatisfy({ $0 >= 0 }) else { throw PlexusError.invalid("\(name) has negative dims \(proto.dims)") }
        let shape = proto.dims.map { Int($0) }
        guard let count = Shape.elementCount(shape) else {
            throw PlexusError.invalid("\(name) has dims \(shape), whose element count overflows")
        }
        if dtype == .string {
            guard proto.stringData.count == count else {
                throw PlexusError.invalid("\(name) has \(proto.stringData.count) strings for \(count) elements")
            }
            return try Tensor(strings: proto.stringData.map { String(decoding: $0, as: UTF8.self) }, shape: shape)
        }
        guard let byteCount = NarrowPacking.packedByteCount(dtype, count: count) else {
            throw PlexusError.invalid("\(name) has dims \(shape), whose \(dtype) byte size overflows")
        }
        /// Refuses a payload of `present` bytes for dims that need `byteCount`, before allocating.
        func expect(_ present: Int) throws {
            guard present == byteCount else {
                throw PlexusError.invalid("\(name) holds \(present) bytes of data, its dims \(shape) need \(byteCount)")
            }
        }
        func filled(_ bytes: UnsafeRawBufferPointer) throws -> Tensor {
            try expect(bytes.count)
            let tensor = try Tensor(dtype: dtype, shape: shape, zeroed: true)
            if let bits = dtype.packedBits {
                NarrowPacking.unpack(bytes, bits: bits, count: count, into: tensor.data.assumingMemoryBound(to: UInt8.self))
            } else if byteCount > 0 {
                tensor.data.copyMemory(from: bytes.baseAddress!, byteCount: byteCount)
            }
            return tensor
        }
        if proto.dataLocation == .external {
            let range = try ExternalData(proto, name: name, directory: directory)
            try expect(range.length)
            guard dtype.packedBits == nil else { return try range.read().withUnsafeBytes(filled) }
            let tensor = try Tensor(dtype: dtype, shape: shape, zeroed: false)  // read in place: no second copy
            if byteCount > 0 { try range.read(into: tensor.data) }
            return tensor
        } else if proto.hasRawData {
            try expect(proto.rawData.count)
            return try proto.rawData.withUnsafeBytes(filled)
        } else if dtype.packedBits != nil {  // int32_data holds the packed bytes, one per entry
            try expect(proto.int32Data.count)
            return try proto.int32Data.map { UInt8(truncatingIfNeeded: $0) }.withUnsafeBytes(filled)
        }
        return try typed(proto, dtype: dtype, shape: shape, count: count, name: name)
    }

    /// A tensor from the typed repeated field that holds `dtype`'s values (its length checked
    /// against `count` before the tensor is allocated).
    private static func typed(_ proto: Onnx_TensorProto, dtype: DType, shape: [Int], count: Int, name: String) throws -> Tensor {
        func copy<Source, Target>(_ values: [Source], as type: Target.Type, _ convert: (Source) -> Target) throws -> Tensor {
            guard values.count == count else {
                throw PlexusError.invalid("\(name) has \(values.count) values for its \(count) elements")
            }
            let tensor = try Tensor(dtype: dtype, shape: shape, zeroed: true)
            let target = tensor.data.assumingMemoryBound(to: Target.self)
            for (index, value) in values.enumerated() { target[index] = convert(value) }
            return tensor
        }
        switch dtype {
        case .float32: return try copy(proto.floatData, as: Float.self) { $0 }
        case .float64: return try copy(proto.doubleData, as: Double.self) { $0 }
        case .int64: return try copy(proto.int64Data, as: Int64.self) { $0 }
        case .int32: return try copy(proto.int32Data, as: Int32.self) { $0 }
        case .int16: return try copy(proto.int32Data, as: Int16.self) { Int16(truncatingIfNeeded: $0) }
        case .int8: return try copy(proto.int32Data, as: Int8.self) { Int8(truncatingIfNeeded: $0) }
        case .uint16, .float16, .bfloat16: return try copy(proto.int32Data, as: UInt16.self) { UInt16(truncatingIfNeeded: $0) }
        case .uint8: return try copy(proto.int32Data, as: UInt8.self) { UInt8(truncatingIfNeeded: $0) }
        case .bool: return try copy(proto.int32Data, as: UInt8.self) { $0 != 0 ? 1 : 0 }
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0:
            return try copy(proto.int32Data, as: UInt8.self) { UInt8(truncatingIfNeeded: $0) }
        case .uint32: return try copy(proto.uint64Data, as: UInt32.self) { UInt32(truncatingIfNeeded: $0) }
        case .uint64: return try copy(proto.uint64Data, as: UInt64.self) { $0 }
        case .uint4, .int4, .float4e2m1, .uint2, .int2, .string:
            throw PlexusError(.internal, "\(name): \(dtype) is read by tensor(_:directory:)")  // packed and strings return earlier
        }
    }
}
