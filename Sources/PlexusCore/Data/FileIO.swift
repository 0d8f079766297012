#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and writes with errors that name the file.
public enum FileIO {
    /// The bytes of the file at `path`.
    public static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw PlexusError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[0..<count])
            if count < chunk.count {
                if ferror(file) != 0 { throw PlexusError(.io, "error reading '\(path)'") }
                return bytes
            }
        }
    }

    /// Writes `bytes` to `path`, replacing it (through a temporary file, so a failed write
    /// never leaves a truncated file behind).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        guard let file = fopen(temporary, "wb") else { throw PlexusError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw PlexusError(.io, "error writing '\(path)'")
        }
    }
}

/// Little-endian reading of a byte array with bounds checks.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    let what: String

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    func require(_ count: Int, at position: Int) throws {
        guard position >= 0, count >= 0, position + count <= bytes.count else {
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

    func slice(_ position: Int, _ count: Int) throws -> ArraySlice<UInt8> {
        try require(count, at: position)
        return bytes[position..<(position + count)]
    }
}
