#if canImport(Glibc)
import Glibc
#endif
import PlexusABI

/// The per-thread error slots: the last error reported across the C ABI (`plx_last_error`) and
/// the error a plugin reported with `host->set_error` during the call it is running (both kept in
/// `ThreadContext`).
public enum ThreadErrors {
    /// The message of the last error recorded on this thread, as a C string owned by the thread.
    public static var lastMessage: UnsafePointer<CChar> { UnsafePointer(ThreadContext.current.lastMessage) }

    /// Records `error` as this thread's last error and returns its status code.
    @discardableResult
    public static func record(_ error: PlexusError) -> Int32 {
        let context = ThreadContext.current
        free(context.lastMessage)
        // A message quoting untrusted text may hold NUL bytes, which would cut the C string short.
        let message = error.message.utf8.contains(0) ? error.message.split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\\0") : error.message
        context.lastMessage = strdup(message)
        return error.code.rawValue
    }

    /// Records what a plugin reported through `host->set_error`.
    static func setPluginError(code: Int32, message: String) {
        let status = StatusCode(rawValue: code) ?? .pluginFailed
        ThreadContext.current.pluginError = PlexusError(status == .ok ? .pluginFailed : status, message)
    }

    /// Takes (and clears) the error a plugin reported on this thread, if any.
    static func takePluginError() -> PlexusError? {
        let context = ThreadContext.current
        defer { context.pluginError = nil }
        return context.pluginError
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
