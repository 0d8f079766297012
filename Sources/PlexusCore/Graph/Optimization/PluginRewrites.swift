import Synchronization

/// The graph rewrites loaded plugins registered, in the order sessions run them: by phase
/// (fusions before pre-packing, so packing sees the nodes the fusions left), then by the load
/// order of their plugins, then in the order each plugin registered them. Plugins are never
/// unloaded, so the list only grows.
enum PluginRewrites {
    private static let registered = Mutex<[PluginRewrite]>([])

    /// Adds a loaded plugin's rewrites (after its other registrations were committed).
    static func commit(_ rewrites: [PluginRewrite]) {
        guard !rewrites.isEmpty else { return }
        registered.withLock { list in
            list += rewrites
            // A stable sort by phase keeps load order, then registration order, within a phase.
            list = list.enumerated().sorted { ($0.element.phase, $0.offset) < ($1.element.phase, $1.offset) }.map(\.element)
        }
    }

    /// The rewrites in running order.
    static var ordered: [PluginRewrite] { registered.withLock { $0 } }

    /// Whether `plugin` already registered a rewrite called `name`.
    static func contains(plugin: String, name: String) -> Bool {
        registered.withLock { $0.contains { $0.plugin == plugin && $0.name == name } }
    }
}
