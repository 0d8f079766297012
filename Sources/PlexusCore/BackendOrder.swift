#if canImport(Glibc)
import Glibc
#endif
import PlexusABI
import Synchronization

/// The preferred order of backends for kernel dispatch: a list of names set through
/// `plx_set_backend_order`, else the `PLEXUS_BACKENDS` environment variable, else none (kernels
/// are then ordered by their priority).
public enum BackendOrder {
    private static let explicit = Mutex<[String]?>(nil)
    /// `PLEXUS_BACKENDS`, read once: the environment is not expected to change under a process.
    private static let fromEnvironment = parse(getenv("PLEXUS_BACKENDS").map { String(cString: $0) }) ?? []
    /// Bumped on every change, so cached dispatch orders know when to refresh.
    static let generation = Atomic<Int>(0)

    /// Parses "a, b,c" into names; an empty or nil string gives nil (the default order).
    public static func names(from text: String) -> [String]? { parse(text) }

    static func parse(_ text: String?) -> [String]? {
        guard let text else { return nil }
        let names = text.split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        return names.isEmpty ? nil : names
    }

    /// Sets the order, most preferred first; nil or empty restores the default.
    public static func set(_ names: [String]?) {
        explicit.withLock { $0 = (names?.isEmpty ?? true) ? nil : names }
        generation.add(1, ordering: .relaxed)
    }

    /// The order in force.
    public static var current: [String] {
        explicit.withLock { $0 } ?? fromEnvironment
    }

    /// Sorts kernels: named backends first in the given order, then by priority, then by
    /// registration order.
    static func sorted(_ kernels: [Kernel], order: [String]) -> [Kernel] {
        func rank(_ kernel: Kernel) -> Int { order.firstIndex(of: kernel.backend) ?? order.count }
        return kernels.sorted {
            (rank($0), -$0.priority, $0.sequence) < (rank($1), -$1.priority, $1.sequence)
        }
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
