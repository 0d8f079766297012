#if canImport(Glibc)
import Glibc
#endif
import PlexusABI

/// A Swift type that is the element type of some `DType`.
public protocol TensorElement: BitwiseCopyable {
    /// The dtype whose elements are this type.
    static var dtype: DType { get }
}

extension Float: TensorElement { public static var dtype: DType { .float32 } }
extension Double: TensorElement { public static var dtype: DType { .float64 } }
extension Float16: TensorElement { public static var dtype: DType { .float16 } }
extension BFloat16: TensorElement { public static var dtype: DType { .bfloat16 } }
extension Int8: TensorElement { public static var dtype: DType { .int8 } }
extension Int16: TensorElement { public static var dtype: DType { .int16 } }
extension Int32: TensorElement { public static var dtype: DType { .int32 } }
extension Int64: TensorElement { public static var dtype: DType { .int64 } }
extension UInt8: TensorElement { public static var dtype: DType { .uint8 } }
extension UInt16: TensorElement { public static var dtype: DType { .uint16 } }
extension UInt32: TensorElement { public static var dtype: DType { .uint32 } }
extension UInt64: TensorElement { public static var dtype: DType { .uint64 } }
extension Bool: TensorElement { public static var dtype: DType { .bool } }

extension Tensor {
    /// Creates a tensor of `shape` holding a copy of `elements` (row-major).
    public convenience init<Element: TensorElement>(_ elements: [Element], shape: [Int]) throws {
        guard Shape.elementCount(shape) == elements.count else {
            throw PlexusError(.shapeMismatch, "\(elements.count) elements do not fill shape \(shape)")
        }
        try self.init(dtype: Element.dtype, shape: shape, zeroed: false)
        elements.withUnsafeBytes { data.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// Creates a rank-0 tensor holding `value`.
    public convenience init<Element: TensorElement>(scalar value: Element) {
        try! self.init([value], shape: [])  // cannot throw: one-element blocks are below every cap (Storage)
    }

    /// Creates a string tensor; each string is copied.
    public convenience init(strings: [String], shape: [Int]) throws {
        guard Shape.elementCount(shape) == strings.count else {
            throw PlexusError(.shapeMismatch, "\(strings.count) strings do not fill shape \(shape)")
        }
        try self.init(dtype: .string, shape: shape, zeroed: false)
        let slots = data.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
        for (index, string) in strings.enumerated() { slots[index] = strdup(string) }
    }

    /// A copy of the elements, which must be of type `Element`.
    public func elements<Element: TensorElement>(as type: Element.Type = Element.self) throws -> [Element] {
        guard dtype == Element.dtype else {
            throw PlexusError(.dtypeMismatch, "tensor holds \(dtype), not \(Element.dtype)")
        }
        return Array(UnsafeBufferPointer(start: data.assumingMemoryBound(to: Element.self), count: count))
    }

    /// A copy of the elements of a string tensor.
    public func strings() throws -> [String] {
        guard dtype == .string else { throw PlexusError(.dtypeMismatch, "tensor holds \(dtype), not string") }
        let slots = data.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
        return (0..<count).map { slots[$0].map { String(cString: $0) } ?? "" }
    }
}
