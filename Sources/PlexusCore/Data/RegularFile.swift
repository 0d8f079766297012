#if canImport(Glibc)
import Glibc
#endif

/// An open regular file, read with bounds fixed at open time (see `FileIO`).
///
/// Opening uses `O_NONBLOCK` so a FIFO without a writer cannot hang `open`; the descriptor is
/// then checked with `fstat` (not the path, which could be swapped in between) and anything
/// but a regular file is refused before a byte is read.
struct RegularFile {
    let path: String
    let descriptor: Int32
    /// The size when opened; reads never go past it.
    let size: Int

    init(_ path: String) throws {
        guard !path.utf8.contains(0) else { throw PlexusError.invalid("a file path contains a NUL byte") }
        var descriptor: Int32
        repeat { descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            let reason = FileIO.errorText()
            // A socket cannot be opened at all (ENXIO); say what it is rather than why open failed.
            var status = stat()
            if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
                throw PlexusError.invalid("'\(path)' is \(RegularFile.kind(status.st_mode)), not a regular file")
            }
            throw PlexusError(.io, "cannot open '\(path)': \(reason)")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let message = "cannot read '\(path)': \(FileIO.errorText())"
            Glibc.close(descriptor)
            throw PlexusError(.io, message)
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(descriptor)
            throw PlexusError.invalid("'\(path)' is \(RegularFile.kind(status.st_mode)), not a regular file")
        }
        // Regular files never block; clear the flag so reads behave normally everywhere.
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
        (self.path, self.descriptor, self.size) = (path, descriptor, Int(status.st_size))
    }

    func close() { Glibc.close(descriptor) }

    /// The bytes `[offset, offset + length)`, which must lie inside the file's size at open.
    func read(offset: Int, length: Int) throws -> [UInt8] {
        try checkRange(offset: offset, length: length)
        try RegularFile.checkCap(length, path)
        var bytes = [UInt8](repeating: 0, count: length)
        try bytes.withUnsafeMutableBytes { try read(offset: offset, length: length, into: $0.baseAddress) }
        return bytes
    }

    /// Reads `[offset, offset + length)` into `destination`, which holds at least `length` bytes
    /// (a tensor's memory: no second copy of a large payload).
    func read(offset: Int, length: Int, into destination: UnsafeMutableRawPointer?) throws {
        try checkRange(offset: offset, length: length)
        var done = 0
        while done < length {
            let count = pread(descriptor, destination! + done, length - done, off_t(offset + done))
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw PlexusError(.io, "error reading '\(path)': \(FileIO.errorText())") }
            guard count > 0 else { throw PlexusError(.io, "'\(path)' became shorter while it was read") }
            done += count
        }
    }

    private func checkRange(offset: Int, length: Int) throws {
        guard offset >= 0, length >= 0, offset <= size, length <= size - offset else {
            throw PlexusError.invalid("'\(path)': the range of \(length) bytes at offset \(offset) is outside the file (\(size) bytes)")
        }
    }

    /// Everything up to the end of a file whose size is not known in advance (pseudo-files),
    /// refusing more than `limit` bytes.
    func readToEnd(limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw PlexusError(.io, "error reading '\(path)': \(FileIO.errorText())") }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else {
                throw PlexusError.invalid("'\(path)' reports a size of 0 but holds more than \(limit) bytes")
            }
            bytes += chunk[0..<count]
        }
    }

    /// Refuses a read of `byteCount` bytes above the allocation cap, naming the file.
    static func checkCap(_ byteCount: Int, _ path: String) throws {
        do {
            try MemoryLimits.checkArray(byteCount)
        } catch let error as PlexusError {
            throw PlexusError(error.code, "'\(path)' (\(byteCount) bytes) cannot be read: \(error.message)")
        }
    }

    /// What a non-regular file is, for messages.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a named pipe (FIFO)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }
}
