/// `.npz` archives (numpy's `savez`): a zip of `.npy` members. Members must be stored
/// uncompressed (`np.savez`); `np.savez_compressed` archives are refused with a clear error.
public enum NpzArchive {
    /// The arrays of the archive at `path`, by member name without `.npy`.
    public static func read(_ path: String) throws -> [String: Tensor] {
        let reader = ByteReader(try FileIO.read(path), what: path)
        // End of central directory: the last "PK\u{5}\u{6}" record.
        var end = reader.bytes.count - 22
        while end >= 0, try reader.integer(UInt32.self, at: end) != 0x0605_4B50 { end -= 1 }
        guard end >= 0 else { throw PlexusError.invalid("'\(path)' is not a zip (.npz) archive") }
        var entries = Int(try reader.integer(UInt16.self, at: end + 10))
        var directory = Int(try reader.integer(UInt32.self, at: end + 16))
        if directory == 0xFFFF_FFFF || entries == 0xFFFF {  // zip64 end of central directory
            let locator = end - 20
            guard locator >= 0, try reader.integer(UInt32.self, at: locator) == 0x0706_4B50 else {
                throw PlexusError.invalid("'\(path)': zip64 locator is missing")
            }
            let record = Int(try reader.integer(UInt64.self, at: locator + 8))
            entries = Int(try reader.integer(UInt64.self, at: record + 32))
            directory = Int(try reader.integer(UInt64.self, at: record + 48))
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
            let name = String(decoding: try reader.slice(position + 46, nameLength), as: UTF8.self)
            // zip64 extra field: 64-bit sizes/offset for the fields that hold 0xFFFFFFFF.
            var extra = position + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try reader.integer(UInt16.self, at: extra), length = Int(try reader.integer(UInt16.self, at: extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    if try reader.integer(UInt32.self, at: position + 24) == 0xFFFF_FFFF { field += 8 }  // uncompressed size
                    if size == 0xFFFF_FFFF { size = Int(try reader.integer(UInt64.self, at: field)); field += 8 }
                    if local == 0xFFFF_FFFF { local = Int(try reader.integer(UInt64.self, at: field)) }
                }
                extra += 4 + length
            }
            guard method == 0 else {
                throw PlexusError(.unsupported, "'\(path)': member \(name) is compressed; save with np.savez (not savez_compressed)")
            }
            let dataStart = local + 30 + Int(try reader.integer(UInt16.self, at: local + 26)) + Int(try reader.integer(UInt16.self, at: local + 28))
            let member = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            arrays[member] = try NumpyFormat.decode(Array(try reader.slice(dataStart, size)), name: "\(path):\(name)")
            position += 46 + nameLength + extraLength + commentLength
        }
        return arrays
    }
}
