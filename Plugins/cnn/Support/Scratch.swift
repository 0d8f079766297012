import PlexusPluginKit

/// Scratch tensors a kernel owns: zeroed buffers, reshaped views and widened copies to hand to
/// nested op calls. (Nested calls never record autograd nodes: the host records only the
/// outermost op, so a kernel may pass its inputs on as they are.)
enum Scratch {
    /// A zero-filled tensor.
    static func zeros(_ dtype: DType, _ shape: [Int]) throws -> OwnedTensor { try OwnedTensor.create(dtype, shape) }

    /// `tensor`'s elements under another shape of the same element count, sharing its memory
    /// (the Reshape op aliases), so weights are not copied on every call.
    static func reshaped(_ tensor: KernelTensor, as shape: [Int]) throws -> OwnedTensor {
        precondition(shape.reduce(1, *) == tensor.count, "a reshape keeps the element count")
        let dims = try OwnedTensor.create(.int64, [shape.count])
        for (index, size) in shape.enumerated() { dims.view.pointer(as: Int64.self)[index] = Int64(size) }
        return try Host.call("Reshape", [tensor, dims.view])[0]
    }

    /// A copy of `tensor`'s elements.
    static func copy(_ tensor: KernelTensor) throws -> OwnedTensor {
        let copy = try OwnedTensor.create(tensor.dtype, tensor.shape)
        copy.view.data.copyMemory(from: tensor.data, byteCount: tensor.count * tensor.dtype.elementSize)
        return copy
    }

    /// A float32 copy of a float16/bfloat16 tensor; other tensors are copied as they are.
    static func widened(_ tensor: KernelTensor) throws -> OwnedTensor {
        guard HalfPrecision.isHalf(tensor.dtype) else { return try copy(tensor) }
        let wide = try OwnedTensor.create(.float32, tensor.shape)
        let values = HalfPrecision.widened(tensor)
        values.withUnsafeBufferPointer { wide.view.pointer(as: Float.self).update(from: $0.baseAddress!, count: values.count) }
        return wide
    }

    /// The product of two stacks of matrices (numpy `matmul` semantics) through the MatMul
    /// op, so the fastest loaded backend computes it.
    static func matMul(_ a: OwnedTensor, _ b: OwnedTensor) throws -> OwnedTensor {
        try Host.call("MatMul", [a.view, b.view])[0]
    }
}
