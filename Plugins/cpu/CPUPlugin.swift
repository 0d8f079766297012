import CPlexus
import PlexusPluginKit

/// The portable CPU backend: ONNX operator schemas and their kernels, written in Swift over the
/// plugin ABI only (it never links the core).
@c @implementation
public func plx_plugin_init(_ host: UnsafePointer<plx_host_api>?, _ registrar: UnsafeMutablePointer<plx_plugin_registrar>?) -> plx_status {
    PluginEntry.initialize(
        host: host, registrar: registrar,
        description: PluginDescription(name: "cpu", version: "0.1.0", kind: PLX_PLUGIN_KIND_BACKEND, license: "MIT",
                                       summary: "portable CPU kernels for the ONNX operators"),
        backend: "cpu", priority: 0
    ) { registrar in
        for definition in CPUOperators.all { try registrar.register(GradientRules.attach(definition)) }
        if !PackedMatMul.definitions.isEmpty { try registrar.register(MatMulPacking.rewrite) }
    }
}

/// Every operator the CPU plugin provides, gathered from the files that define them.
enum CPUOperators {
    static var all: [OpDefinition] {
        ElementwiseBinary.definitions + ElementwiseUnary.definitions + Activations.definitions
            + Variadic.definitions + Logical.definitions + Selection.definitions + Casting.definitions
            + Reductions.definitions + LinearAlgebra.definitions + SoftmaxOps.definitions
            + Reshaping.definitions + Transposition.definitions + Joining.definitions + Slicing.definitions
            + Gathering.definitions + Replication.definitions + Padding.definitions + Generators.definitions
            + Scans.definitions + Sorting.definitions + Triangular.definitions + Encoding.definitions
            + Scattering.definitions + Regularization.definitions
            + LikeCasting.definitions + NegativeLogLikelihood.definitions + SoftmaxCrossEntropy.definitions
            + Bitwise.definitions + SumReductions.definitions + Hardmax.definitions + SmoothActivations.definitions
            + ThresholdActivations.definitions + ParametricRelu.definitions + ArcAndHyperbolic.definitions
            + EyeLike.definitions + NDGathering.definitions + NDScattering.definitions + Compression.definitions
            + NonZeroPositions.definitions + SequenceReversal.definitions + PackedMatMul.definitions
            + Normalizations.definitions + Determinant.definitions + Einsum.definitions + Uniqueness.definitions
            + SignalAndQuantization.definitions + RecentOperators.definitions
    }
}
