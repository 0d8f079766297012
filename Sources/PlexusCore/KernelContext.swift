import PlexusABI

/// The host side of one kernel invocation: the outputs the caller asked for, filled in by the
/// kernel through `host->kernel_output`. Lives only during the call.
final class KernelContext {
    /// The op being run; it outlives the call that made this context.
    unowned(unsafe) let owner: PreparedOp
    /// The operator, for messages.
    var op: OpKey { owner.key }
    /// How many outputs the caller asked for.
    let outputCount: Int
    /// Output 0, and outputs 1… (an empty array, which allocates nothing, for one output: most
    /// ops have one, and a small op should not pay for an array). One kernel call on one thread.
    @exclusivity(unchecked) private var first: Tensor?
    @exclusivity(unchecked) private var others: [Tensor?]
    /// The tensors a session's plan reserved for the outputs, by output index (nil or a
    /// different dtype or shape: allocate as usual).
    private let planned: ArraySlice<Tensor?>

    init(owner: PreparedOp, planned: ArraySlice<Tensor?> = []) {
        self.owner = owner
        outputCount = owner.outputCount
        others = outputCount > 1 ? Array(repeating: nil, count: outputCount - 1) : []
        self.planned = planned
    }

    /// Output `index` as produced so far (`index` in 0..<outputCount).
    subscript(output index: Int) -> Tensor? {
        get { index == 0 ? first : others[index - 1] }
        set { if index == 0 { first = newValue } else { others[index - 1] = newValue } }
    }

    /// The outputs as an array (after `PreparedOp.invoke` checked that each is present).
    func results() -> [Tensor] { (0..<outputCount).map { self[output: $0]! } }

    private func checkSlot(_ index: Int) throws {
        guard index >= 0 && index < outputCount else {
            throw PlexusError.invalid("output index \(index) is out of range: \(op) was asked for \(outputCount) outputs")
        }
        guard self[output: index] == nil else { throw PlexusError.invalid("output \(index) of \(op) was allocated twice") }
    }

    /// Output `index` from the tensor a session's plan reserved for it, when the kernel asks for
    /// exactly its dtype and shape (read straight from the C arguments: the common case of a
    /// planned run builds no shape array); nil otherwise.
    func reserved(_ index: Int, dtype: Int32, shape: UnsafePointer<Int64>?, rank: Int) -> Tensor? {
        guard index >= 0, index < planned.count, index < outputCount, self[output: index] == nil,
              let tensor = planned[planned.startIndex + index], tensor.dtype.rawValue == dtype, tensor.rank == rank else { return nil }
        for axis in 0..<rank where shape?[axis] != Int64(tensor.shape[axis]) { return nil }
        self[output: index] = tensor
        return tensor
    }

    /// Allocates output `index` (`host->kernel_output` asks `reserved` first).
    func allocate(_ index: Int, dtype: DType, shape: [Int]) throws -> Tensor {
        try checkSlot(index)
        let tensor = try Tensor(dtype: dtype, shape: shape, zeroed: false)
        self[output: index] = tensor
        return tensor
    }

    /// Makes an existing tensor output `index` (used by decompositions).
    func set(_ index: Int, _ tensor: Tensor) throws {
        try checkSlot(index)
        self[output: index] = tensor
    }

    /// Makes output `index` a view of `source` with `shape`.
    func alias(_ index: Int, source: Tensor, shape: [Int]) throws -> Tensor {
        try checkSlot(index)
        let tensor = try source.reshaped(shape)
        self[output: index] = tensor
        return tensor
    }
}

/// The host side of one shape-inference call.
final class InferContext {
    let inputs: [InferenceInput?]
    /// Borrowed C copies of the input shapes (nil rank = unknown).
    let cShapes: [UnsafeMutableBufferPointer<Int64>?]
    var outputs: [TensorType?]

    init(inputs: [InferenceInput?], outputCount: Int) {
        self.inputs = inputs
        cShapes = inputs.map { input in
            guard let shape = input?.type.shape else { return nil }
            let buffer = UnsafeMutableBufferPointer<Int64>.allocate(capacity: max(shape.count, 1))
            for (index, dim) in shape.enumerated() { buffer[index] = dim.map(Int64.init) ?? -1 }
            return UnsafeMutableBufferPointer(rebasing: buffer[0..<shape.count])
        }
        outputs = Array(repeating: nil, count: outputCount)
    }

    deinit {
        for buffer in cShapes { buffer.map { UnsafeMutableRawPointer($0.baseAddress!).deallocate() } }
    }
}
