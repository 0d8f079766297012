import CPlexus
import PlexusABI

/// The implementation of one operator for one backend, as registered by a plugin.
public struct Kernel: @unchecked Sendable {
    public var key: OpKey
    public var backend: String
    public var priority: Int
    /// Name of the plugin that registered it.
    public var plugin: String
    let supports: plx_kernel_supports_fn?
    let compute: plx_kernel_fn
    let user: UnsafeMutableRawPointer?
    /// Registration order, to break ties deterministically.
    var sequence: Int

    /// Whether the kernel accepts inputs of these dtypes (nil for an omitted input).
    func accepts(_ dtypes: [DType?], attributes: Attributes) -> Bool {
        guard let supports else { return true }
        let raw = dtypes.map { $0?.rawValue ?? 0 }
        return raw.withUnsafeBufferPointer { buffer in
            withExtendedLifetime(attributes) {
                supports(buffer.baseAddress, buffer.count, attributes.handle, user) != 0
            }
        }
    }
}
