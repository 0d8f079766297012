import PlexusABI

/// The host side of one kernel invocation: the outputs the caller asked for, filled in by the
/// kernel through `host->kernel_output`. Lives only during the call.
final class KernelContext {
    let op: OpKey
    var outputs: [Tensor?]
    /// The tensors a session's plan reserved for the outputs, by output index (nil or a
    /// different dtype or shape: allocate as usual).
    private let planned: ArraySlice<Tensor?>

    init(op: OpKey, outputCount: Int, planned: ArraySlice<Tensor?> = []) {
        self.op = op
        outputs = Array(repeating: nil, count: outputCount)
        self.planned = planned
    }

    private func checkSlot(_ index: Int) throws {
        guard index >= 0 && index < outputs.count else {
            throw PlexusError.invalid("output index \(index) is out of range: \(op) was asked for \(outputs.count) outputs")
        }
        guard outputs[index] == nil else { throw PlexusError.invalid("output \(index) of \(op) was allocated twice") }
    }

    /// Allocates output `index`.
    func allocate(_ index: Int, dtype: DType, shape: [Int]) throws -> Tensor {
        try checkSlot(index)
        if index < planned.count, let reserved = planned[planned.startIndex + index], reserved.dtype == dtype, reserved.shape == shape {
            outputs[index] = reserved
            return reserved
        }
        let tensor = try Tensor(dtype: dtype, shape: shape, zeroed: false)
        outputs[index] = tensor
        return tensor
    }

    /// Makes an existing tensor output `index` (used by decompositions).
    func set(_ index: Int, _ tensor: Tensor) throws {
        try checkSlot(index)
        outputs[index] = tensor
    }

    /// Makes output `index` a view of `source` with `shape`.
    func alias(_ index: Int, source: Tensor, shape: [Int]) throws -> Tensor {
        try checkSlot(index)
        let tensor = try source.reshaped(shape)
        outputs[index] = tensor
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
