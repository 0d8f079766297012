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
        for definition in PlexusCPUOperators.all { try registrar.register(GradientRules.attach(definition)) }
        if !PackedMatMul.definitions.isEmpty { try registrar.register(MatMulPacking.rewrite) }
    }
}
