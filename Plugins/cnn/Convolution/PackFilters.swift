import CPlexusCPUKernels
import PlexusPluginKit

/// `ai.plexus` PackFilters: float32 Conv filters W [M, C, (kh,) kw] rearranged into the block
/// layout of the CPU plugin's packed GEMM kernel (`plx_cpu_sgemm_pack`: blocks of 12 filters,
/// each step over C·kh·kw holding the block's values side by side). The result keeps W's shape
/// and size; only a FusedConv with `packed_filters = 1` reads it. Sessions run it once, on
/// constant filters (this plugin's FilterPacking rewrite), which is onnxruntime's weight
/// pre-packing. Registered only where the panel convolution runs (a CPU with AVX2): it and
/// ShiftedConvolution (AVX-512) are the paths that read packed filters.
enum PackFilters: OperatorFamily {
    /// Registered only where the panel convolution runs (a CPU with its micro-kernel).
    static var definitions: [OpDefinition] { PanelConvolution.microKernel != nil ? [definition] : [] }

    static var definition: OpDefinition {
        OpDefinition("PackFilters", domain: "ai.plexus", since: 1, inputs: 1...1, attributes: [],
                     doc: "Conv filters [M, C, (kh,) kw] in the packed GEMM layout FusedConv reads with packed_filters = 1",
                     supports: DTypes.first([.float32]), infer: ShapeInference.sameAsInput, compute: compute)
    }

    static func compute(_ context: KernelContext) throws {
        let w = try context.input(0)
        guard w.dtype == .float32, (3...4).contains(w.shape.count) else {
            throw PlexusError.invalid("PackFilters: W must be float32 filters of rank 3 or 4, got \(w.dtype) \(w.shape)")
        }
        let y = try context.output(0, .float32, w.shape)
        let m = w.shape[0], k = m == 0 ? 0 : w.count / m
        plx_cpu_sgemm_pack(w.pointer(as: Float.self), m, k, y.pointer(as: Float.self))
    }
}
