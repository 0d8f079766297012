#if canImport(Glibc)
import Glibc
#endif
import PlexusABI
import Synchronization

/// A block of tensor memory: either owned (64-byte aligned, freed on deinit) or borrowed from a
/// caller, who gets it back through a deleter. Reference-counted by Swift; several tensors may
/// share one storage (views made by reshaping).
public final class Storage: @unchecked Sendable {
    /// Start of the memory. Never nil, even for zero bytes.
    public let pointer: UnsafeMutableRawPointer
    /// Size in bytes.
    public let byteCount: Int
    private let release: Release
    /// The session budget this memory is charged to until it is freed, if any.
    private let budget: MemoryBudget?
    /// Tensors over this storage right now (views made by reshaping share one). A session may
    /// reuse the memory once its last tensor is dropped (see `BufferPool`).
    let tensorCount = Atomic<Int>(0)

    private enum Release {
        case owned(stringCount: Int)
        case borrowed(deleter: (@convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void)?,
                      context: UnsafeMutableRawPointer?)
    }

    /// Alignment of owned storage, in bytes (a cache line; enough for AVX-512 loads).
    public static let alignment = 64

    /// Allocates `byteCount` bytes, zero-filled when `zeroed` (strings are always zeroed, so that
    /// every element is a valid NULL pointer until set). Throws `outOfMemory` when the request is
    /// above the allocation cap (`MemoryLimits`) or the system refuses it; never traps.
    public init(byteCount: Int, zeroed: Bool, stringCount: Int = 0) throws {
        guard byteCount >= 0 else { throw PlexusError.invalid("cannot allocate a negative size (\(byteCount) bytes)") }
        // Blocks of a cache line or less (scalars, shapes) are below any cap and are not counted,
        // so making a scalar never fails for a cap.
        let size = max(byteCount, Storage.alignment)
        let budget = byteCount > Storage.alignment ? ThreadContext.current.memoryBudget : nil
        if byteCount > Storage.alignment { try MemoryLimits.check(byteCount) }
        try budget?.charge(size)
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, Storage.alignment, size) == 0, let raw else {
            budget?.refund(size)
            throw PlexusError(.outOfMemory, "could not allocate \(byteCount) bytes: the system refused")
        }
        self.budget = budget
        pointer = raw
        if zeroed || stringCount > 0 { pointer.initializeMemory(as: UInt8.self, repeating: 0, count: size) }
        self.byteCount = byteCount
        release = .owned(stringCount: stringCount)
    }

    /// Borrows caller memory; `deleter(pointer, context)` runs when the storage goes.
    public init(wrapping pointer: UnsafeMutableRawPointer, byteCount: Int,
                deleter: (@convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void)?,
                context: UnsafeMutableRawPointer?) {
        self.pointer = pointer
        self.byteCount = byteCount
        release = .borrowed(deleter: deleter, context: context)
        budget = nil
    }

    /// Owned, and holding no strings: memory a buffer pool may hand to another tensor.
    var isRecyclable: Bool {
        if case .owned(let stringCount) = release { return stringCount == 0 }
        return false
    }

    deinit {
        switch release {
        case .owned(let stringCount):
            if stringCount > 0 {
                let strings = pointer.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
                for index in 0..<stringCount { free(strings[index]) }
            }
            free(pointer)
            budget?.refund(max(byteCount, Storage.alignment))
        case .borrowed(let deleter, let context):
            deleter?(pointer, context)
        }
    }
}
