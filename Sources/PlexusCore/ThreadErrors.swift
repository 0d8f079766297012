#if canImport(Glibc)
import Glibc
#endif
import PlexusABI

/// Per-thread error slots: the last error reported across the C ABI (`plx_last_error`) and the
/// error a plugin reported with `host->set_error` during the call it is running.
public enum ThreadErrors {
    /// Everything Plexus keeps per thread.
    final class Slots {
        var lastMessage: UnsafeMutablePointer<CChar> = strdup("")
        var pluginError: PlexusError?
        /// Nesting depth of no-grad scopes (see `GradMode`).
        var noGradDepth = 0
        /// Per-thread overrides of the thread count and backend order (set while a session
        /// with its own options runs on this thread).
        var threadCountOverride: Int?
        var backendOrderOverride: [String]?
        /// The tracer recording op calls on this thread, and how deep in nested calls we are.
        var tracer: Tracer?
        var callDepth = 0
        /// How many kernels are running on this thread: ops a kernel calls are not recorded
        /// for autograd (a kernel is one step; only decompositions expose their inner ops).
        var kernelDepth = 0
        /// While a session runs on this thread: its buffer pool, which op outputs are taken
        /// from, and the memory of an input the current node's op may write its output into.
        var bufferPool: BufferPool?
        var donatedStorage: Storage?
        /// The cap on one allocation of the session running on this thread (see `MemoryLimits`).
        var allocationCap: Int?
        /// The budget that allocations of the session planning or running on this thread count against.
        var memoryBudget: MemoryBudget?
        /// Graph nodes waiting to be released, and whether a teardown loop runs (see `GradNode`).
        var teardownQueue: [GradNode] = []
        var tearingDown = false
        deinit { free(lastMessage) }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            Unmanaged<Slots>.fromOpaque(pointer!).release()
        }
        return key
    }()

    static var slots: Slots {
        if let raw = pthread_getspecific(key) { return Unmanaged<Slots>.fromOpaque(raw).takeUnretainedValue() }
        let slots = Slots()
        pthread_setspecific(key, Unmanaged.passRetained(slots).toOpaque())
        return slots
    }

    /// The message of the last error recorded on this thread, as a C string owned by the thread.
    public static var lastMessage: UnsafePointer<CChar> { UnsafePointer(slots.lastMessage) }

    /// Records `error` as this thread's last error and returns its status code.
    @discardableResult
    public static func record(_ error: PlexusError) -> Int32 {
        let slots = slots
        free(slots.lastMessage)
        // A message quoting untrusted text may hold NUL bytes, which would cut the C string short.
        let message = error.message.utf8.contains(0) ? error.message.split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\\0") : error.message
        slots.lastMessage = strdup(message)
        return error.code.rawValue
    }

    /// Records what a plugin reported through `host->set_error`.
    static func setPluginError(code: Int32, message: String) {
        let status = StatusCode(rawValue: code) ?? .pluginFailed
        slots.pluginError = PlexusError(status == .ok ? .pluginFailed : status, message)
    }

    /// Takes (and clears) the error a plugin reported on this thread, if any.
    static func takePluginError() -> PlexusError? {
        let slots = slots
        defer { slots.pluginError = nil }
        return slots.pluginError
    }
}

/// Runs `body` and converts a thrown error into a C status (recording its message), as every
/// function of the C ABI does. Unexpected errors become `PLX_ERR_INTERNAL`.
public func withStatus(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return StatusCode.ok.rawValue
    } catch let error as PlexusError {
        return ThreadErrors.record(error)
    } catch {
        return ThreadErrors.record(PlexusError(.internal, "unexpected error: \(error)"))
    }
}
