// libFuzzer target: the session run path. A fixed set of small models (Tests/Fuzz/models, made by
// Tests/Fuzz/make_corpus.py), each around an op whose behaviour depends on its input values —
// sizes, indices, counts, coordinates, conversions. The first input byte picks the model; the
// rest decode into its input tensors (FuzzTensors: NaN, ±Inf, huge and negative integers, small
// values). A run must return outputs or throw; a trap, an ASan report, a hang or an allocation
// past the caps is a finding.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import PlexusCore
import PlexusONNX

/// The models' sessions, sorted by file name (the order the first byte indexes), made once.
nonisolated(unsafe) var sessions: [(name: String, session: Session)] = []

/// The models folder: PLEXUS_FUZZ_MODELS, else Tests/Fuzz/models of the source tree.
func modelsFolder() -> String {
    if let path = getenv("PLEXUS_FUZZ_MODELS") { return String(cString: path) }
    let source = "\(#filePath)"
    let fuzz = source.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/")
    return fuzz + "/models"
}

func modelFiles(in folder: String) -> [String] {
    guard let dir = opendir(folder) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name.hasSuffix(".onnx") { names.append(name) }
    }
    return names.sorted()
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    FuzzEnvironment.setUp(plugins: true)
    let folder = modelsFolder()
    for name in modelFiles(in: folder) {
        do {
            let graph = try ONNXModel(path: folder + "/" + name).graph()
            sessions.append((name, try Session(graph: graph, options: FuzzEnvironment.sessionOptions)))
        } catch {
            FuzzEnvironment.fail("model \(folder)/\(name) does not load: \(error)")
        }
    }
    guard !sessions.isEmpty else {
        FuzzEnvironment.fail("no models in \(folder) (set PLEXUS_FUZZ_MODELS)")
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzBytes(FuzzEnvironment.bytes(data, size))
    let (_, session) = sessions[Int(input.byte()) % sessions.count]
    var feeds: [String: Tensor] = [:]
    for info in session.inputs {
        let shape = FuzzTensors.shape(declared: info.shape, from: &input)
        guard let tensor = try? FuzzTensors.tensor(info.dtype ?? .float32, shape: shape, from: &input) else { return 0 }
        feeds[info.name] = tensor
    }
    _ = try? session.run(feeds)
    return 0
}
