
/// float16 and bfloat16 are computed in float32: inputs are widened, the float32 kernel runs,
/// and the result is rounded back (to nearest even), as PyTorch does on CPUs without native
/// half arithmetic.
public enum HalfPrecision {
    /// The elements of a float16/bfloat16 tensor widened to Float.
    @inlinable public static func widened(_ tensor: KernelTensor) -> [Float] {
        switch tensor.dtype {
        case .float16:
            let source = tensor.pointer(as: Float16.self)
            return (0..<tensor.count).map { Float(source[$0]) }
        case .bfloat16:
            let source = tensor.pointer(as: BFloat16.self)
            return (0..<tensor.count).map { source[$0].floatValue }
        default:
            preconditionFailure("widened() needs a half-precision tensor")
        }
    }

    /// Stores `values` into a float16/bfloat16 tensor, rounding to nearest even.
    @inlinable public static func store(_ values: UnsafeBufferPointer<Float>, into tensor: KernelTensor) {
        switch tensor.dtype {
        case .float16:
            let target = tensor.pointer(as: Float16.self)
            for index in 0..<tensor.count { target[index] = Float16(values[index]) }
        case .bfloat16:
            let target = tensor.pointer(as: BFloat16.self)
            for index in 0..<tensor.count { target[index] = BFloat16(values[index]) }
        default:
            preconditionFailure("store() needs a half-precision tensor")
        }
    }

    /// True for float16 and bfloat16.
    @inlinable public static func isHalf(_ dtype: DType) -> Bool { dtype == .float16 || dtype == .bfloat16 }
}
