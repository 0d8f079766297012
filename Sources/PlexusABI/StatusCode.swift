/// The error codes of the C ABI (`PLX_ERR_*`); `ok` is `PLX_OK`.
public enum StatusCode: Int32, Sendable, CustomStringConvertible {
    case ok = 0
    case invalidArgument = 1
    case notFound = 2
    case unsupported = 3
    case io = 4
    case outOfMemory = 5
    case shapeMismatch = 6
    case dtypeMismatch = 7
    case abiMismatch = 8
    case alreadyExists = 9
    case pluginFailed = 10
    case noBackend = 11
    case `internal` = 12

    /// A short lowercase name, used as the prefix of messages.
    public var description: String {
        switch self {
        case .ok: return "ok"
        case .invalidArgument: return "invalid argument"
        case .notFound: return "not found"
        case .unsupported: return "unsupported"
        case .io: return "i/o error"
        case .outOfMemory: return "out of memory"
        case .shapeMismatch: return "shape mismatch"
        case .dtypeMismatch: return "dtype mismatch"
        case .abiMismatch: return "ABI mismatch"
        case .alreadyExists: return "already exists"
        case .pluginFailed: return "plugin failed"
        case .noBackend: return "no backend"
        case .internal: return "internal error"
        }
    }
}

/// An error with a C ABI status code and a readable message. Thrown by the core and by plugin
/// kernels written with PlexusPluginKit; turned into a `plx_status` at the C boundary.
public struct PlexusError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The status code reported across the C ABI.
    public var code: StatusCode
    /// A message for people: what was wrong, and with which value.
    public var message: String

    /// Creates an error with `code` and `message`.
    public init(_ code: StatusCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Shorthand for an `invalidArgument` error.
    public static func invalid(_ message: String) -> PlexusError { PlexusError(.invalidArgument, message) }
}
