#if canImport(Glibc)
import Glibc
#endif
import PlexusABI
import Synchronization

/// Caps on memory that untrusted sizes can ask for.
///
/// Every tensor's memory is allocated through `Storage`, which checks the request against the
/// cap on one allocation before it asks the system, and reports a refused or failed allocation as
/// `PLX_ERR_OUT_OF_MEMORY` instead of trapping. The process-wide cap defaults to the machine's
/// physical memory (nothing larger could ever be backed); `PLEXUS_MAX_ALLOCATION_BYTES` or
/// `plx_set_max_allocation_bytes` lower it, and a session's options may lower it further while
/// that session plans or runs on a thread, and charge its allocations to its `MemoryBudget`.
public enum MemoryLimits {
    private static let processCap = Atomic<Int>(0)  // 0 = the default

    /// Physical memory of the machine, in bytes.
    public static let physicalMemory: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return Int.max }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? Int.max : bytes
    }()

    /// The cap from `PLEXUS_MAX_ALLOCATION_BYTES` (a positive byte count), if set.
    private static let environmentCap: Int? = {
        guard let text = getenv("PLEXUS_MAX_ALLOCATION_BYTES").map({ String(cString: $0) }),
              let value = Int(text), value > 0 else { return nil }
        return value
    }()

    /// The largest single allocation this process allows, in bytes.
    public static var maxAllocationBytes: Int {
        let cap = processCap.load(ordering: .relaxed)
        if cap > 0 { return cap }
        return environmentCap ?? physicalMemory
    }

    /// Sets the process-wide cap on one allocation (`0` restores the default).
    public static func setMaxAllocationBytes(_ bytes: Int) throws {
        guard bytes >= 0 else { throw PlexusError.invalid("the allocation cap must be 0 (default) or positive, got \(bytes)") }
        processCap.store(bytes, ordering: .relaxed)
    }

    /// The cap in force on this thread: the process cap, lowered by a running session's own.
    static var effectiveCap: Int {
        let process = maxAllocationBytes
        guard let session = ThreadContext.current.allocationCap else { return process }
        return min(process, session)
    }

    /// Runs `body` with this thread's allocations capped at `cap` bytes each (nil: no extra cap)
    /// and charged to `budget` (nil: to none), as while a session plans or runs.
    static func withSessionLimits<T>(cap: Int?, budget: MemoryBudget?, _ body: () throws -> T) rethrows -> T {
        if cap == nil && budget == nil { return try body() }
        let state = ThreadContext.current
        let saved = (state.allocationCap, state.memoryBudget)
        if let cap { state.allocationCap = min(saved.0 ?? .max, cap) }
        if let budget { state.memoryBudget = budget }
        defer { (state.allocationCap, state.memoryBudget) = saved }
        return try body()
    }

    /// Checks a request for a Swift array of `byteCount` bytes (which traps when the system refuses
    /// it): against the cap, then by asking the system for the block once and giving it back, so
    /// that a limit such as `ulimit -v` gives an error here instead of a trap in the array.
    static func checkArray(_ byteCount: Int) throws {
        try check(byteCount)
        guard byteCount > 1 << 20 else { return }
        guard let probe = malloc(byteCount) else {
            throw PlexusError(.outOfMemory, "could not allocate \(byteCount) bytes: the system refused")
        }
        free(probe)
    }

    /// Throws `outOfMemory` when `byteCount` is above the cap in force.
    static func check(_ byteCount: Int) throws {
        let cap = effectiveCap
        guard byteCount <= cap else {
            throw PlexusError(.outOfMemory, "an allocation of \(byteCount) bytes exceeds the cap of \(cap) bytes "
                + "(set with plx_set_max_allocation_bytes, PLEXUS_MAX_ALLOCATION_BYTES or the session's max_allocation_bytes)")
        }
    }
}
