/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
/// name to `{dtype, shape, data_offsets}` (plus optional `__metadata__` strings), then the
/// raw little-endian data. Files written here load with the Python `safetensors` package and
/// vice versa.
public enum Safetensors {
    static let names: [DType: String] = [
        .float32: "F32", .float64: "F64", .float16: "F16", .bfloat16: "BF16", .int8: "I8", .int16: "I16", .int32: "I32",
        .int64: "I64", .uint8: "U8", .uint16: "U16", .uint32: "U32", .uint64: "U64", .bool: "BOOL",
    ]

    /// Encodes named tensors (in the given order) with optional string metadata.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) throws -> [UInt8] {
        var members: [(String, JSON)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var offset = 0
        for (name, tensor) in tensors {
            guard let dtype = names[tensor.dtype] else { throw PlexusError(.unsupported, "'\(name)': \(tensor.dtype) cannot be stored in safetensors") }
            guard !members.contains(where: { $0.0 == name }) else { throw PlexusError(.alreadyExists, "duplicate tensor name '\(name)'") }
            let size = tensor.count * tensor.dtype.elementSize
            members.append((name, .object([("dtype", .string(dtype)), ("shape", .array(tensor.shape.map { .number(Double($0)) })),
                                           ("data_offsets", .array([.number(Double(offset)), .number(Double(offset + size))]))])))
            offset += size
        }
        var header = Array(JSON.object(members).serialized.utf8)
        while header.count % 8 != 0 { header.append(0x20) }  // align data to 8 bytes, as the reference writer does
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + header.count + offset)
        var length = UInt64(header.count)
        for _ in 0..<8 { bytes.append(UInt8(length & 0xFF)); length >>= 8 }
        bytes += header
        for (_, tensor) in tensors { bytes += UnsafeRawBufferPointer(start: tensor.data, count: tensor.count * tensor.dtype.elementSize) }
        return bytes
    }

    /// The largest header accepted, as in the reference implementation.
    static let maxHeaderLength = 100_000_000

    /// Decodes a safetensors file's bytes into named tensors (in file order) and metadata.
    ///
    /// Everything in the header is validated before anything is allocated: the header length,
    /// each entry's dtype, shape (non-negative integers whose byte size does not overflow) and
    /// `data_offsets` (integers inside the data section, matching the byte size); duplicate
    /// names (refused by `JSON.parse`) and overlapping data regions are refused, as the
    /// reference implementation does.
    public static func decode(_ bytes: [UInt8], name: String = "safetensors data") throws -> (tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) {
        let reader = ByteReader(bytes, what: name)
        guard bytes.count >= 8 else { throw PlexusError.invalid("\(name) is not a safetensors file (\(bytes.count) bytes, shorter than the 8-byte header length)") }
        let rawLength = try reader.integer(UInt64.self, at: 0)
        guard rawLength <= UInt64(maxHeaderLength) else {
            throw PlexusError.invalid("\(name): header length \(rawLength) is larger than the \(maxHeaderLength) bytes allowed")
        }
        let length = Int(rawLength)
        guard length <= bytes.count - 8 else {
            throw PlexusError.invalid("\(name): header length \(length) is past the end of the file (\(bytes.count) bytes)")
        }
        let header: JSON
        do {
            // Names must be valid UTF-8 (as the reference requires), not silently replaced.
            guard let text = String(validating: try reader.slice(8, length), as: UTF8.self) else {
                throw PlexusError.invalid("the header is not valid UTF-8")
            }
            header = try JSON.parse(text)
        } catch let error as PlexusError {
            throw PlexusError.invalid("\(name): malformed header: \(error.message)")
        }
        guard case .object(let members) = header else { throw PlexusError.invalid("\(name): the header is not a JSON object") }
        let dataStart = 8 + length, dataSize = bytes.count - dataStart
        var entries: [(key: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        var metadata: [String: String] = [:]
        for (key, value) in members {
            if key == "__metadata__" {
                metadata = try self.metadata(value, name: name)
                continue
            }
            guard case .object = value else { throw PlexusError.invalid("\(name): the entry of '\(key)' is not a JSON object") }
            guard case .string(let dtypeName)? = value["dtype"] else { throw PlexusError.invalid("\(name): '\(key)' has no dtype string") }
            guard let dtype = names.first(where: { $0.value == dtypeName })?.key else {
                throw PlexusError(.unsupported, "\(name): '\(key)' has the unsupported dtype \(JSON.quote(dtypeName))")
            }
            guard case .array(let dims)? = value["shape"] else { throw PlexusError.invalid("\(name): '\(key)' has no shape list") }
            guard case .array(let offsets)? = value["data_offsets"], offsets.count == 2 else {
                throw PlexusError.invalid("\(name): '\(key)' has no data_offsets pair")
            }
            let shape = try dims.map { try integer($0, "a dimension of the shape of '\(key)'", name: name) }
            let byteCount = try reader.byteCount(shape, dtype, of: "'\(key)'")
            let begin = try integer(offsets[0], "the start offset of '\(key)'", name: name)
            let end = try integer(offsets[1], "the end offset of '\(key)'", name: name)
            guard begin <= end, end <= dataSize else {
                throw PlexusError.invalid("\(name): data_offsets [\(begin), \(end)] of '\(key)' are not inside the data section (\(dataSize) bytes)")
            }
            guard end - begin == byteCount else {
                throw PlexusError.invalid("\(name): data_offsets [\(begin), \(end)] of '\(key)' hold \(end - begin) bytes, "
                    + "but its shape \(shape) of \(dtypeName) needs \(byteCount)")
            }
            entries.append((key, dtype, shape, begin, end))
        }
        // Overlapping regions would alias one tensor's bytes as another's.
        let regions = entries.filter { $0.end > $0.begin }.sorted { $0.begin < $1.begin }
        for (previous, next) in zip(regions, regions.dropFirst()) where next.begin < previous.end {
            throw PlexusError.invalid("\(name): the data of '\(previous.key)' [\(previous.begin), \(previous.end)] and "
                + "'\(next.key)' [\(next.begin), \(next.end)] overlap")
        }
        var tensors: [(name: String, tensor: Tensor)] = []
        for entry in entries {
            let tensor = try Tensor(dtype: entry.dtype, shape: entry.shape, zeroed: false)
            let data = try reader.slice(dataStart + entry.begin, entry.end - entry.begin)
            data.withUnsafeBytes { if $0.count > 0 { tensor.data.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            tensors.append((entry.key, tensor))
        }
        return (tensors, metadata)
    }

    /// A non-negative integer from the header: JSON numbers are doubles, so 1.5, -1, 1e30, NaN
    /// and values above 2^53 (not exactly representable) are refused rather than converted.
    static func integer(_ value: JSON, _ what: String, name: String) throws -> Int {
        guard case .number(let number) = value else { throw PlexusError.invalid("\(name): \(what) is \(value.serialized), not a number") }
        guard number >= 0, number <= 9_007_199_254_740_992, let result = Int(exactly: number) else {
            throw PlexusError.invalid("\(name): \(what) is \(number), not an integer in [0, 2^53]")
        }
        return result
    }

    /// The `__metadata__` entry: an object of strings.
    static func metadata(_ value: JSON, name: String) throws -> [String: String] {
        guard case .object(let entries) = value else {
            if value == .null { return [:] }
            throw PlexusError.invalid("\(name): __metadata__ is not a JSON object")
        }
        var metadata: [String: String] = [:]
        for (key, item) in entries {
            guard case .string(let text) = item else { throw PlexusError.invalid("\(name): __metadata__ '\(key)' is not a string") }
            metadata[key] = text
        }
        return metadata
    }

    /// Saves a module's state dict.
    public static func save(_ module: Module, to path: String, metadata: [String: String] = [:]) throws {
        try FileIO.write(try encode(module.stateDict(), metadata: metadata), to: path)
    }

    /// Loads a state dict into a module (names, shapes and dtypes must match).
    public static func load(_ module: Module, from path: String, strict: Bool = true) throws {
        let (tensors, _) = try decode(try FileIO.read(path), name: path)
        try module.loadStateDict(Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first }), strict: strict)
    }
}
