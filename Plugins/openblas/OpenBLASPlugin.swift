import CPlexus
import PlexusPluginKit

/// The OpenBLAS backend: float32/float64 MatMul and Gemm kernels over Debian's libopenblas,
/// registered above the portable CPU backend. Conv (im2col), ConvTranspose, the recurrent gate
/// products and every backward pass reach them through the MatMul and Gemm ops they call, so
/// one pair of kernels serves training and inference. Other dtypes fall through to the CPU
/// backend (this plugin's kernels say they do not support them).
@c @implementation
public func plx_plugin_init(_ host: UnsafePointer<plx_host_api>?, _ registrar: UnsafeMutablePointer<plx_plugin_registrar>?) -> plx_status {
    PluginEntry.initialize(
        host: host, registrar: registrar,
        description: PluginDescription(name: "openblas", version: "0.1.0", kind: PLX_PLUGIN_KIND_BACKEND, license: "MIT",
                                       summary: "OpenBLAS GEMM kernels for MatMul and Gemm (float32, float64)"),
        backend: "openblas", priority: 10
    ) { registrar in
        for definition in BLASProducts.definitions { try registrar.registerKernel(definition) }
    }
}
