import PlexusABI
import Synchronization

/// A session's memory budget: the bytes of every tensor allocated while the session plans or
/// runs (folded constants, intermediates, the arena's kept buffers and the outputs it returns),
/// counted from allocation until the memory is freed. An allocation that would take the total
/// above `limit` fails with `outOfMemory`, so an untrusted model cannot hold more than the cap
/// at once however it splits its tensors. Concurrent runs of one session share the budget.
public final class MemoryBudget: Sendable {
    /// The most bytes the session may hold at once.
    public let limit: Int
    private let used = Atomic<Int>(0)

    /// A budget of `limit` bytes (must be positive).
    public init(limit: Int) {
        self.limit = limit
    }

    /// Bytes held now.
    public var bytesInUse: Int { used.load(ordering: .relaxed) }

    /// Takes `bytes` from the budget, or throws `outOfMemory` when they do not fit.
    func charge(_ bytes: Int) throws {
        let after = used.wrappingAdd(bytes, ordering: .relaxed).newValue
        guard after <= limit, after >= 0 else {
            used.wrappingSubtract(bytes, ordering: .relaxed)
            throw PlexusError(.outOfMemory, "the session's memory would reach \(after) bytes, above its cap of \(limit) bytes "
                + "(max_arena_bytes in the session options)")
        }
    }

    /// Gives `bytes` back.
    func refund(_ bytes: Int) {
        used.wrappingSubtract(bytes, ordering: .relaxed)
    }
}
