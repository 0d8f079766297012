/// The `.npy` format: a magic string, a Python-dict header (`descr`, `fortran_order`,
/// `shape`) and the raw little-endian elements.
public enum NumpyFormat {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    static let descriptors: [String: DType] = [
        "f4": .float32, "f8": .float64, "f2": .float16, "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64,
        "u1": .uint8, "u2": .uint16, "u4": .uint32, "u8": .uint64, "b1": .bool,
    ]

    /// Reads an `.npy` file.
    public static func read(_ path: String) throws -> Tensor { try decode(try FileIO.read(path), name: path) }

    /// Decodes `.npy` bytes.
    public static func decode(_ bytes: [UInt8], name: String = "npy data") throws -> Tensor {
        let reader = ByteReader(bytes, what: name)
        guard Array(try reader.slice(0, 6)) == magic else { throw PlexusError.invalid("\(name) is not an .npy file") }
        let major = try reader.integer(UInt8.self, at: 6)
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(try reader.integer(UInt16.self, at: 8)); headerStart = 10
        case 2, 3: headerLength = try reader.count(UInt32.self, at: 8, "header length"); headerStart = 12
        default: throw PlexusError(.unsupported, "\(name): .npy version \(major) is not supported")
        }
        guard headerLength <= maxHeaderLength else {
            throw PlexusError.invalid("\(name): header length \(headerLength) is larger than the \(maxHeaderLength) bytes allowed")
        }
        let header = String(decoding: try reader.slice(headerStart, headerLength), as: UTF8.self)
        let descr = try field("descr", in: header, name: name).trimmingCharacters(in: "'\" ")
        guard descr.count >= 3, let dtype = descriptors[String(descr.dropFirst())] else {
            throw PlexusError(.unsupported, "\(name): element type \(descr) is not supported")
        }
        if descr.first == ">" && dtype.elementSize > 1 {
            throw PlexusError(.unsupported, "\(name): big-endian arrays are not supported")
        }
        if try field("fortran_order", in: header, name: name).contains("True") {
            throw PlexusError(.unsupported, "\(name): Fortran-ordered arrays are not supported (save with np.ascontiguousarray)")
        }
        let shapeText = try field("shape", in: header, name: name)
        guard shapeText.first == "(", shapeText.last == ")" else { throw PlexusError.invalid("\(name): shape \(shapeText) is not a tuple") }
        var parts = shapeText.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingCharacters(in: " ") }
        if parts.last == "" { parts.removeLast() }  // "(3,)" ends with a comma; "()" (0-d) is one empty part
        let shape = try parts.map { part -> Int in
            guard let dim = Int(part), dim >= 0 else {
                throw PlexusError.invalid("\(name): shape \(shapeText) has \(part), not a non-negative integer that fits 64 bits")
            }
            return dim
        }
        let byteCount = try reader.byteCount(shape, dtype)
        // The data must be present before anything is allocated for it.
        let data = try reader.slice(headerStart + headerLength, byteCount)
        let tensor = try Tensor(dtype: dtype, shape: shape, zeroed: false)
        data.withUnsafeBytes { if $0.count > 0 { tensor.data.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        return tensor
    }

    /// The largest header accepted: numpy writes a few hundred bytes and itself refuses headers
    /// above 10 000 bytes unless told otherwise.
    static let maxHeaderLength = 1 << 20

    /// The text of `key`'s value in a Python dict literal.
    static func field(_ key: String, in header: String, name: String) throws -> String {
        guard let keyRange = header.firstRange(of: "'\(key)'") ?? header.firstRange(of: "\"\(key)\"") else {
            throw PlexusError.invalid("\(name): header has no '\(key)'")
        }
        var rest = header[keyRange.upperBound...].drop { $0 == ":" || $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw PlexusError.invalid("\(name): unterminated \(key)") }
            return String(rest[...close])
        }
        rest = rest.prefix { $0 != "," && $0 != "}" }
        return String(rest)
    }

    /// Encodes a tensor as `.npy` bytes (version 1.0).
    public static func encode(_ tensor: Tensor) throws -> [UInt8] {
        guard let descr = descriptors.first(where: { $0.value == tensor.dtype })?.key else {
            throw PlexusError(.unsupported, "\(tensor.dtype) cannot be written to .npy")
        }
        let order = tensor.dtype.elementSize == 1 ? "|" : "<"
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(order)\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        // Version 1.0 has a 16-bit header length; longer headers (high ranks) need version 2.0.
        let version2 = 10 + header.utf8.count + 64 > 0xFFFF
        let prefix = version2 ? 12 : 10
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        var bytes = magic + (version2 ? [2, 0] : [1, 0])
        bytes += (0..<(version2 ? 4 : 2)).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        bytes += Array(header.utf8)
        bytes += UnsafeRawBufferPointer(start: tensor.data, count: tensor.count * tensor.dtype.elementSize)
        return bytes
    }

    /// Writes a tensor to an `.npy` file.
    public static func write(_ tensor: Tensor, to path: String) throws { try FileIO.write(try encode(tensor), to: path) }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
