import PlexusABI

/// Helpers on shapes (arrays of dimensions, outermost first).
public enum Shape {
    /// The number of elements of `shape`, or nil when it overflows `Int`.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// The byte size of a dense tensor of `shape` and `dtype`, checked: throws `invalid` for a
    /// negative dimension or a size that overflows. Packed sub-byte types count a byte an element
    /// here, as their tensors store them unpacked.
    public static func byteCount(_ shape: [Int], dtype: DType) throws -> Int {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { throw PlexusError.invalid("shape \(shape) has a negative dimension") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw PlexusError(.outOfMemory, "a tensor of shape \(shape) has more elements than memory can hold") }
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.elementSize)
        guard !overflow else { throw PlexusError(.outOfMemory, "a \(dtype) tensor of shape \(shape) is larger than memory can hold") }
        return bytes
    }

    /// Validates C-side dimensions (non-negative, size fits memory) and converts them.
    public static func validated(_ dims: UnsafePointer<Int64>?, rank: Int, dtype: DType) throws -> [Int] {
        guard rank >= 0 else { throw PlexusError.invalid("rank \(UInt(bitPattern: rank)) is larger than the supported 64") }
        if rank > 0 && dims == nil { throw PlexusError.invalid("shape is NULL but rank is \(rank)") }
        if rank > 64 { throw PlexusError.invalid("rank \(rank) is larger than the supported 64") }
        var shape = [Int]()
        shape.reserveCapacity(rank)
        for index in 0..<rank {
            let dim = dims![index]
            if dim < 0 { throw PlexusError.invalid("dimension \(index) is negative (\(dim))") }
            shape.append(Int(dim))
        }
        guard let count = elementCount(shape),
              !count.multipliedReportingOverflow(by: dtype.elementSize).overflow,
              count * dtype.elementSize < (1 << 48)
        else { throw PlexusError.invalid("shape \(shape) is too large to allocate") }
        return shape
    }
}
