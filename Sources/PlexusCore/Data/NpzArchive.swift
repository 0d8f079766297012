/// `.npz` archives (numpy's `savez`): a zip of `.npy` members. Members must be stored
/// uncompressed (`np.savez`); `np.savez_compressed` archives are refused with a clear error.
///
/// Every size, offset and count in the zip records is checked against the file before use:
/// offsets must point inside it, the entry count cannot exceed what the central directory's
/// bytes can hold, and member names must be unique.
public enum NpzArchive {
    /// Bytes of a central directory entry before its name.
    static let entryHeaderSize = 46

    /// The arrays of the archive at `path`, by member name without `.npy`.
    public static func read(_ path: String) throws -> [String: Tensor] {
        let reader = ByteReader(try FileIO.read(path), what: path)
        let (entries, directory) = try centralDirectory(reader, path: path)
        guard entries <= (reader.bytes.count - directory) / entryHeaderSize else {
            throw PlexusError.invalid("'\(path)': the zip directory claims \(entries) entries, more than its \(reader.bytes.count - directory) bytes can hold")
        }
        var arrays: [String: Tensor] = [:]
        var position = directory
        for _ in 0..<entries {
            guard try reader.integer(UInt32.self, at: position) == 0x0201_4B50 else { throw PlexusError.invalid("'\(path)': corrupt zip directory") }
            let method = try reader.integer(UInt16.self, at: position + 10)
            var size = Int(try reader.integer(UInt32.self, at: position + 20))
            let nameLength = Int(try reader.integer(UInt16.self, at: position + 28))
            let extraLength = Int(try reader.integer(UInt16.self, at: position + 30))
            let commentLength = Int(try reader.integer(UInt16.self, at: position + 32))
            var local = Int(try reader.integer(UInt32.self, at: position + 42))
            let name = String(decoding: try reader.slice(position + entryHeaderSize, nameLength), as: UTF8.self)
            // zip64 extra field: 64-bit sizes/offset for the fields that hold 0xFFFFFFFF, in the
            // order uncompressed size, compressed size, local header offset.
            var extra = position + entryHeaderSize + nameLength
            let extraEnd = extra + extraLength
            _ = try reader.slice(extra, extraLength)
            while extraEnd - extra >= 4 {
                let id = try reader.integer(UInt16.self, at: extra), length = Int(try reader.integer(UInt16.self, at: extra + 2))
                guard length <= extraEnd - extra - 4 else { throw PlexusError.invalid("'\(path)': corrupt zip64 field of \(name)") }
                if id == 0x0001 {
                    let block = ByteReader(Array(try reader.slice(extra + 4, length)), what: "\(path): the zip64 field of \(name)")
                    var field = 0
                    if try reader.integer(UInt32.self, at: position + 24) == 0xFFFF_FFFF { field += 8 }  // uncompressed size
                    if size == 0xFFFF_FFFF { size = try block.count(UInt64.self, at: field, "compressed size"); field += 8 }
                    if local == 0xFFFF_FFFF { local = try block.count(UInt64.self, at: field, "local header offset") }
                }
                extra += 4 + length
            }
            guard method == 0 else {
                throw PlexusError(.unsupported, "'\(path)': member \(name) is compressed; save with np.savez (not savez_compressed)")
            }
            guard local <= reader.bytes.count, try reader.integer(UInt32.self, at: local) == 0x0403_4B50 else {
                throw PlexusError.invalid("'\(path)': the local header of \(name) is missing or corrupt")
            }
            let dataStart = local + 30 + Int(try reader.integer(UInt16.self, at: local + 26)) + Int(try reader.integer(UInt16.self, at: local + 28))
            let member = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            guard arrays[member] == nil else { throw PlexusError.invalid("'\(path)': the archive holds \(name) more than once") }
            arrays[member] = try NumpyFormat.decode(Array(try reader.slice(dataStart, size)), name: "\(path):\(name)")
            position = extraEnd + commentLength
        }
        return arrays
    }

    /// The entry count and central directory offset from the end-of-central-directory record
    /// (and the zip64 one when the classic fields are saturated).
    static func centralDirectory(_ reader: ByteReader, path: String) throws -> (entries: Int, directory: Int) {
        // The record is the last "PK\u{5}\u{6}" within its 22 bytes plus a comment of at most 65535.
        var end = reader.bytes.count - 22
        let lowest = max(0, end - 0xFFFF)
        while end >= lowest, try reader.integer(UInt32.self, at: end) != 0x0605_4B50 { end -= 1 }
        guard end >= lowest else { throw PlexusError.invalid("'\(path)' is not a zip (.npz) archive") }
        var entries = Int(try reader.integer(UInt16.self, at: end + 10))
        var directory = Int(try reader.integer(UInt32.self, at: end + 16))
        if directory == 0xFFFF_FFFF || entries == 0xFFFF {  // zip64 end of central directory
            let locator = end - 20
            guard locator >= 0, try reader.integer(UInt32.self, at: locator) == 0x0706_4B50 else {
                throw PlexusError.invalid("'\(path)': zip64 locator is missing")
            }
            let record = try reader.offset(UInt64.self, at: locator + 8, "zip64 record offset")
            guard try reader.integer(UInt32.self, at: record) == 0x0606_4B50 else { throw PlexusError.invalid("'\(path)': zip64 record is corrupt") }
            entries = try reader.count(UInt64.self, at: record + 32, "zip64 entry count")
            directory = try reader.count(UInt64.self, at: record + 48, "zip64 directory offset")
        }
        guard directory <= reader.bytes.count else {
            throw PlexusError.invalid("'\(path)': the zip directory offset \(directory) is past the end (\(reader.bytes.count) bytes)")
        }
        return (entries, directory)
    }
}
