#if canImport(Glibc)
import Glibc
#endif

/// File reads and writes with errors that name the file.
///
/// Every file Plexus opens on behalf of a model or checkpoint (ONNX models and their external
/// data, safetensors, `.npy`/`.npz`, IDX) is read through here, because those paths come from
/// untrusted input: a read opens without following into a FIFO's writer (`O_NONBLOCK`), refuses
/// anything that is not a regular file (FIFOs, `/dev/zero`, directories, sockets), reads at
/// most the size the file had when it was opened (a file that grows is not followed), and checks
/// that size against the allocation cap (`MemoryLimits`) before allocating anything.
public enum FileIO {
    /// Regular files that report a size of 0 (procfs and sysfs pseudo-files such as
    /// `/proc/self/status`) are read up to their end, but never beyond this many bytes.
    static let pseudoFileLimit = 1 << 20

    /// The bytes of the regular file at `path`.
    ///
    /// Throws `io` when the file cannot be opened or read, `invalidArgument` when it is not a
    /// regular file, and `outOfMemory` when it is larger than the allocation cap.
    public static func read(_ path: String) throws -> [UInt8] {
        let file = try RegularFile(path)
        defer { file.close() }
        if file.size == 0 { return try file.readToEnd(limit: pseudoFileLimit) }
        return try file.read(offset: 0, length: file.size)
    }

    /// The bytes `[offset, offset + length)` of the regular file at `path` (for external data:
    /// a tensor's bytes inside a larger weights file).
    ///
    /// Throws `invalidArgument` for a negative offset or length, or a range that does not lie
    /// inside the file (checked without overflow, so `offset = Int.max` is an error, not a trap),
    /// and the errors of `read(_:)`.
    public static func read(_ path: String, offset: Int, length: Int) throws -> [UInt8] {
        let file = try RegularFile(path)
        defer { file.close() }
        return try file.read(offset: offset, length: length)
    }

    /// Reads `[offset, offset + length)` of the regular file at `path` into `destination`, which
    /// holds at least `length` bytes (errors as `read(_:offset:length:)`).
    public static func read(_ path: String, offset: Int, length: Int, into destination: UnsafeMutableRawPointer) throws {
        let file = try RegularFile(path)
        defer { file.close() }
        try file.read(offset: offset, length: length, into: destination)
    }

    /// The size in bytes of the regular file at `path` (errors as `read(_:)`).
    public static func size(_ path: String) throws -> Int {
        let file = try RegularFile(path)
        defer { file.close() }
        return file.size
    }

    /// The real path of `location`, a path relative to `directory`, refusing anything that
    /// leaves `directory`: an empty or absolute `location`, a `..` component, or a path that
    /// resolves (after every symlink, with `realpath`) outside the real path of `directory`.
    /// The result must also be a regular file. This is how external data and any other file a
    /// model names is located; read the result with `read(_:)` or `read(_:offset:length:)`.
    ///
    /// Throws `invalidArgument` for a refused location and `io` for one that does not exist.
    public static func resolve(_ location: String, inside directory: String) throws -> String {
        guard !location.isEmpty else { throw PlexusError.invalid("an empty file location") }
        guard !location.utf8.contains(0) else { throw PlexusError.invalid("the location \(JSON.quote(location)) contains a NUL character") }
        guard !location.hasPrefix("/") else {
            throw PlexusError.invalid("'\(location)' is an absolute path; a location must be relative to '\(directory)'")
        }
        guard !location.split(separator: "/").contains("..") else {
            throw PlexusError.invalid("'\(location)' contains '..'; a location must stay inside '\(directory)'")
        }
        let folder = try realPath(directory.isEmpty ? "." : directory)
        let resolved = try realPath(folder + "/" + location)
        let prefix = folder == "/" ? "/" : folder + "/"
        guard resolved.hasPrefix(prefix), resolved.count > prefix.count else {
            throw PlexusError.invalid("'\(location)' resolves to '\(resolved)', outside '\(folder)' (symbolic links may not leave the folder)")
        }
        var status = stat()
        guard stat(resolved, &status) == 0 else { throw PlexusError(.io, "cannot read '\(resolved)': \(errorText())") }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw PlexusError.invalid("'\(location)' is \(RegularFile.kind(status.st_mode)), not a regular file")
        }
        return resolved
    }

    /// `realpath(path)`, with an error naming the path.
    static func realPath(_ path: String) throws -> String {
        guard let resolved = realpath(path, nil) else { throw PlexusError(.io, "cannot resolve '\(path)': \(errorText())") }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Writes `bytes` to `path`, replacing it (through a temporary file, so a failed write
    /// never leaves a truncated file behind).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        guard let file = fopen(temporary, "wb") else { throw PlexusError(.io, "cannot write '\(path)': \(errorText())") }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw PlexusError(.io, "error writing '\(path)'")
        }
    }

    /// `strerror(errno)`.
    static func errorText() -> String { String(cString: strerror(errno)) }
}
