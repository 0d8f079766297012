import PlexusPluginKit

/// A generic kernel body for the fixed-width integer dtypes (bit operations).
protocol IntegerBody {
    /// The body, specialised for the integer type `T`.
    func run<T: CPUInteger>(_ type: T.Type) throws
}

/// Runs an `IntegerBody` for the element type of an integer dtype — the integer-only
/// counterpart of the kit's `TypeDispatch` (a generic helper other plugins could share).
enum IntegerDispatch {
    /// Runs `body` for `dtype`; non-integer dtypes throw.
    static func run(_ dtype: DType, op: String, _ body: some IntegerBody) throws {
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
}
