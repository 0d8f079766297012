import CPlexus

/// What a kernel sees during one call: its inputs, attributes and the outputs to produce.
public struct KernelContext {
    let raw: OpaquePointer?
    /// The host's input handles (NULL for an omitted optional input), valid during the call.
    private let handles: UnsafePointer<OpaquePointer?>?
    /// How many inputs the call has, omitted optional ones included.
    public let inputCount: Int
    /// Attributes with defaults filled in.
    public let attributes: AttributeReader
    /// How many outputs the caller asked for.
    public let outputCount: Int
    /// The operator's name, for messages.
    public let op: String

    init(raw: OpaquePointer?, inputs: UnsafePointer<OpaquePointer?>?, inputCount: Int, attributes: OpaquePointer?, op: String) {
        self.raw = raw
        handles = inputs
        self.inputCount = inputCount
        self.attributes = AttributeReader(handle: attributes)
        outputCount = Host.api.pointee.kernel_output_count(raw)
        self.op = op
    }

    /// Inputs in order; nil for an omitted optional input. Read from the host on each access:
    /// kernels that need one input call `input(_:)` and pay for that one only.
    public var inputs: [KernelTensor?] { (0..<inputCount).map(optionalInput) }

    /// Input `index`, which must be present.
    public func input(_ index: Int) throws -> KernelTensor {
        guard let tensor = optionalInput(index) else {
            throw PlexusError.invalid("\(op): input \(index) is required")
        }
        return tensor
    }

    /// Input `index` if it was given.
    public func optionalInput(_ index: Int) -> KernelTensor? {
        guard index >= 0, index < inputCount, let handle = handles![index] else { return nil }
        return KernelTensor(handle: handle)
    }

    /// The host's handle of input `index` (nil when omitted); `index` must be in range.
    func handle(_ index: Int) -> OpaquePointer? { handles![index] }

    /// Allocates output `index` (uninitialised, except strings, which start as NULL).
    @discardableResult
    public func output(_ index: Int, _ dtype: DType, _ shape: [Int]) throws -> KernelTensor {
        var out: OpaquePointer?
        let status = withUnsafeTemporaryAllocation(of: Int64.self, capacity: shape.count) { dims in
            for (axis, size) in shape.enumerated() { dims.initializeElement(at: axis, to: Int64(size)) }
            return Host.api.pointee.kernel_output(raw, index, dtype.rawValue, dims.baseAddress, shape.count, &out)
        }
        guard status == 0, let out else {
            let reason = Host.api.pointee.last_error().map { String(cString: $0) } ?? "(no message)"
            throw PlexusError(StatusCode(rawValue: status) ?? .internal, "\(op): could not allocate output \(index) of shape \(shape): \(reason)")
        }
        return KernelTensor(allocated: out, dtype: dtype, shape: shape)
    }

    /// Makes output `index` a view of `source` with another shape (no copy).
    @discardableResult
    public func alias(_ index: Int, of source: KernelTensor, shape: [Int]) throws -> KernelTensor {
        var out: OpaquePointer?
        let dims = shape.map(Int64.init)
        let status = Host.api.pointee.kernel_output_alias(raw, index, source.handle, dims, dims.count, &out)
        guard status == 0, let out else {
            throw PlexusError(.shapeMismatch, "\(op): cannot view shape \(source.shape) as \(shape)")
        }
        return KernelTensor(handle: out)
    }
}

/// What shape inference sees: input types (and constant values) and the outputs to declare.
public struct InferenceContext {
    let raw: OpaquePointer?
    /// Attributes with defaults filled in.
    public let attributes: AttributeReader

    /// One input's type: nil when omitted; `shape` nil when the rank is unknown.
    public struct InputType {
        /// Element type.
        public let dtype: DType
        /// Dims (nil = unknown); nil when the rank is unknown.
        public let shape: [Int?]?
    }

    /// The number of inputs.
    public var inputCount: Int { Host.api.pointee.infer_input_count(raw) }
    /// The number of outputs to declare.
    public var outputCount: Int { Host.api.pointee.infer_output_count(raw) }

    /// The type of input `index`, nil when it was omitted.
    public func input(_ index: Int) -> InputType? {
        var dtype: Int32 = 0
        var shape: UnsafePointer<Int64>?
        var rank = 0
        guard index < inputCount, Host.api.pointee.infer_input(raw, index, &dtype, &shape, &rank) == 0 else { return nil }
        let dims: [Int?]? = rank == -1 ? nil : (0..<rank).map { shape![$0] < 0 ? nil : Int(shape![$0]) }
        return InputType(dtype: DType(rawValue: dtype) ?? .float32, shape: dims)
    }

    /// The value of input `index` when known at inference time.
    public func value(_ index: Int) -> KernelTensor? {
        Host.api.pointee.infer_input_value(raw, index).map(KernelTensor.init(handle:))
    }

    /// Declares output `index`; nil dims are unknown, a nil shape means unknown rank.
    public func setOutput(_ index: Int, _ dtype: DType, _ shape: [Int?]?) throws {
        let dims = shape.map { $0.map { Int64($0 ?? -1) } }
        let status = dims.map { Host.api.pointee.infer_set_output(raw, index, dtype.rawValue, $0, $0.count) }
            ?? Host.api.pointee.infer_set_output(raw, index, dtype.rawValue, nil, -1)
        guard status == 0 else { throw PlexusError.invalid("could not declare output \(index)") }
    }
}
