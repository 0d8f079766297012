import PlexusPluginKit

/// Scratch tensors a kernel owns: zeroed buffers and copies to hand to nested op calls.
///
/// Kernels copy their inputs before passing them to other ops: an input that requires grad
/// would make the nested call record an autograd node (kernels run with recording on), and
/// its output would then count as requiring grad too.
enum Scratch {
    /// A zero-filled tensor.
    static func zeros(_ dtype: DType, _ shape: [Int]) throws -> OwnedTensor { try OwnedTensor.create(dtype, shape) }

    /// A copy of `tensor`'s elements with another shape of the same element count.
    static func copy(_ tensor: KernelTensor, as shape: [Int]? = nil) throws -> OwnedTensor {
        let copy = try OwnedTensor.create(tensor.dtype, shape ?? tensor.shape)
        precondition(copy.view.count == tensor.count, "a copy keeps the element count")
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
