import PlexusCore

/// Where a tensor's external data lies: the `location`, `offset` and `length` entries of its
/// `external_data`, validated. A model is untrusted, so the location is resolved with
/// `FileIO.resolve` (after every symlink it must stay inside the model's folder and be a
/// regular file: no `/etc/passwd` through a link, no `/dev/zero`, no FIFO), the numbers must be
/// plain non-negative decimals whose sum does not overflow, and only the tensor's own byte range
/// is read, after checking that it lies inside the file.
struct ExternalData {
    /// The resolved path of the data file.
    let path: String
    let offset: Int
    /// Bytes to read; the file's remainder after `offset` when the model gives no length.
    let length: Int

    init(_ proto: Onnx_TensorProto, name: String, directory: String?) throws {
        var entries: [String: String] = [:]
        for entry in proto.externalData {
            guard entries.updateValue(entry.value, forKey: entry.key) == nil else {
                throw PlexusError.invalid("\(name): external data names '\(entry.key)' twice")
            }
        }
        guard let location = entries["location"], !location.isEmpty else { throw PlexusError.invalid("\(name) has external data without a location") }
        guard let directory else { throw PlexusError.invalid("\(name) uses external data, which needs the model to be loaded from a file") }
        do {
            path = try FileIO.resolve(location, inside: directory)
        } catch let error as PlexusError {
            throw PlexusError(error.code, "\(name): external data location refused: \(error.message)")
        }
        offset = try ExternalData.number(entries["offset"], "offset", name) ?? 0
        let size = try FileIO.size(path)
        guard offset <= size else {
            throw PlexusError.invalid("\(name): external data offset \(offset) is past the end of '\(location)' (\(size) bytes)")
        }
        length = try ExternalData.number(entries["length"], "length", name) ?? (size - offset)
        guard length <= size - offset else {
            throw PlexusError.invalid("\(name): external data (offset \(offset), length \(length)) runs past the end of '\(location)' (\(size) bytes)")
        }
    }

    /// The data bytes (the range is checked again against the file as it is when read).
    func read() throws -> [UInt8] {
        try FileIO.read(path, offset: offset, length: length)
    }

    /// Reads the data bytes straight into `destination` (at least `length` bytes).
    func read(into destination: UnsafeMutableRawPointer) throws {
        try FileIO.read(path, offset: offset, length: length, into: destination)
    }

    /// A non-negative decimal `text`; nil when absent.
    private static func number(_ text: String?, _ key: String, _ name: String) throws -> Int? {
        guard let text else { return nil }
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }), let value = Int(text) else {
            throw PlexusError.invalid("\(name): external data \(key) '\(text.prefix(40))' is not a non-negative integer that fits 64 bits")
        }
        return value
    }
}
