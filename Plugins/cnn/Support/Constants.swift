import PlexusPluginKit

/// Small constant tensors for op calls made by decompositions and layers.
enum Constants {
    /// A float32 or float64 tensor of `shape` holding `values`, owned by `caller`.
    static func tensor(_ caller: OpCaller, _ values: [Double], shape: [Int], dtype: DType) throws -> KernelTensor {
        let tensor = try caller.zeros(dtype, shape)
        precondition(values.count == tensor.count, "one value per element")
        switch dtype {
        case .float32: for (index, value) in values.enumerated() { tensor.pointer(as: Float.self)[index] = Float(value) }
        case .float64: for (index, value) in values.enumerated() { tensor.pointer(as: Double.self)[index] = value }
        default: throw PlexusError(.unsupported, "a constant of \(dtype) is not supported")
        }
        return tensor
    }
}
