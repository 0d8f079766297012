/// The graph rewrites a session applies before planning, each of which can be turned off
/// (`Session.Options.optimizations`, `plx_session_options.disabled_optimizations`). They never
/// change results beyond float rounding, and they touch only the session's copy of the graph:
/// `plx_session_to_layer` and export see the model as it was imported.
public struct GraphOptimizations: OptionSet, Sendable {
    /// The `PLX_OPTIMIZE_*` bits of plexus.h.
    public let rawValue: UInt32
    /// The set with these bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Identity nodes and inference-mode Dropout pass their input through: consumers read it directly.
    public static let eliminateIdentities = GraphOptimizations(rawValue: 1)
    /// A BatchNormalization after a Conv with constant parameters folds into the Conv's weights and bias.
    public static let foldBatchNormalization = GraphOptimizations(rawValue: 2)
    /// A Relu, LeakyRelu, Clip or Sigmoid after a Conv runs inside it (`ai.plexus` FusedConv,
    /// from the CNN plugin), on the output while it is still in cache, without another buffer.
    public static let fuseActivations = GraphOptimizations(rawValue: 4)
    /// An Add of a Conv's output and another tensor (a residual connection) runs inside the Conv
    /// (FusedConv's `Z`), before any fused activation.
    public static let fuseResiduals = GraphOptimizations(rawValue: 8)

    /// Memory (not graph rewrites; `apply` leaves them to the session): intermediate buffers go
    /// back to the session's arena after their last use and serve later outputs of the same size.
    public static let reuseBuffers = GraphOptimizations(rawValue: 16)
    /// An elementwise op (Add, Relu, …) writes its output into an input that dies there. Needs
    /// `reuseBuffers`.
    public static let inPlace = GraphOptimizations(rawValue: 32)

    /// A group-1 float32 Conv or FusedConv over 1 or 2 spatial dims with constant filters reads
    /// them packed for the CPU's GEMM kernel (`ai.plexus` PackFilters, run once here), instead
    /// of rearranging them on every run, and so does a MatMul by a constant float32 matrix
    /// (`ai.plexus` PackMatMulWeights / PackedMatMul). Applies where the CNN and CPU plugins
    /// provide those ops (on CPUs with their vector kernels).
    public static let packFilters = GraphOptimizations(rawValue: 64)

    /// Every rewrite and memory optimisation.
    public static let all: GraphOptimizations = [.eliminateIdentities, .foldBatchNormalization, .fuseActivations, .fuseResiduals,
                                                 .reuseBuffers, .inPlace, .packFilters]

    /// `graph` with the selected rewrites applied (residuals before activations, so a Conv → Add →
    /// Relu chain becomes one node; filters packed last, for the convolutions the fusions left),
    /// and initializers no node reads any more dropped.
    public func apply(to graph: Graph) throws -> Graph {
        var rewriter = GraphRewriter(graph)
        if contains(.eliminateIdentities) { IdentityElimination.run(&rewriter) }
        if contains(.foldBatchNormalization) { try BatchNormalizationFolding.run(&rewriter) }
        if contains(.fuseResiduals) { ResidualFusion.run(&rewriter) }
        if contains(.fuseActivations) { ActivationFusion.run(&rewriter) }
        if contains(.packFilters) {
            try FilterPacking.run(&rewriter)
            try MatMulPacking.run(&rewriter)
        }
        return rewriter.result()
    }
}
