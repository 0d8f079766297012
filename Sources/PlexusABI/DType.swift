/// The element type of a tensor. Raw values are ONNX `TensorProto.DataType` numbers, which are
/// also the `PLX_*` dtype values of the C ABI, so no table is needed between the three.
public enum DType: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case float32 = 1
    case uint8 = 2
    case int8 = 3
    case uint16 = 4
    case int16 = 5
    case int32 = 6
    case int64 = 7
    /// Elements are NUL-terminated UTF-8 C strings (`char *`), allocated with `malloc` and owned
    /// by the tensor.
    case string = 8
    /// One byte per element holding 0 or 1.
    case bool = 9
    case float16 = 10
    case float64 = 11
    case uint32 = 12
    case uint64 = 13
    case bfloat16 = 16
    // The narrow types below are stored one element per byte with the element's bit pattern in
    // the low bits (as numpy's ml_dtypes holds them); ONNX files pack the 4- and 2-bit ones, and
    // the importer and exporter unpack and pack them. Only conversion ops compute on them.
    case float8e4m3fn = 17
    case float8e4m3fnuz = 18
    case float8e5m2 = 19
    case float8e5m2fnuz = 20
    case uint4 = 21
    case int4 = 22
    case float4e2m1 = 23
    case float8e8m0 = 24
    case uint2 = 25
    case int2 = 26

    /// Bytes per element (pointer size for strings; one byte for the narrow types).
    public var elementSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .uint4, .int4, .float4e2m1,
             .float8e8m0, .uint2, .int2: return 1
        case .uint16, .int16, .float16, .bfloat16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64, .string: return 8
        }
    }

    /// True for the float8, float4, 4-bit and 2-bit integer types, which Plexus stores unpacked
    /// (one element per byte) and which only conversion ops (Cast, quantization) compute on.
    public var isNarrow: Bool { rawValue >= 17 && rawValue <= 26 }

    /// Bits per element in an ONNX file for the packed types (4 for int4, uint4 and float4e2m1;
    /// 2 for int2 and uint2), nil for types stored whole bytes at a time.
    public var packedBits: Int? {
        switch self {
        case .uint4, .int4, .float4e2m1: return 4
        case .uint2, .int2: return 2
        default: return nil
        }
    }

    /// True for float16, bfloat16, float32 and float64.
    public var isFloatingPoint: Bool {
        self == .float32 || self == .float64 || self == .float16 || self == .bfloat16
    }

    /// True for the signed and unsigned integer types (not bool).
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .uint16, .int16, .int32, .int64, .uint32, .uint64: return true
        default: return false
        }
    }

    /// True for signed integer and floating-point types.
    public var isSigned: Bool {
        switch self {
        case .int8, .int16, .int32, .int64: return true
        default: return isFloatingPoint
        }
    }

    /// The ONNX name of the type as used in type strings, e.g. `float` in `tensor(float)`.
    public var onnxName: String {
        switch self {
        case .float32: return "float"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .string: return "string"
        case .bool: return "bool"
        case .float16: return "float16"
        case .float64: return "double"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .bfloat16: return "bfloat16"
        case .float8e4m3fn: return "float8e4m3fn"
        case .float8e4m3fnuz: return "float8e4m3fnuz"
        case .float8e5m2: return "float8e5m2"
        case .float8e5m2fnuz: return "float8e5m2fnuz"
        case .uint4: return "uint4"
        case .int4: return "int4"
        case .float4e2m1: return "float4e2m1"
        case .float8e8m0: return "float8e8m0"
        case .uint2: return "uint2"
        case .int2: return "int2"
        }
    }

    public var description: String { onnxName }
}
