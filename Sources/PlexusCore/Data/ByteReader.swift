/// Little-endian (or big-endian) reading of a byte array with bounds checks that cannot
/// overflow: every position and count a file supplies is checked before it is used.
struct ByteReader {
    let bytes: [UInt8]
    let what: String

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    /// Throws unless `[position, position + count)` lies inside the bytes (checked without
    /// computing `position + count`, which may overflow for sizes read from a file).
    func require(_ count: Int, at position: Int) throws {
        guard position >= 0, count >= 0, position <= bytes.count, count <= bytes.count - position else {
            throw PlexusError.invalid("\(what) is truncated or corrupt (needs \(count) bytes at \(position), has \(bytes.count))")
        }
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type, at position: Int, bigEndian: Bool = false) throws -> T {
        try require(MemoryLayout<T>.size, at: position)
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size {
            let byte = T(bytes[position + (bigEndian ? index : MemoryLayout<T>.size - 1 - index)])
            value = (value << 8) | byte
        }
        return value
    }

    /// An unsigned integer field converted to `Int`, refusing values above `Int.max` (which
    /// `Int(_:)` would trap on) with a message naming `field`.
    func count<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type, at position: Int, _ field: String,
                                                       bigEndian: Bool = false) throws -> Int {
        let raw = try integer(type, at: position, bigEndian: bigEndian)
        guard let value = Int(exactly: raw) else { throw PlexusError.invalid("\(what): \(field) \(raw) is too large") }
        return value
    }

    /// An offset into these bytes read from the file: it must not lie past the end.
    func offset<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type, at position: Int, _ field: String) throws -> Int {
        let value = try count(type, at: position, field)
        guard value <= bytes.count else {
            throw PlexusError.invalid("\(what): \(field) \(value) points past the end (\(bytes.count) bytes)")
        }
        return value
    }

    /// The checked byte size of a tensor whose shape the file gives (`Shape.byteCount`), with
    /// errors naming the file and `item`.
    func byteCount(_ shape: [Int], _ dtype: DType, of item: String = "") throws -> Int {
        do { return try Shape.byteCount(shape, dtype: dtype) } catch let error as PlexusError {
            throw PlexusError(error.code, "\(what): \(item.isEmpty ? "" : item + ": ")\(error.message)")
        }
    }

    func slice(_ position: Int, _ count: Int) throws -> ArraySlice<UInt8> {
        try require(count, at: position)
        return bytes[position..<(position + count)]
    }
}
