import CPlexus

/// A borrowed description of a kernel's input read straight from the host, without building
/// a shape array: for the fast paths of small ops, where allocating arrays would cost more than
/// the arithmetic. Valid during the call only.
public struct TensorView {
    /// The host's handle.
    public let handle: OpaquePointer
    /// Element type.
    public let dtype: DType
    /// Number of dimensions.
    public let rank: Int
    /// The dimensions, `rank` of them (owned by the host tensor; valid during the call).
    public let dims: UnsafePointer<Int64>
    /// Number of elements.
    public let count: Int
    /// First element.
    public let data: UnsafeMutableRawPointer

    init(handle: OpaquePointer) {
        let api = Host.api.pointee
        self.handle = handle
        dtype = DType(rawValue: api.tensor_dtype(handle)) ?? .float32
        rank = api.tensor_rank(handle)
        dims = api.tensor_shape(handle)!
        count = Int(api.tensor_numel(handle))
        data = api.tensor_data(handle)!
    }

    /// Whether both have the same dimensions.
    public func hasShape(of other: TensorView) -> Bool {
        guard rank == other.rank else { return false }
        for axis in 0..<rank where dims[axis] != other.dims[axis] { return false }
        return true
    }
}

extension KernelContext {
    /// Input `index` as a view, or nil when it was omitted.
    public func view(_ index: Int) -> TensorView? {
        guard index >= 0, index < inputCount, let handle = handle(index) else { return nil }
        return TensorView(handle: handle)
    }

    /// Allocates output `index` with `dtype` and the shape of `like`; returns its memory.
    public func output(_ index: Int, _ dtype: DType, shapeOf like: TensorView) throws -> UnsafeMutableRawPointer {
        var out: OpaquePointer?
        let status = Host.api.pointee.kernel_output(raw, index, dtype.rawValue, like.dims, like.rank, &out)
        guard status == 0, let out else {
            let reason = Host.api.pointee.last_error().map { String(cString: $0) } ?? "(no message)"
            throw PlexusError(StatusCode(rawValue: status) ?? .internal, "\(op): could not allocate output \(index): \(reason)")
        }
        return Host.api.pointee.tensor_data(out)!
    }
}
