import PlexusCore

/// ONNX packs int4, uint4 and float4e2m1 two to a byte and int2/uint2 four to a byte, first
/// element in the least significant bits; Plexus stores them one per byte (the bit pattern in
/// the low bits). These convert between the two layouts.
enum NarrowPacking {
    /// Bytes an ONNX buffer needs for `count` elements of `dtype`, or nil when that overflows
    /// (`count` comes from a model's dims).
    static func packedByteCount(_ dtype: DType, count: Int) -> Int? {
        guard count >= 0 else { return nil }
        guard let bits = dtype.packedBits else {
            let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.elementSize)
            return overflow ? nil : bytes
        }
        // ceil(count * bits / 8) without forming count * bits.
        let perByte = 8 / bits
        return count / perByte + (count % perByte == 0 ? 0 : 1)
    }

    /// Spreads `count` packed elements from `packed` into one byte each at `target`.
    static func unpack(_ packed: UnsafeRawBufferPointer, bits: Int, count: Int, into target: UnsafeMutablePointer<UInt8>) {
        let perByte = 8 / bits, mask = UInt8((1 << bits) - 1)
        for index in 0..<count {
            let shift = UInt8((index % perByte) * bits)
            target[index] = (packed[index / perByte] >> shift) & mask
        }
    }

    /// Packs `count` one-per-byte elements from `source` (only their low `bits` count).
    static func pack(_ source: UnsafePointer<UInt8>, bits: Int, count: Int) -> [UInt8] {
        let perByte = 8 / bits, mask = UInt8((1 << bits) - 1)
        var packed = [UInt8](repeating: 0, count: count / perByte + (count % perByte == 0 ? 0 : 1))
        for index in 0..<count {
            packed[index / perByte] |= (source[index] & mask) << UInt8((index % perByte) * bits)
        }
        return packed
    }
}
