/// Reads fuzz input as a stream of choices. Past the end every read returns zero, so any input,
/// however short, describes a complete test case.
public struct FuzzBytes {
    private let bytes: [UInt8]
    private var position = 0

    /// A reader over `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Bytes not read yet.
    public var remaining: Int { max(bytes.count - position, 0) }

    /// The next byte (0 past the end).
    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// The next `count` bytes as a little-endian unsigned integer (`count` ≤ 8).
    public mutating func bits(_ count: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<count { value |= UInt64(byte()) << (8 * index) }
        return value
    }
}
