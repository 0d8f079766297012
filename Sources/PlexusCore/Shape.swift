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

    /// Validates C-side dimensions (non-negative, size fits memory) and converts them.
    public static func validated(_ dims: UnsafePointer<Int64>?, rank: Int, dtype: DType) throws -> [Int] {
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
