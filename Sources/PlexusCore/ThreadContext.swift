#if canImport(Glibc)
import Glibc
#endif

/// Everything Plexus keeps per thread, grouped by who reads it. One instance per thread, created
/// on first use and released when the thread ends; only its own thread touches it, so nothing
/// here needs a lock, and the fields every op call touches skip dynamic exclusivity checks.
final class ThreadContext {
    // MARK: Errors (`ThreadErrors`)
    /// The last error reported across the C ABI on this thread (`plx_last_error`).
    var lastMessage: UnsafeMutablePointer<CChar> = strdup("")
    /// The error a plugin reported with `host->set_error` during the call it is running.
    @exclusivity(unchecked) var pluginError: PlexusError?

    // MARK: Autograd
    /// Nesting depth of no-grad scopes (see `GradMode`).
    @exclusivity(unchecked) var noGradDepth = 0
    /// Graph nodes waiting to be released, and whether a teardown loop runs (see `GradNode`).
    var teardownQueue: [GradNode] = []
    var tearingDown = false

    // MARK: Op calls (`OpRegistry.call`)
    /// The tracer recording op calls on this thread (see `Tracer`).
    @exclusivity(unchecked) var tracer: Tracer?
    /// How deep in nested op calls (a kernel or decomposition calling ops) this thread is.
    @exclusivity(unchecked) var callDepth = 0
    /// How many kernels are running on this thread: ops a kernel calls are not recorded
    /// for autograd (a kernel is one step; only decompositions expose their inner ops).
    @exclusivity(unchecked) var kernelDepth = 0

    // MARK: The session running on this thread
    /// Overrides of the process thread count and backend order (the session's options).
    @exclusivity(unchecked) var threadCountOverride: Int?
    @exclusivity(unchecked) var backendOrderOverride: [String]?
    /// The cap on one allocation (see `MemoryLimits`).
    @exclusivity(unchecked) var allocationCap: Int?
    /// The budget allocations count against (see `MemoryBudget`).
    @exclusivity(unchecked) var memoryBudget: MemoryBudget?

    deinit { free(lastMessage) }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            Unmanaged<ThreadContext>.fromOpaque(pointer!).release()
        }
        return key
    }()

    /// The calling thread's context.
    static var current: ThreadContext {
        if let raw = pthread_getspecific(key) { return Unmanaged<ThreadContext>.fromOpaque(raw).takeUnretainedValue() }
        let context = ThreadContext()
        pthread_setspecific(key, Unmanaged.passRetained(context).toOpaque())
        return context
    }
}
