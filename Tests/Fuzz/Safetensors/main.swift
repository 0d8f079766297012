// libFuzzer target: safetensors bytes -> tensors (header JSON, dtypes, shapes, offsets), the
// decoding behind plx_state_load and the Python package's loader.
import FuzzSupport
import PlexusCore

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    FuzzEnvironment.setUp(plugins: false)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? Safetensors.decode(FuzzEnvironment.bytes(data, size))
    return 0
}
