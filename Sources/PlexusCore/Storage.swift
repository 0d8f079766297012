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
    /// Tensors over this storage right now (views made by reshaping share one). A session's
    /// plan checks it before reusing arena memory (see `ExecutionPlan`).
    let tensorCount = Atomic<Int>(0)
    /// A number no other storage of the process has, so plans can tell storages apart after
    /// they are freed (an address may be reused; a serial is not).
    let serial = Storage.serials.add(1, ordering: .relaxed).newValue
    private static let serials = Atomic<Int>(0)

    private enum Release {
        case owned(stringCount: Int)
        /// Part of another storage (a session arena), kept alive by this one.
        case slice(of: Storage)
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

    /// `byteCount` bytes of `parent` from `offset` (which must fit), keeping `parent` alive.
    init(slicing parent: Storage, offset: Int, byteCount: Int) {
        precondition(offset >= 0 && byteCount >= 0 && offset + byteCount <= parent.byteCount, "slice out of range")
        pointer = parent.pointer + offset
        self.byteCount = byteCount
        release = .slice(of: parent)
        budget = nil
    }

    /// Whether this is part of a session arena: memory a later run will overwrite.
    var isSlice: Bool {
        if case .slice = release { return true }
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
        case .slice:
            break
        }
    }
}
