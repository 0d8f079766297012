/// Size arithmetic on values from outside (shapes, attributes, run-time inputs), checked for
/// overflow instead of trapping, and a bound for the scratch memory a kernel allocates itself.
/// Outputs are allocated by the host, which enforces the allocation cap; these keep a kernel from
/// trapping while it works out the size, and from asking Swift for an array it cannot have (a
/// failed `[T](repeating:count:)` stops the process).
public enum CheckedSize {
    /// `a * b`; throws `invalidArgument` naming `what` when it overflows.
    @inlinable public static func multiply(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        let (result, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw PlexusError.invalid("\(what()): \(a) × \(b) is too large") }
        return result
    }

    /// `a + b`; throws `invalidArgument` naming `what` when it overflows.
    @inlinable public static func add(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        let (result, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw PlexusError.invalid("\(what()): \(a) + \(b) is too large") }
        return result
    }

    /// The element count of `shape`; throws for a negative dim or a product that overflows.
    @inlinable public static func count(_ shape: [Int], _ what: @autoclosure () -> String) throws -> Int {
        var total = 1
        for dim in shape {
            guard dim >= 0 else { throw PlexusError.invalid("\(what()): negative dim in shape \(shape)") }
            let (next, overflow) = total.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw PlexusError.invalid("\(what()): shape \(shape) has too many elements") }
            total = next
        }
        return total
    }

    /// Checks that `count` elements of `T` can be allocated as scratch (no overflow, not above
    /// the host's allocation cap) and returns `count`; throws `outOfMemory` naming `what` otherwise.
    @inlinable public static func scratch<T>(_ count: Int, of type: T.Type, _ what: @autoclosure () -> String) throws -> Int {
        let (bytes, overflow) = max(count, 0).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, !overflow, bytes <= Host.maxAllocationBytes else {
            throw PlexusError(.outOfMemory, "\(what()): scratch of \(count) elements is above the allocation cap")
        }
        return count
    }
}
