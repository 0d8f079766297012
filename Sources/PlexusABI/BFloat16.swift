/// The bfloat16 format: the upper 16 bits of an IEEE float32. Arithmetic is done in Float;
/// conversion from Float rounds to nearest even, as ONNX and PyTorch do.
public struct BFloat16: Sendable, Equatable, BitwiseCopyable {
    /// The raw 16 bits.
    public var bitPattern: UInt16

    /// Wraps raw bits.
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// Rounds `value` to the nearest bfloat16 (ties to even); NaN stays NaN.
    @inlinable
    public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            bitPattern = UInt16(truncatingIfNeeded: (bits >> 16) | 0x40)
        } else {
            let roundingBias: UInt32 = 0x7FFF &+ ((bits >> 16) & 1)
            bitPattern = UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
        }
    }

    /// The exact Float value.
    @inlinable
    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }
}
