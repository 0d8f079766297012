import Synchronization

/// A session's arena: the memory of intermediate values, kept after their last use and handed
/// to later op outputs of the same size, in this run and the next ones. After the first run a
/// model's intermediates are served from here, so steady-state runs neither allocate nor fault
/// in fresh pages. Buffers are matched by exact byte size (a model allocates the same sizes
/// every run); blocks under `minimumBytes` are left to malloc, which serves them well.
///
/// Thread-safe: concurrent runs of one session share the pool. A buffer is given back only
/// when nothing else can see it (`recycle`), so an output handed to the caller, a fed input or
/// a view of either is never reused.
final class BufferPool: Sendable {
    /// Smaller buffers are not pooled.
    static let minimumBytes = 4096

    private let free = Mutex<[Int: [Storage]]>([:])
    /// Allocations served from the pool, and op outputs written into a dying input's memory.
    let reused = Atomic<Int>(0)
    let inPlace = Atomic<Int>(0)

    /// A pooled buffer of exactly `byteCount` bytes, or nil.
    func take(byteCount: Int) -> Storage? {
        guard byteCount >= Self.minimumBytes else { return nil }
        let storage = free.withLock { free in free[byteCount]?.popLast() }
        if storage != nil { reused.add(1, ordering: .relaxed) }
        return storage
    }

    /// Keeps `tensor`'s memory for reuse when `tensor` is its only user: no other reference to
    /// the tensor (the caller passes its last one) and no other tensor over the storage.
    func recycle(_ tensor: inout Tensor?) {
        guard tensor != nil, let storage = Self.exclusiveStorage(of: &tensor!) else { return }
        tensor = nil
        free.withLock { free in free[storage.byteCount, default: []].append(storage) }
    }

    /// The memory of `tensor` when nothing else can see it, so an op may overwrite it or the pool
    /// keep it: the caller's reference is the only one, the storage is owned, holds no strings,
    /// is large enough to pool, and backs no other tensor.
    static func exclusiveStorage(of tensor: inout Tensor) -> Storage? {
        guard isKnownUniquelyReferenced(&tensor) else { return nil }
        let storage = tensor.storage
        guard storage.isRecyclable, storage.byteCount >= minimumBytes, storage.tensorCount.load(ordering: .relaxed) == 1 else { return nil }
        return storage
    }
}
