import CPlexus

/// A graph rewrite a plugin registers (`plx_rewrite_def`): a backend's fusion into its own ops, or
/// its pre-packing of constant weights, run when a session is created on the session's copy of
/// the graph. Register with `PluginRegistrar.register(_:)`.
public struct RewriteDefinition {
    /// When a rewrite runs relative to others (`PLX_REWRITE_PHASE_*`): every fusion of every
    /// plugin runs before any pre-packing.
    public enum Phase: Int32 {
        /// Several nodes become one.
        case fuse = 0
        /// Layouts and pre-packed weights, for the nodes the fusions left.
        case pack = 1
    }

    /// Name for messages, unique within the plugin.
    public var name: String
    /// The `PLX_OPTIMIZE_*` bit that turns it off (0: `PLX_OPTIMIZE_BACKEND_REWRITES`).
    public var optimization: UInt32
    /// Its phase.
    public var phase: Phase
    /// The rewrite: reads and edits the graph; a thrown error fails session creation with a
    /// message naming the plugin and the rewrite.
    public var body: (PluginGraph) throws -> Void

    /// A rewrite turned off by `optimization` (a `PLX_OPTIMIZE_*` value).
    public init(_ name: String, optimization: UInt32, phase: Phase = .fuse, body: @escaping (PluginGraph) throws -> Void) {
        self.name = name
        self.optimization = optimization
        self.phase = phase
        self.body = body
    }
}
