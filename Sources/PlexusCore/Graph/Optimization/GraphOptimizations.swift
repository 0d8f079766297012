/// The graph rewrites a session applies before planning, and its memory optimisations, each of
/// which can be turned off (`Session.Options.optimizations`,
/// `plx_session_options.disabled_optimizations`). Rewrites never change results beyond float
/// rounding, and they touch only the session's copy of the graph: `plx_session_to_layer` and
/// export see the model as it was imported.
///
/// The core's own rewrites know only standard ONNX ops. Fusions into a backend's private ops and
/// weight pre-packing belong to the backend that runs them: plugins register them through the
/// plugin ABI (`plx_rewrite_def`, `PluginRewrites`), each under one of these switches.
public struct GraphOptimizations: OptionSet, Sendable {
    /// The `PLX_OPTIMIZE_*` bits of plexus.h.
    public let rawValue: UInt32
    /// The set with these bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Identity nodes and inference-mode Dropout pass their input through: consumers read it directly.
    public static let eliminateIdentities = GraphOptimizations(rawValue: 1)
    /// A BatchNormalization after a Conv with constant parameters folds into the Conv's weights and bias.
    public static let foldBatchNormalization = GraphOptimizations(rawValue: 2)
    /// An activation (Relu, Clip, …) runs inside the node before it, on the output while it is
    /// still in cache, without another buffer: backends' fusion rewrites (a convolution
    /// fusion) run under this switch.
    public static let fuseActivations = GraphOptimizations(rawValue: 4)
    /// An Add of a node's output and another tensor (a residual connection) runs inside that
    /// node, before any fused activation (backends' rewrites, as for `fuseActivations`).
    public static let fuseResiduals = GraphOptimizations(rawValue: 8)

    /// Memory (not graph rewrites; `apply` leaves them to the session): intermediates live in an
    /// arena laid out by liveness (`ArenaLayout`), so values whose lifetimes do not overlap share
    /// memory and runs after the first allocate none.
    public static let reuseBuffers = GraphOptimizations(rawValue: 16)
    /// A kernel that declares in-place inputs (`Kernel.inPlaceInputs`) writes its output into
    /// such an input when it dies there. Needs `reuseBuffers`.
    public static let inPlace = GraphOptimizations(rawValue: 32)

    /// Constant weights (Conv filters, MatMul matrices) are rearranged once, here, into the
    /// layout the backend's kernels stream, instead of on every run: backends' pre-packing
    /// rewrites run under this switch.
    public static let prepackWeights = GraphOptimizations(rawValue: 64)
    /// Rewrites plugins register under no other switch (`plx_rewrite_def.optimization` 0).
    public static let backendRewrites = GraphOptimizations(rawValue: 128)

    /// The switches of graph rewrites, one of which a plugin rewrite names.
    public static let rewrites: GraphOptimizations = [.eliminateIdentities, .foldBatchNormalization, .fuseActivations, .fuseResiduals,
                                                      .prepackWeights, .backendRewrites]

    /// Every rewrite and memory optimisation.
    public static let all: GraphOptimizations = rewrites.union([.reuseBuffers, .inPlace])

    /// `graph` with the selected rewrites applied, and initializers no node reads any more
    /// dropped. Order: the core's Identity elimination and BatchNormalization folding, then the
    /// plugins' rewrites (`PluginRewrites.ordered`: by phase — fusions before pre-packing —, then
    /// plugin load order, then registration order).
    public func apply(to graph: Graph) throws -> Graph {
        var rewriter = GraphRewriter(graph)
        if contains(.eliminateIdentities) { IdentityElimination.run(&rewriter) }
        if contains(.foldBatchNormalization) { try BatchNormalizationFolding.run(&rewriter) }
        for rewrite in PluginRewrites.ordered where contains(rewrite.optimization) {
            try rewrite.run(&rewriter)
        }
        return rewriter.result()
    }
}
