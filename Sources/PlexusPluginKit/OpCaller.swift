import CPlexus

/// Calls ops from plugin code and keeps every tensor it creates alive until it goes away, so
/// the views it hands out stay valid without bookkeeping. The base of what gradient rules,
/// layer forwards and decompositions see.
public class OpCaller {
    private var owned: [OwnedTensor] = []

    /// A caller with nothing kept yet (kernels use one for scratch op calls).
    public init() {}

    /// Keeps `tensor` alive as long as this caller and returns its view.
    func keep(_ tensor: OwnedTensor) -> KernelTensor {
        owned.append(tensor)
        return tensor.view
    }

    /// Calls an op (recorded by autograd when recording is on and an input requires grad).
    public func call(_ op: String, domain: String = "", _ inputs: [KernelTensor?], _ attributes: [(String, AttributeValue)] = [],
                     outputCount: Int = 1) throws -> [KernelTensor] {
        try Host.call(op, domain: domain, inputs, attributes: attributes, outputCount: outputCount).map(keep)
    }

    /// Calls a single-output op.
    public func call1(_ op: String, domain: String = "", _ inputs: [KernelTensor?], _ attributes: [(String, AttributeValue)] = []) throws -> KernelTensor {
        try call(op, domain: domain, inputs, attributes)[0]
    }

    /// Calls `op` with an existing host attribute set (e.g. a node's own attributes).
    public func call1(_ op: String, domain: String = "", _ inputs: [KernelTensor?], attributes handle: OpaquePointer?) throws -> KernelTensor {
        var output: OpaquePointer?
        let handles = inputs.map { $0?.handle }
        let status = handles.withUnsafeBufferPointer { input in
            Host.api.pointee.op_call(domain, op, input.baseAddress, input.count, handle, &output, 1)
        }
        guard status == 0, let output else {
            throw PlexusError(StatusCode(rawValue: status) ?? .internal, Host.api.pointee.last_error().map { String(cString: $0) } ?? "(no message)")
        }
        return keep(OwnedTensor(handle: output))
    }

    /// A scalar of `dtype` (float32/float64/float16/bfloat16/bool/int64) holding `value`.
    public func scalar(_ value: Double, _ dtype: DType) throws -> KernelTensor {
        let tensor = keep(try OwnedTensor.create(dtype == .float16 || dtype == .bfloat16 ? .float64 : dtype, []))
        switch dtype {
        case .float32: tensor.pointer(as: Float.self)[0] = Float(value)
        case .float64, .float16, .bfloat16: tensor.pointer(as: Double.self)[0] = value
        case .bool: tensor.pointer(as: Bool.self)[0] = value != 0
        case .int64: tensor.pointer(as: Int64.self)[0] = Int64(value)
        default: throw PlexusError(.unsupported, "scalar of \(dtype)")
        }
        return tensor.dtype == dtype ? tensor : try call1("Cast", [tensor], [("to", .int(Int(dtype.rawValue)))])
    }

    /// A 1-D int64 tensor (for shapes and axes).
    public func int64s(_ values: [Int]) throws -> KernelTensor {
        let tensor = keep(try OwnedTensor.create(.int64, [values.count]))
        for (index, value) in values.enumerated() { tensor.pointer(as: Int64.self)[index] = Int64(value) }
        return tensor
    }

    /// Zeros of `dtype` and `shape`.
    public func zeros(_ dtype: DType, _ shape: [Int]) throws -> KernelTensor { keep(try OwnedTensor.create(dtype, shape)) }

    /// Zeros shaped and typed like `tensor`.
    public func zeros(like tensor: KernelTensor) throws -> KernelTensor { try zeros(tensor.dtype, tensor.shape) }

    /// Reshape to an exact shape (zeros are sizes, not "copy this dim").
    public func reshape(_ tensor: KernelTensor, _ shape: [Int]) throws -> KernelTensor {
        try call1("Reshape", [tensor, try int64s(shape)], [("allowzero", .int(1))])
    }

    /// The first `count` dims of `x`'s shape followed by `appending`, as a 1-D int64 tensor
    /// computed with Shape, Slice and Concat. Where a constant shape would freeze the sizes of
    /// a traced example in an exported graph, this keeps them symbolic (a dynamic batch stays
    /// dynamic).
    public func shape(leadingDimsOf x: KernelTensor, count: Int, appending: [Int]) throws -> KernelTensor {
        let leading = try call1("Slice", [try call1("Shape", [x]), try int64s([0]), try int64s([count])])
        return try call1("Concat", [leading, try int64s(appending)], [("axis", .int(0))])
    }
}
