/// Conversions of values read from tensor data or attributes to integers, checked instead of
/// trapping: Swift's `Int(x)` stops the process for NaN, infinities and out-of-range values, and
/// one NaN in a served model's input must not do that. Use these wherever a data value becomes an
/// index, a count or a size (kernels also run while a session folds constants, so malformed
/// constants reach them too); the error names the op, the input and the value.
public enum CheckedConversion {
    /// `value` truncated toward zero, as an `Int`. Throws `invalidArgument` for NaN, infinities
    /// and values outside `Int`, naming `what` (e.g. "OneHot: depth").
    @inlinable public static func integer(_ value: Double, _ what: @autoclosure () -> String) throws -> Int {
        guard let result = Int(exactly: value.rounded(.towardZero)) else {
            throw PlexusError.invalid("\(what()) must be a finite integer within ±2⁶³, got \(value)")
        }
        return result
    }

    /// `value` truncated toward zero, as an `Int` in `range`; throws `invalidArgument` otherwise.
    @inlinable public static func integer(_ value: Double, in range: ClosedRange<Int>, _ what: @autoclosure () -> String) throws -> Int {
        guard let result = Int(exactly: value.rounded(.towardZero)), range.contains(result) else {
            throw PlexusError.invalid("\(what()) must be an integer in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return result
    }

    /// `-value`; throws for `Int.min`, whose negation does not fit.
    @inlinable public static func negated(_ value: Int, _ what: @autoclosure () -> String) throws -> Int {
        guard value != .min else { throw PlexusError.invalid("\(what()) of \(value) cannot be negated") }
        return -value
    }
}
