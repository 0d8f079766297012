import PlexusABI

/// What a plugin is for (`PLX_PLUGIN_KIND_*`).
public enum PluginKind: Int32, Sendable, CustomStringConvertible {
    case backend = 1
    case architecture = 2
    case `extension` = 3

    public var description: String {
        switch self {
        case .backend: return "backend"
        case .architecture: return "architecture"
        case .extension: return "extension"
        }
    }
}

/// A loaded plugin and what it registered.
public struct PluginRecord: Sendable {
    /// Unique plugin name.
    public var name: String
    /// Plugin version.
    public var version: String
    /// What it is for.
    public var kind: PluginKind
    /// SPDX license identifier, if given.
    public var license: String?
    /// One-line summary, if given.
    public var description: String?
    /// The file it was loaded from (resolved path).
    public var path: String
    /// Ops it registered a schema or kernel for, sorted.
    public var ops: [OpKey]
    /// Backends its kernels belong to, sorted.
    public var backends: [String]
    /// Layer types it registered, sorted.
    public var layers: [String]
    /// Plugins it requires (`plx_plugin_info.required_plugins`), loaded before it.
    public var requires: [String] = []
}
