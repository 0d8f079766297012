// libFuzzer target: ONNX model bytes -> a planned session, the path of
// plx_session_create_from_memory (protobuf decoding, graph import, validation, graph rewrites,
// constant folding with the plugins' kernels, planning). Every error must be a thrown
// PlexusError; a trap, an ASan report, a hang or an allocation past the caps is a finding.
import FuzzSupport
import PlexusCore
import PlexusONNX

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    FuzzEnvironment.setUp(plugins: true)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        let graph = try ONNXModel(bytes: FuzzEnvironment.bytes(data, size)).graph()
        _ = try Session(graph: graph, options: FuzzEnvironment.sessionOptions)
    } catch {}
    return 0
}
