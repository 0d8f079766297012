#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Time spent per operator type and per node across a session's runs, kept when the session is
/// created with `Options.profile`. Thread-safe: concurrent runs add to the same totals.
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

    /// One node's totals.
    public struct NodeEntry: Sendable {
        /// The node's place in the session's run order.
        public var step: Int
        /// The node's name, or its first output's when it has none.
        public var node: String
        /// Its operator, as `name` or `domain:name`.
        public var op: String
        /// How many times it ran.
        public var calls: Int
        /// Time spent in it, summed over runs.
        public var seconds: Double
    }

    private let totals = Mutex<[String: Entry]>([:])
    private let steps = Mutex<[Int: NodeEntry]>([:])

    init() {}

    /// Adds one run of `node`, the session's step `step`.
    func add(step: Int, node: Graph.Node, seconds: Double) {
        let op = node.op.domain.isEmpty ? node.op.name : "\(node.op.domain):\(node.op.name)"
        totals.withLock { totals in
            totals[op, default: Entry(op: op, calls: 0, seconds: 0)].calls += 1
            totals[op]!.seconds += seconds
        }
        steps.withLock { steps in
            let name = node.name.isEmpty ? node.outputs.first ?? "" : node.name
            steps[step, default: NodeEntry(step: step, node: name, op: op, calls: 0, seconds: 0)].calls += 1
            steps[step]!.seconds += seconds
        }
    }

    /// Forgets the totals so far (a benchmark's warm-up runs, say).
    public func reset() {
        totals.withLock { $0.removeAll() }
        steps.withLock { $0.removeAll() }
    }

    /// The totals per operator type so far, most time first.
    public var entries: [Entry] { totals.withLock { Array($0.values) }.sorted { $0.seconds > $1.seconds } }

    /// The totals per node so far, in run order.
    public var nodeEntries: [NodeEntry] { steps.withLock { Array($0.values) }.sorted { $0.step < $1.step } }
}

/// Seconds on a monotonic clock (for timing; its zero is arbitrary). Thread-safe.
public func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}
