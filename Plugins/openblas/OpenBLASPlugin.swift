import CPlexus
import CPlexusOpenBLAS
import PlexusPluginKit

/// The OpenBLAS backend: float32/float64 MatMul and Gemm kernels over Debian's libopenblas,
/// registered above the portable CPU backend. Conv (im2col), ConvTranspose, the recurrent gate
/// products and every backward pass reach them through the MatMul and Gemm ops they call, so
/// one pair of kernels serves training and inference. Other dtypes fall through to the CPU
/// backend (this plugin's kernels say they do not support them). libopenblas is opened at init
/// (CPlexusOpenBLAS) rather than linked, so its AVX-512 kernels can be chosen first.
@c @implementation
public func plx_plugin_init(_ host: UnsafePointer<plx_host_api>?, _ registrar: UnsafeMutablePointer<plx_plugin_registrar>?) -> plx_status {
    PluginEntry.initialize(
        host: host, registrar: registrar,
        description: PluginDescription(name: "openblas", version: "0.1.0", kind: PLX_PLUGIN_KIND_BACKEND, license: "MIT",
                                       summary: "OpenBLAS GEMM kernels for MatMul and Gemm (float32, float64)",
                                       // Its kernels serve the cpu plugin's MatMul and Gemm schemas, and other dtypes fall
                                       // through to the cpu kernels.
                                       requires: ["cpu"]),
        backend: "openblas", priority: 10
    ) { registrar in
        var message = [CChar](repeating: 0, count: 512)
        guard plx_openblas_load(&message, message.count) == 0 else {
            throw PlexusError(.pluginFailed, String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        // On an AVX-512 CPU where OpenBLAS runs narrower kernels, float32 is left to the CPU
        // backend's AVX-512 GEMM (1.7× faster at 1024² here); float64 stays with OpenBLAS.
        let types: Set<DType> = plx_openblas_lacks_avx512() != 0 ? [.float64] : [.float32, .float64]
        for definition in BLASProducts.definitions(types: types) { try registrar.registerKernel(definition) }
    }
}
