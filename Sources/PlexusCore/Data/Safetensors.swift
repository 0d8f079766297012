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

    /// Decodes a safetensors file's bytes into named tensors (in file order) and metadata.
    public static func decode(_ bytes: [UInt8], name: String = "safetensors data") throws -> (tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) {
        let reader = ByteReader(bytes, what: name)
        let length = Int(clamping: try reader.integer(UInt64.self, at: 0))
        guard length < 100_000_000 else { throw PlexusError.invalid("\(name): header length \(length) is implausible") }
        let header = try JSON.parse(String(decoding: try reader.slice(8, length), as: UTF8.self))
        guard case .object(let members) = header else { throw PlexusError.invalid("\(name): header is not a JSON object") }
        let dataStart = 8 + length
        var tensors: [(name: String, tensor: Tensor)] = []
        var metadata: [String: String] = [:]
        for (key, value) in members {
            if key == "__metadata__" {
                if case .object(let entries) = value {
                    for (k, v) in entries { if case .string(let s) = v { metadata[k] = s } }
                }
                continue
            }
            guard case .string(let dtypeName)? = value["dtype"], let dtype = names.first(where: { $0.value == dtypeName })?.key else {
                throw PlexusError(.unsupported, "\(name): '\(key)' has an unsupported dtype")
            }
            guard case .array(let dims)? = value["shape"], case .array(let offsets)? = value["data_offsets"], offsets.count == 2 else {
                throw PlexusError.invalid("\(name): '\(key)' lacks shape or data_offsets")
            }
            let shape = try dims.map { dim -> Int in
                guard case .number(let n) = dim, n >= 0, n == n.rounded() else { throw PlexusError.invalid("\(name): bad shape of '\(key)'") }
                return Int(n)
            }
            guard case .number(let begin) = offsets[0], case .number(let end) = offsets[1],
                  let count = Shape.elementCount(shape), Int(end) - Int(begin) == count * dtype.elementSize, begin >= 0
            else { throw PlexusError.invalid("\(name): data_offsets of '\(key)' do not match its shape") }
            let data = try reader.slice(dataStart + Int(begin), count * dtype.elementSize)
            let tensor = Tensor(dtype: dtype, shape: shape, zeroed: false)
            data.withUnsafeBytes { if $0.count > 0 { tensor.data.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            tensors.append((key, tensor))
        }
        return (tensors, metadata)
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
