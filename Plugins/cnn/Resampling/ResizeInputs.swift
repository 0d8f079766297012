import PlexusPluginKit

/// Resize's optional inputs as values: roi, scales and sizes (an empty tensor counts as absent).
struct ResizeInputs {
    var roi: [Double]?
    var scales: [Double]?
    var sizes: [Int]?

    /// Reads the tensors (float roi and scales, int64 sizes).
    init(roi: KernelTensor?, scales: KernelTensor?, sizes: KernelTensor?) throws {
        func floats(_ tensor: KernelTensor?) throws -> [Double]? {
            guard let tensor, tensor.count > 0 else { return nil }
            switch tensor.dtype {
            case .float32: return (0..<tensor.count).map { Double(tensor.pointer(as: Float.self)[$0]) }
            case .float64: return Array(UnsafeBufferPointer(start: tensor.pointer(as: Double.self), count: tensor.count))
            case .float16, .bfloat16: return HalfPrecision.widened(tensor).map(Double.init)
            default: throw PlexusError(.dtypeMismatch, "Resize: roi and scales must be floating point, got \(tensor.dtype)")
            }
        }
        self.roi = try floats(roi)
        self.scales = try floats(scales)
        self.sizes = try sizes.flatMap { $0.count > 0 ? try $0.integers() : nil }
    }
}
