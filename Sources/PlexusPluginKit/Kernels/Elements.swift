#if canImport(Glibc)
import Glibc
#endif

/// A numeric element type the CPU kernels compute in. Integer arithmetic wraps (no traps, as in
/// numpy); integer division by zero gives 0 instead of trapping.
public protocol CPUNumber: Comparable, BitwiseCopyable {
    static var dtype: DType { get }
    static var zero: Self { get }
    static var one: Self { get }
    /// The smallest value (-inf for floats): the start of a running maximum.
    static var lowest: Self { get }
    /// The largest value (+inf for floats): the start of a running minimum.
    static var highest: Self { get }
    /// The smallest finite value (C++'s numeric_limits::lowest(): -FLT_MAX for float32).
    static var lowestFinite: Self { get }
    /// The largest finite value (numeric_limits::max()).
    static var highestFinite: Self { get }
    init(double value: Double)
    var double: Double { get }
    static func add(_ a: Self, _ b: Self) -> Self
    static func sub(_ a: Self, _ b: Self) -> Self
    static func mul(_ a: Self, _ b: Self) -> Self
    static func div(_ a: Self, _ b: Self) -> Self
    /// Remainder with the sign of the divisor (ONNX Mod with fmod = 0, like numpy).
    static func floorMod(_ a: Self, _ b: Self) -> Self
    /// Remainder with the sign of the dividend (C fmod; ONNX Mod with fmod = 1).
    static func truncMod(_ a: Self, _ b: Self) -> Self
    static func power(_ a: Self, _ b: Self) -> Self
    var isNaNValue: Bool { get }
}

extension CPUNumber {
    @inlinable public var isNaNValue: Bool { false }
}

/// Integer conformance shared by every fixed-width integer type.
public protocol CPUInteger: CPUNumber, FixedWidthInteger {}

extension CPUInteger {
    @inlinable public static var zero: Self { 0 }
    @inlinable public static var one: Self { 1 }
    @inlinable public static var lowest: Self { .min }
    @inlinable public static var highest: Self { .max }
    @inlinable public static var lowestFinite: Self { .min }
    @inlinable public static var highestFinite: Self { .max }
    @inlinable public init(double value: Double) {
        if value.isNaN { self = 0 } else { self = Self(exactly: value.rounded(.towardZero)) ?? (value < 0 ? .min : .max) }
    }
    @inlinable public var double: Double { Double(self) }
    @inlinable @inline(__always) public static func add(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inlinable @inline(__always) public static func sub(_ a: Self, _ b: Self) -> Self { a &- b }
    @inlinable @inline(__always) public static func mul(_ a: Self, _ b: Self) -> Self { a &* b }
    @inlinable @inline(__always) public static func div(_ a: Self, _ b: Self) -> Self {
        if b == 0 { return 0 }
        if Self.isSigned && b == Self.zero &- 1 { return Self.zero &- a }
        return a / b
    }
    @inlinable @inline(__always) public static func truncMod(_ a: Self, _ b: Self) -> Self {
        if b == 0 || (Self.isSigned && b == Self.zero &- 1) { return 0 }
        return a % b
    }
    @inlinable @inline(__always) public static func floorMod(_ a: Self, _ b: Self) -> Self {
        let r = truncMod(a, b)
        return (r != 0 && ((r < 0) != (b < 0))) ? r &+ b : r
    }
    @inlinable public static func power(_ a: Self, _ b: Self) -> Self {
        if b < 0 { return a == 1 ? 1 : (Self.isSigned && a == Self.zero &- 1 ? (b & 1 == 0 ? 1 : a) : 0) }
        var result: Self = 1, base = a, exponent = b
        while exponent > 0 {
            if exponent & 1 == 1 { result = result &* base }
            base = base &* base
            exponent >>= 1
        }
        return result
    }
}

extension Int8: CPUInteger { public static var dtype: DType { .int8 } }
extension Int16: CPUInteger { public static var dtype: DType { .int16 } }
extension Int32: CPUInteger { public static var dtype: DType { .int32 } }
extension Int64: CPUInteger { public static var dtype: DType { .int64 } }
extension UInt8: CPUInteger { public static var dtype: DType { .uint8 } }
extension UInt16: CPUInteger { public static var dtype: DType { .uint16 } }
extension UInt32: CPUInteger { public static var dtype: DType { .uint32 } }
extension UInt64: CPUInteger { public static var dtype: DType { .uint64 } }

/// Floating-point element types with the math the kernels need.
public protocol CPUFloat: CPUNumber, BinaryFloatingPoint {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    static func fmod(_ x: Self, _ y: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func tan(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
}

extension CPUFloat {
    @inlinable public static var zero: Self { 0 }
    @inlinable public static var one: Self { 1 }
    @inlinable public static var lowest: Self { -.infinity }
    @inlinable public static var highest: Self { .infinity }
    @inlinable public static var lowestFinite: Self { -.greatestFiniteMagnitude }
    @inlinable public static var highestFinite: Self { .greatestFiniteMagnitude }
    @inlinable public var isNaNValue: Bool { isNaN }
    @inlinable @inline(__always) public static func add(_ a: Self, _ b: Self) -> Self { a + b }
    @inlinable @inline(__always) public static func sub(_ a: Self, _ b: Self) -> Self { a - b }
    @inlinable @inline(__always) public static func mul(_ a: Self, _ b: Self) -> Self { a * b }
    @inlinable @inline(__always) public static func div(_ a: Self, _ b: Self) -> Self { a / b }
    @inlinable public static func truncMod(_ a: Self, _ b: Self) -> Self { fmod(a, b) }
    @inlinable public static func floorMod(_ a: Self, _ b: Self) -> Self {
        let r = fmod(a, b)
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r
    }
    @inlinable public static func power(_ a: Self, _ b: Self) -> Self { pow(a, b) }
}

extension Float: CPUFloat {
    @inlinable public static var dtype: DType { .float32 }
    @inlinable public init(double value: Double) { self = Float(value) }
    @inlinable public var double: Double { Double(self) }
    @inlinable public static func exp(_ x: Float) -> Float { Glibc.expf(x) }
    @inlinable public static func log(_ x: Float) -> Float { Glibc.logf(x) }
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { Glibc.powf(x, y) }
    @inlinable public static func fmod(_ x: Float, _ y: Float) -> Float { Glibc.fmodf(x, y) }
    @inlinable public static func sin(_ x: Float) -> Float { Glibc.sinf(x) }
    @inlinable public static func cos(_ x: Float) -> Float { Glibc.cosf(x) }
    @inlinable public static func tan(_ x: Float) -> Float { Glibc.tanf(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { Glibc.tanhf(x) }
    /// erf as x·P(x²)/Q(x²) on [−4, 4] (beyond it erf rounds to ±1 in float32), with degree-5
    /// polynomials fitted for this file by reweighted least squares: at most 3.6e-7 from the
    /// exact value, and branch-free, so loops over it vectorise (libm's erff is ~25× slower here).
    @inlinable public static func erf(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -4), 4), z = clamped * clamped
        var p: Float = 1.9763708997144747e-06
        p = p * z + 0.00028750279806266654
        p = p * z + 0.0039852742129321515
        p = p * z + 0.05341031406539191
        p = p * z + 0.1958407371603435
        p = p * z + 1.1283789739541175
        var q: Float = 3.746851004278462e-05
        q = q * z + 0.0012116713593308187
        q = q * z + 0.015407683981706792
        q = q * z + 0.11630489579382891
        q = q * z + 0.5068905306675991
        q = q * z + 1.0
        return Swift.min(Swift.max(clamped * p / q, -1), 1)
    }
    @inlinable public static func log1p(_ x: Float) -> Float { Glibc.log1pf(x) }
    @inlinable public static func expm1(_ x: Float) -> Float { Glibc.expm1f(x) }
}

extension Double: CPUFloat {
    @inlinable public static var dtype: DType { .float64 }
    @inlinable public init(double value: Double) { self = value }
    @inlinable public var double: Double { self }
    @inlinable public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
    @inlinable public static func fmod(_ x: Double, _ y: Double) -> Double { Glibc.fmod(x, y) }
    @inlinable public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inlinable public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inlinable public static func tan(_ x: Double) -> Double { Glibc.tan(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    @inlinable public static func erf(_ x: Double) -> Double { Glibc.erf(x) }
    @inlinable public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    @inlinable public static func expm1(_ x: Double) -> Double { Glibc.expm1(x) }
}

/// Runs a generic body for the element type of `dtype`: one local generic function per kernel,
/// specialised by the compiler for each type. Unsupported dtypes throw.
public protocol NumericBody {
    func run<T: CPUNumber>(_ type: T.Type) throws
}

/// A generic kernel body for the fixed-width integer dtypes.
public protocol IntegerBody {
    func run<T: CPUInteger>(_ type: T.Type) throws
}

/// A numeric body run through the integer dispatch (so the integer switch exists once).
@usableFromInline struct NumericAsInteger<Body: NumericBody>: IntegerBody {
    @usableFromInline let body: Body
    @inlinable init(body: Body) { self.body = body }
    @inlinable func run<T: CPUInteger>(_ type: T.Type) throws { try body.run(type) }
}

public protocol FloatBody {
    func run<T: CPUFloat>(_ type: T.Type) throws
}

public enum TypeDispatch {
    @inlinable public static func numeric(_ dtype: DType, op: String, _ body: some NumericBody) throws {
        switch dtype {
        case .float32: try body.run(Float.self)
        case .float64: try body.run(Double.self)
        default:
            guard DTypes.integers.contains(dtype) else { throw PlexusError(.unsupported, "\(op) does not support dtype \(dtype)") }
            try integer(dtype, op: op, NumericAsInteger(body: body))
        }
    }

    /// Runs `body` for a fixed-width integer dtype (bit operations); other dtypes throw.
    @inlinable public static func integer(_ dtype: DType, op: String, _ body: some IntegerBody) throws {
        switch dtype {
        case .int8: try body.run(Int8.self)
        case .int16: try body.run(Int16.self)
        case .int32: try body.run(Int32.self)
        case .int64: try body.run(Int64.self)
        case .uint8: try body.run(UInt8.self)
        case .uint16: try body.run(UInt16.self)
        case .uint32: try body.run(UInt32.self)
        case .uint64: try body.run(UInt64.self)
        default: throw PlexusError(.unsupported, "\(op) needs an integer dtype, got \(dtype)")
        }
    }

    @inlinable public static func float(_ dtype: DType, op: String, _ body: some FloatBody) throws {
        switch dtype {
        case .float32: try body.run(Float.self)
        case .float64: try body.run(Double.self)
        default: throw PlexusError(.unsupported, "\(op) does not support dtype \(dtype)")
        }
    }
}

/// Dtype sets for `supports` filters.
public enum DTypes {
    public static let floats: Set<DType> = [.float32, .float64]
    public static let halfs: Set<DType> = [.float16, .bfloat16]
    public static let integers: Set<DType> = [.int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64]
    public static let signedIntegers: Set<DType> = [.int8, .int16, .int32, .int64]
    public static let numeric: Set<DType> = floats.union(integers)
    public static let indices: Set<DType> = [.int32, .int64]
    /// The float8, float4 and 4-/2-bit integer types (stored one per byte).
    public static let narrow: Set<DType> = Set(DType.allCases.filter(\.isNarrow))
    /// Every dtype Cast converts between (all but string).
    public static let castable: Set<DType> = numeric.union(halfs).union(narrow).union([.bool])

    /// A filter accepting `first` from `allowed` and requiring every present input to match
    /// the first input's dtype (ONNX's usual "T" constraint).
    @inlinable public static func same(_ allowed: Set<DType>) -> ([DType?]) -> Bool {
        { dtypes in
            guard let first = dtypes.first ?? nil, allowed.contains(first) else { return false }
            return true
        }
    }

    /// A filter on the first input only.
    @inlinable public static func first(_ allowed: Set<DType>) -> ([DType?]) -> Bool {
        { dtypes in (dtypes.first ?? nil).map(allowed.contains) ?? false }
    }
}

/// Throws a dtype-mismatch error unless all given tensors share `dtype`.
@inlinable public func requireSameDType(_ tensors: [KernelTensor?], op: String) throws -> DType {
    let present = tensors.compactMap { $0 }
    guard let dtype = present.first?.dtype else { throw PlexusError.invalid("\(op) has no inputs") }
    if let other = present.first(where: { $0.dtype != dtype }) {
        throw PlexusError(.dtypeMismatch, "\(op) needs inputs of one dtype, got \(dtype) and \(other.dtype)")
    }
    return dtype
}

/// Normalises a possibly negative axis against `rank`.
@inlinable public func normalizedAxis(_ axis: Int, rank: Int, op: String) throws -> Int {
    let value = axis < 0 ? axis + rank : axis
    guard value >= 0 && value < rank else {
        throw PlexusError.invalid("\(op): axis \(axis) is out of range for rank \(rank)")
    }
    return value
}

/// Row-major strides of `shape`. Wrapping arithmetic: the strides of a tensor that has
/// elements are at most its element count and cannot overflow; only a shape with a 0 beside
/// huge dims can, and its strides are never used to reach an element.
@inlinable public func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for index in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[index] = running
        running = running &* shape[index]
    }
    return strides
}

/// Product of `shape[range]`. For a tensor's shape no partial product can overflow unless the
/// tensor is empty (a 0 elsewhere beside huge dims); then this is 0, so loops over it do nothing.
@inlinable public func product(_ shape: [Int], _ range: Range<Int>) -> Int {
    var total = 1
    for dim in shape[range] {
        let (next, overflow) = total.multipliedReportingOverflow(by: dim)
        if overflow { return 0 }
        total = next
    }
    return total
}
