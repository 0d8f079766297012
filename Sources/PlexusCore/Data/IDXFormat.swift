/// The IDX format of MNIST and friends: two zero bytes, a type code, the rank, big-endian
/// int32 dims, then big-endian elements.
public enum IDXFormat {
    /// Reads an IDX file (ubyte, byte, short, int, float or double elements).
    public static func read(_ path: String) throws -> Tensor {
        let reader = ByteReader(try FileIO.read(path), what: path)
        guard try reader.integer(UInt16.self, at: 0) == 0 else { throw PlexusError.invalid("'\(path)' is not an IDX file") }
        let code = try reader.integer(UInt8.self, at: 2), rank = Int(try reader.integer(UInt8.self, at: 3))
        let types: [UInt8: DType] = [0x08: .uint8, 0x09: .int8, 0x0B: .int16, 0x0C: .int32, 0x0D: .float32, 0x0E: .float64]
        guard let dtype = types[code] else { throw PlexusError(.unsupported, "'\(path)': IDX type code \(code) is unknown") }
        let shape = try (0..<rank).map { Int(try reader.integer(UInt32.self, at: 4 + 4 * $0, bigEndian: true)) }
        let byteCount = try reader.byteCount(shape, dtype)
        let size = dtype.elementSize, start = 4 + 4 * rank, count = byteCount / size
        let data = try reader.slice(start, byteCount)  // present before anything is allocated
        let tensor = try Tensor(dtype: dtype, shape: shape, zeroed: false)
        let target = tensor.data.assumingMemoryBound(to: UInt8.self)
        // Big-endian elements: reverse the bytes of each.
        for element in 0..<count {
            for byte in 0..<size { target[element * size + byte] = data[data.startIndex + element * size + (size - 1 - byte)] }
        }
        return tensor
    }
}
