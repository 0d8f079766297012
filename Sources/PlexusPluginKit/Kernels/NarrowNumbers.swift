
/// Conversions between Double and the narrow dtypes, which Plexus stores one element per byte
/// with the bit pattern in the low bits: the four float8 formats, float4e2m1 and float8e8m0
/// (ONNX / OCP MX definitions, rounding like ml_dtypes), and the 4- and 2-bit integers.
public enum NarrowNumbers {
    /// How a Double is rounded to float8e8m0 (a power of two): ONNX Cast's `round_mode`.
    public enum PowerRounding: String, Sendable { case up, down, nearest }

    /// Decodes one element of a narrow dtype.
    @inlinable public static func decode(_ bits: UInt8, _ dtype: DType) -> Double {
        switch dtype {
        case .int4: return Double(Int8(bitPattern: bits << 4) >> 4)
        case .int2: return Double(Int8(bitPattern: bits << 6) >> 6)
        case .uint4: return Double(bits & 0x0F)
        case .uint2: return Double(bits & 0x03)
        case .float8e8m0: return bits == 0xFF ? .nan : pow2(Int(bits) - 127)
        default: return MiniFloat(dtype)!.decode(bits)
        }
    }

    /// Encodes a Double as a narrow dtype. Floats round to nearest even; with `saturate` values
    /// beyond the largest finite one (and infinities) become it, otherwise they become infinity
    /// where the format has one and NaN where not. Integers truncate toward zero and keep their
    /// low bits, as C conversions to a wider type and then a narrowing do (NaN and infinities
    /// give 0), matching numpy/ml_dtypes `astype`.
    @inlinable public static func encode(_ value: Double, _ dtype: DType, saturate: Bool,
                                         rounding: PowerRounding = .up) -> UInt8 {
        switch dtype {
        case .int4, .uint4: return UInt8(truncatingIfNeeded: wholePart(value)) & 0x0F
        case .int2, .uint2: return UInt8(truncatingIfNeeded: wholePart(value)) & 0x03
        case .float8e8m0: return powerOfTwo(value, saturate: saturate, rounding: rounding)
        default: return MiniFloat(dtype)!.encode(value, saturate: saturate)
        }
    }

    /// The largest and smallest values of a narrow integer dtype, for saturating quantization.
    @inlinable public static func integerRange(_ dtype: DType) -> ClosedRange<Double>? {
        switch dtype {
        case .int4: return -8...7
        case .uint4: return 0...15
        case .int2: return -2...1
        case .uint2: return 0...3
        default: return nil
        }
    }

    @usableFromInline static func wholePart(_ value: Double) -> Int64 {
        value.isFinite && abs(value) < 9.2e18 ? Int64(value.rounded(.towardZero)) : 0
    }

    @usableFromInline static func pow2(_ exponent: Int) -> Double { Double(sign: .plus, exponent: exponent, significand: 1) }

    /// float8e8m0: the float32 exponent field, rounded by `rounding` on the mantissa; NaN and
    /// infinities give 0xFF (NaN). Zero, negatives and subnormals keep their exponent field.
    @usableFromInline static func powerOfTwo(_ value: Double, saturate: Bool, rounding: PowerRounding) -> UInt8 {
        let bits = Float(value).bitPattern
        var exponent = (bits >> 23) & 0xFF
        if exponent == 0xFF { return 0xFF }
        let mantissa = bits & 0x7F_FFFF
        let roundUp: Bool
        switch rounding {
        case .down: roundUp = false
        case .up: roundUp = mantissa != 0
        case .nearest:
            let guardBit = bits & 0x40_0000 != 0, roundBit = bits & 0x20_0000 != 0, sticky = bits & 0x1F_FFFF != 0
            roundUp = guardBit && (roundBit || sticky || exponent > 0)
        }
        if roundUp && !(saturate && exponent == 0xFE) { exponent += 1 }
        return UInt8(truncatingIfNeeded: exponent)
    }
}

/// A float format of at most 8 bits with a sign, `exponentBits`, `mantissaBits` and a bias.
/// The "fn" formats have no infinities and use the all-ones pattern for NaN; the "fnuz" ones
/// have no negative zero and use the negative-zero pattern (0x80) for NaN.
public struct MiniFloat: Sendable {
    /// Field widths and the exponent bias.
    public let exponentBits: Int, mantissaBits: Int, bias: Int
    /// The largest finite value.
    public let maximum: Double
    /// Whether the all-ones exponent means infinity (e5m2), and whether zero has no sign (fnuz).
    public let hasInfinity: Bool, unsignedZero: Bool
    /// The bit pattern of NaN (positive where signed).
    public let nan: UInt8

    /// The format of a float8 or float4 dtype, nil for other dtypes.
    @inlinable public init?(_ dtype: DType) {
        switch dtype {
        case .float8e4m3fn: self.init(4, 3, bias: 7, maximum: 448, infinity: false, unsignedZero: false, nan: 0x7F)
        case .float8e4m3fnuz: self.init(4, 3, bias: 8, maximum: 240, infinity: false, unsignedZero: true, nan: 0x80)
        case .float8e5m2: self.init(5, 2, bias: 15, maximum: 57344, infinity: true, unsignedZero: false, nan: 0x7F)
        case .float8e5m2fnuz: self.init(5, 2, bias: 16, maximum: 57344, infinity: false, unsignedZero: true, nan: 0x80)
        // float4e2m1 has neither infinities nor NaN: everything saturates, NaN becomes -0 as in ml_dtypes.
        case .float4e2m1: self.init(2, 1, bias: 1, maximum: 6, infinity: false, unsignedZero: false, nan: 0x08)
        default: return nil
        }
    }

    @inlinable init(_ exponentBits: Int, _ mantissaBits: Int, bias: Int, maximum: Double, infinity: Bool,
                    unsignedZero: Bool, nan: UInt8) {
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
        self.bias = bias
        self.maximum = maximum
        self.hasInfinity = infinity
        self.unsignedZero = unsignedZero
        self.nan = nan
    }

    @inlinable var signBit: UInt8 { UInt8(1) << UInt8(exponentBits + mantissaBits) }
    @inlinable var hasNaN: Bool { exponentBits + mantissaBits == 7 }

    /// The value of a bit pattern.
    @inlinable public func decode(_ bits: UInt8) -> Double {
        if unsignedZero ? bits == 0x80 : (hasNaN && !hasInfinity && bits & 0x7F == 0x7F) { return .nan }
        let negative = bits & signBit != 0
        let exponentField = Int((bits >> UInt8(mantissaBits)) & UInt8((1 << exponentBits) - 1))
        let mantissa = Double(bits & UInt8((1 << mantissaBits) - 1))
        if hasInfinity && exponentField == (1 << exponentBits) - 1 {
            return mantissa == 0 ? (negative ? -.infinity : .infinity) : .nan
        }
        let scale = Double(1 << mantissaBits)
        let magnitude = exponentField == 0
            ? mantissa / scale * NarrowNumbers.pow2(1 - bias)
            : (1 + mantissa / scale) * NarrowNumbers.pow2(exponentField - bias)
        return negative ? -magnitude : magnitude
    }

    /// The nearest bit pattern (ties to even); see NarrowNumbers.encode for out-of-range values.
    @inlinable public func encode(_ value: Double, saturate: Bool) -> UInt8 {
        if value.isNaN { return nan }
        let negative = value.sign == .minus
        let sign: UInt8 = negative && !unsignedZero ? signBit : 0
        let magnitude = abs(value)
        let quantum = NarrowNumbers.pow2(max(magnitude == 0 ? 0 : Int(magnitude.exponent), 1 - bias) - mantissaBits)
        let rounded = (magnitude / quantum).rounded(.toNearestOrEven) * quantum
        if rounded > maximum || magnitude.isInfinite {
            if saturate || !hasNaN { return (negative ? signBit : 0) | pattern(maximum) }
            if hasInfinity { return (negative ? signBit : 0) | pattern(.infinity) }
            return nan
        }
        if rounded == 0 { return sign }
        return (negative ? signBit : 0) | pattern(rounded)
    }

    /// The unsigned bit pattern of an exactly representable magnitude (or infinity).
    @inlinable func pattern(_ magnitude: Double) -> UInt8 {
        let allOnes = (1 << exponentBits) - 1
        if magnitude.isInfinite { return UInt8(allOnes << mantissaBits) }
        let exponent = Int(magnitude.exponent)
        if exponent < 1 - bias {  // subnormal
            return UInt8(magnitude / NarrowNumbers.pow2(1 - bias - mantissaBits))
        }
        let mantissa = Int(magnitude / NarrowNumbers.pow2(exponent - mantissaBits)) - (1 << mantissaBits)
        return UInt8(((exponent + bias) << mantissaBits) | mantissa)
    }
}
