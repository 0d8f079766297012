#if canImport(Glibc)
import Glibc
#endif
import CPlexusSystem
import Dispatch
import PlexusABI
import Synchronization

/// Intra-op parallelism: how many threads one operator may use, and a `parallelFor` that
/// splits a range into coarse chunks run on the worker pool (or, when it is busy, with
/// `DispatchQueue.concurrentPerform`).
public enum Parallel {
    private static let setting = Atomic<Int32>(0)

    /// Cores the process may use.
    public static let coreCount = Int(plx_system_cpu_count())

    /// Threads that spin briefly between loops (see `WorkerPool`), one per extra core.
    private static let pool = WorkerPool(workers: max(0, coreCount - 1))

    /// The most threads one operator may be given: far above any machine's cores, low enough
    /// that a mistyped count is refused instead of being clamped to something arbitrary.
    public static let maxThreadCount = 1024

    /// Sets the thread count; 0 means one per core. Throws for a negative count or one above
    /// `maxThreadCount`.
    public static func setThreadCount(_ count: Int) throws {
        guard count >= 0 else { throw PlexusError.invalid("thread count must be >= 0, got \(count)") }
        guard count <= maxThreadCount else {
            throw PlexusError.invalid("thread count must be at most \(maxThreadCount), got \(count)")
        }
        setting.store(Int32(clamping: count), ordering: .relaxed)
    }

    /// The thread count in force (at least 1).
    public static var threadCount: Int {
        if let override = ThreadContext.current.threadCountOverride { return override }
        let value = Int(setting.load(ordering: .relaxed))
        return value == 0 ? coreCount : value
    }

    /// Calls `body` on sub-ranges covering `0..<count`, in parallel when there are at least two
    /// chunks of `grain` items; returns when all are done.
    public static func forRange(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(threadCount, max(1, count / max(grain, 1)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        let ran = pool.run(chunks: chunks) { chunk in body((count * chunk / chunks)..<(count * (chunk + 1) / chunks)) }
        if ran { return }
        // The pool is busy with another caller's loop, or this is a loop inside a pool loop.
        nonisolated(unsafe) let body = body  // the caller's body is run on several threads by contract
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let begin = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            body(begin..<end)
        }
    }
}
