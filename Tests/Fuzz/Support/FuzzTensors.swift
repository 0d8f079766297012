import PlexusCore

/// Tensors decoded from fuzz bytes: shapes of a few small dims, and elements that are often the
/// values kernels get wrong — NaN, ±Inf, ±0, denormals, values just past an integer type's range,
/// Int64.min/max — and otherwise small integers (good indices, axes and sizes) or raw bits.
public enum FuzzTensors {
    /// At most this many elements per tensor, so a run stays fast.
    public static let maxElements = 4096

    static let specialReals: [Double] = [
        .nan, -.nan, .infinity, -.infinity, 0, -0.0, 1, -1, 0.5, -0.5,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude,
        Double(Float.greatestFiniteMagnitude) * 2, 1e10, -1e10, 2147483648, -2147483649,
        9.223372036854775807e18, -9.3e18, 1.8446744073709552e19, 65504.5, 1e-40, 255.5,
    ]
    static let specialIntegers: [Int64] = [
        .min, .max, .min + 1, .max - 1, Int64(Int32.min), Int64(Int32.max), Int64(UInt32.max), 1 << 31,
        1 << 32, 1 << 40, 1 << 62, -(1 << 62), -1, 0, 1, 2, 127, 128, -128, -129, 255, 256, 65535, 65536,
    ]

    /// A shape: the declared rank (and fixed dims) most of the time, else any rank up to 5; dims 0–7.
    /// Dims are lowered to 1, last first, until the element count is at most `maxElements`.
    public static func shape(declared: [Graph.ValueInfo.Dimension]?, from input: inout FuzzBytes) -> [Int] {
        let choice = input.byte()
        let keepDeclared = declared != nil && choice & 0x80 == 0
        let rank = keepDeclared ? declared!.count : Int(choice % 6)
        var shape: [Int] = (0..<rank).map { index in
            let dimChoice = input.byte()
            if keepDeclared, dimChoice & 0x80 == 0, case .fixed(let value) = declared![index] { return value }
            return Int(dimChoice % 8)
        }
        var index = shape.count - 1
        while index >= 0, (Shape.elementCount(shape) ?? .max) > maxElements {
            shape[index] = min(shape[index], 1)
            index -= 1
        }
        return shape
    }

    /// A tensor of `dtype` and `shape` whose elements come from `input`.
    public static func tensor(_ dtype: DType, shape: [Int], from input: inout FuzzBytes) throws -> Tensor {
        let tensor = try Tensor(dtype: dtype, shape: shape, zeroed: true)
        if dtype == .string { return tensor }
        let size = dtype.elementSize
        for index in 0..<tensor.count {
            let bits = element(dtype, from: &input)
            withUnsafeBytes(of: bits) { source in
                (tensor.data + index * size).copyMemory(from: source.baseAddress!, byteCount: size)
            }
        }
        return tensor
    }

    /// One element's bits (little-endian, in the low `elementSize` bytes).
    static func element(_ dtype: DType, from input: inout FuzzBytes) -> UInt64 {
        let choice = input.byte()
        switch choice {
        case 0..<24:  // a special value
            switch dtype {
            case .float32, .float64, .float16, .bfloat16: return realBits(specialReals[Int(choice)], dtype)
            default: return UInt64(bitPattern: specialIntegers[Int(choice)])
            }
        case 24..<192:  // a small integer, -8...23
            let value = Int64(choice & 0x1F) - 8
            switch dtype {
            case .float32, .float64, .float16, .bfloat16: return realBits(Double(value), dtype)
            case .bool: return value & 1 == 0 ? 0 : 1
            default: return UInt64(bitPattern: value)
            }
        default:  // raw bits
            return dtype == .bool ? UInt64(input.byte() & 1) : input.bits(dtype.elementSize)
        }
    }

    static func realBits(_ value: Double, _ dtype: DType) -> UInt64 {
        switch dtype {
        case .float64: return value.bitPattern
        case .float32: return UInt64(Float(value).bitPattern)
        case .float16: return UInt64(Float16(Float(value)).bitPattern)
        default: return UInt64(BFloat16(Float(value)).bitPattern)
        }
    }
}
