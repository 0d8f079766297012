#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Time spent per operator type across a session's runs, kept when the session is created with
/// `Options.profile`. Thread-safe: concurrent runs add to the same totals.
public final class SessionProfile: Sendable {
    /// One operator type's totals.
    public struct Entry: Sendable {
        /// The operator, as `name` or `domain:name`.
        public var op: String
        /// How many nodes of it ran, summed over runs.
        public var calls: Int
        /// Time spent in them, summed over runs.
        public var seconds: Double
    }

    private let totals = Mutex<[String: Entry]>([:])

    init() {}

    func add(_ op: OpKey, seconds: Double) {
        let name = op.domain.isEmpty ? op.name : "\(op.domain):\(op.name)"
        totals.withLock { totals in
            totals[name, default: Entry(op: name, calls: 0, seconds: 0)].calls += 1
            totals[name]!.seconds += seconds
        }
    }

    /// The totals so far, most time first.
    public var entries: [Entry] { totals.withLock { Array($0.values) }.sorted { $0.seconds > $1.seconds } }
}

/// Seconds on a monotonic clock (for timing; its zero is arbitrary). Thread-safe.
public func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}
