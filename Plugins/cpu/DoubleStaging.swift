import PlexusPluginKit

/// Results computed as Double and converted to any numeric or half-precision output dtype
/// (for kernels whose output dtype is chosen by an attribute).
enum DoubleStaging {
    /// Writes `values` into `output`, converting like Cast (integers truncate and saturate).
    static func write(_ values: [Double], into output: KernelTensor) throws {
        let staged = try OwnedTensor.create(.float64, output.shape)
        values.withUnsafeBufferPointer { staged.view.pointer(as: Double.self).update(from: $0.baseAddress!, count: values.count) }
        try Casting.convert(staged.view, into: output)
    }
}
