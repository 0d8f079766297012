import CPlexus

/// A borrowed view of a tensor handed to (or allocated by) a kernel: valid during the call.
public struct KernelTensor {
    /// The host's handle.
    public let handle: OpaquePointer
    /// Element type.
    public let dtype: DType
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// Number of elements.
    public let count: Int
    /// First element.
    public let data: UnsafeMutableRawPointer

    /// Reads the host's description of `handle`.
    public init(handle: OpaquePointer) { self.init(TensorView(handle: handle)) }

    /// The tensor `view` describes, its dims copied into `shape`.
    init(_ view: TensorView) {
        handle = view.handle
        dtype = view.dtype
        shape = Array(unsafeUninitializedCapacity: view.rank) { buffer, initialized in
            for axis in 0..<view.rank { buffer.initializeElement(at: axis, to: Int(view.dims[axis])) }
            initialized = view.rank
        }
        count = view.count
        data = view.data
    }

    /// A tensor the kernel just allocated with this dtype and shape: only its memory is asked for.
    init(allocated handle: OpaquePointer, dtype: DType, shape: [Int]) {
        self.handle = handle
        self.dtype = dtype
        self.shape = shape
        count = shape.reduce(1, &*)
        data = Host.api.pointee.tensor_data(handle)!
    }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// The elements as `T` (the caller has checked `dtype`).
    public func pointer<T>(as type: T.Type = T.self) -> UnsafeMutablePointer<T> {
        data.assumingMemoryBound(to: T.self)
    }

    /// The elements of an integer tensor (int32 or int64) as `Int`s — for shape-like inputs.
    public func integers() throws -> [Int] {
        switch dtype {
        case .int64: return (0..<count).map { Int(pointer(as: Int64.self)[$0]) }
        case .int32: return (0..<count).map { Int(pointer(as: Int32.self)[$0]) }
        default: throw PlexusError(.dtypeMismatch, "expected an int64 or int32 tensor, got \(dtype)")
        }
    }

    /// The one element of a scalar input (any shape holding exactly one element) as a Double,
    /// for float, half, integer and bool tensors. Throws naming `what` (e.g. "Dropout: ratio")
    /// when the tensor is empty or holds several elements, rather than reading past its end.
    public func scalar(_ what: @autoclosure () -> String) throws -> Double {
        guard count == 1 else { throw PlexusError.invalid("\(what()) must hold exactly one value, got shape \(shape)") }
        switch dtype {
        case .float32: return Double(pointer(as: Float.self)[0])
        case .float64: return pointer(as: Double.self)[0]
        case .float16, .bfloat16: return Double(HalfPrecision.widened(self)[0])
        case .bool: return pointer(as: UInt8.self)[0] != 0 ? 1 : 0
        case .int8: return Double(pointer(as: Int8.self)[0])
        case .int16: return Double(pointer(as: Int16.self)[0])
        case .int32: return Double(pointer(as: Int32.self)[0])
        case .int64: return Double(pointer(as: Int64.self)[0])
        case .uint8: return Double(pointer(as: UInt8.self)[0])
        case .uint16: return Double(pointer(as: UInt16.self)[0])
        case .uint32: return Double(pointer(as: UInt32.self)[0])
        case .uint64: return Double(pointer(as: UInt64.self)[0])
        default: throw PlexusError(.dtypeMismatch, "\(what()) must be numeric, got \(dtype)")
        }
    }

    /// The one element of a scalar int32/int64 input, exactly (int64 values beyond 2⁵³ too).
    public func scalarInteger(_ what: @autoclosure () -> String) throws -> Int {
        guard count == 1 else { throw PlexusError.invalid("\(what()) must hold exactly one value, got shape \(shape)") }
        return try integers()[0]
    }
}

/// A tensor owned by plugin code (from `Host.call` or `OwnedTensor.create`); released when the
/// last reference to this object goes. Its `view` borrows from it: keep the owner alive
/// (`withExtendedLifetime`) for as long as the view is used, since Swift may release an object
/// right after its last use.
public final class OwnedTensor {
    /// The view of the tensor.
    public let view: KernelTensor

    init(handle: OpaquePointer) { view = KernelTensor(handle: handle) }

    /// Allocates a zero-filled tensor through the host (within its allocation cap); a refusal
    /// keeps the host's status and message, prefixed by `what` (e.g. the op) when given.
    public static func create(_ dtype: DType, _ shape: [Int], for what: String? = nil) throws -> OwnedTensor {
        var out: OpaquePointer?
        let dims = shape.map(Int64.init)
        let status = Host.api.pointee.tensor_create(dtype.rawValue, dims, dims.count, nil, &out)
        guard status == 0, let out else {
            let reason = Host.api.pointee.last_error().map { String(cString: $0) } ?? "no message"
            throw PlexusError(StatusCode(rawValue: status) ?? .outOfMemory,
                              "\(what.map { "\($0): " } ?? "")could not allocate a tensor of shape \(shape): \(reason)")
        }
        return OwnedTensor(handle: out)
    }

    deinit { Host.api.pointee.tensor_release(view.handle) }
}
