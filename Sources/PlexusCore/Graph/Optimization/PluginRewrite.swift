import CPlexus
import PlexusABI

/// A graph rewrite registered by a plugin (`plx_rewrite_def`): a backend's fusions into its own
/// ops, or its pre-packing of constant weights. Run by `GraphOptimizations.apply` on a session's
/// copy of the graph, through the host's `graph_*` functions (`RewriteGraph`).
struct PluginRewrite: @unchecked Sendable {
    /// When a rewrite runs relative to others (`PLX_REWRITE_PHASE_*`).
    enum Phase: Int32, Comparable {
        case fuse = 0
        case pack = 1
        static func < (a: Phase, b: Phase) -> Bool { a.rawValue < b.rawValue }
    }

    /// The plugin that registered it, for messages and ordering.
    let plugin: String
    /// Its name, unique within the plugin.
    let name: String
    /// The switch that turns it off.
    let optimization: GraphOptimizations
    let phase: Phase
    let function: plx_rewrite_fn
    let user: UnsafeMutableRawPointer?

    /// Runs the rewrite on `rewriter`'s graph. A failure becomes an error naming the plugin and
    /// the rewrite, with the plugin's message.
    func run(_ rewriter: inout GraphRewriter) throws {
        let graph = RewriteGraph(rewriter)
        _ = ThreadErrors.takePluginError()
        let status = withoutGradients {
            withExtendedLifetime(graph) { function(OpaquePointer(Unmanaged.passUnretained(graph).toOpaque()), user) }
        }
        let reported = ThreadErrors.takePluginError()
        guard status == StatusCode.ok.rawValue else {
            let message = reported?.message ?? "it returned status \(status) without a message"
            throw PlexusError(StatusCode(rawValue: status) ?? .pluginFailed,
                              "graph rewrite '\(name)' of plugin '\(plugin)' failed: \(message) "
                              + "(turn it off with optimization switch \(optimization.rawValue) in disabled_optimizations)")
        }
        rewriter = graph.rewriter
    }
}
