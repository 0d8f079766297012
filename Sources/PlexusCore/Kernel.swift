import CPlexus
import PlexusABI

/// The implementation of one operator for one backend, as registered by a plugin.
public final class Kernel: @unchecked Sendable {
    /// The operator it implements.
    public let key: OpKey
    /// The backend it belongs to (see `BackendOrder`).
    public let backend: String
    /// Default preference among backends: higher wins.
    public let priority: Int
    /// Name of the plugin that registered it.
    public let plugin: String
    let supports: plx_kernel_supports_fn?
    let compute: plx_kernel_fn
    let user: UnsafeMutableRawPointer?
    /// Inputs whose memory the kernel may write its output 0 into, when the caller offers one
    /// that dies at this call and has the output's size (the kernel reads each element before
    /// it writes the same element). Empty: the kernel never writes in place.
    public let inPlaceInputs: [Int]
    /// Registration order, to break ties deterministically (set when committed).
    var sequence: Int

    init(key: OpKey, backend: String, priority: Int, plugin: String, supports: plx_kernel_supports_fn?,
         compute: @escaping plx_kernel_fn, user: UnsafeMutableRawPointer?, inPlaceInputs: [Int] = [], sequence: Int) {
        self.key = key
        self.backend = backend
        self.priority = priority
        self.plugin = plugin
        self.supports = supports
        self.compute = compute
        self.user = user
        self.inPlaceInputs = inPlaceInputs
        self.sequence = sequence
    }

    /// Whether the kernel accepts inputs of these dtypes (nil for an omitted input).
    func accepts(_ dtypes: [DType?], attributes: Attributes) -> Bool {
        guard let supports else { return true }
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: dtypes.count) { buffer in
            for (index, dtype) in dtypes.enumerated() { buffer[index] = dtype?.rawValue ?? 0 }
            return withExtendedLifetime(attributes) {
                supports(buffer.baseAddress, buffer.count, attributes.handle, user) != 0
            }
        }
    }
}
