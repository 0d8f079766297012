import ArgumentParser
import PlexusCore
import PlexusONNX

/// `plexus run`: runs an ONNX model on .npy inputs and writes its outputs as .npy files.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run an ONNX model on .npy inputs.")

    @Argument(help: "The ONNX model file.")
    var model: String
    @Option(name: .customLong("input"), help: "An input as name=file.npy (repeatable).")
    var inputs: [String] = []
    @Option(help: "Folder for the outputs (<output name>.npy).")
    var outputDir = "."
    @Option(help: "Intra-op threads (0 = one per core).")
    var threads = 0

    func run() throws {
        guard (0...Parallel.maxThreadCount).contains(threads) else {
            throw ValidationError("--threads must be 0 (one per core) to \(Parallel.maxThreadCount), got \(threads)")
        }
        let session = try Session(graph: try ONNXModel(path: model).graph(), options: Session.Options(threads: threads))
        var feeds: [String: Tensor] = [:]
        for argument in inputs {
            guard let equals = argument.firstIndex(of: "=") else { throw ValidationError("--input takes name=file.npy, got '\(argument)'") }
            feeds[String(argument[..<equals])] = try NumpyFormat.read(String(argument[argument.index(after: equals)...]))
        }
        let start = monotonicSeconds()
        let results = try session.run(feeds)
        let elapsed = monotonicSeconds() - start
        for (info, tensor) in zip(session.outputs, results) {
            let safeName = String(info.name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
            let path = "\(outputDir)/\(safeName).npy"
            try NumpyFormat.write(tensor, to: path)
            print("\(info.name): \(tensor.dtype)\(tensor.shape) -> \(path)")
        }
        print("ran in \(formatted(elapsed * 1000, 2)) ms")
    }
}

/// `plexus info`: a model's inputs, outputs, opsets, and which plugin serves each op.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Describe an ONNX model.")

    @Argument(help: "The ONNX model file.")
    var model: String

    func run() throws {
        let onnx = try ONNXModel(path: model)
        let graph = try onnx.graph()
        PluginLoader.shared.discoverIfNeeded()
        print("model: \(model) (IR version \(onnx.proto.irVersion), producer '\(onnx.proto.producerName)' \(onnx.proto.producerVersion))")
        print("opsets: " + onnx.opsets.sorted { $0.key < $1.key }.map { "\($0.key.isEmpty ? "ai.onnx" : $0.key) \($0.value)" }.joined(separator: ", "))
        func describe(_ info: Graph.ValueInfo) -> String {
            let shape = info.shape.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "[?]"
            return "  \(info.name): \(info.dtype?.description ?? "?")\(shape)"
        }
        print("inputs:")
        graph.inputs.filter { graph.initializers[$0.name] == nil }.forEach { print(describe($0)) }
        print("outputs:")
        graph.outputs.forEach { print(describe($0)) }
        print("initializers: \(graph.initializers.count) (\(graph.initializers.values.reduce(0) { $0 + $1.count }) elements)")
        var histogram: [OpKey: Int] = [:]
        for node in graph.nodes { histogram[node.op, default: 0] += 1 }
        let rows = histogram.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { key, count -> [String] in
            let plugin = OpRegistry.shared.schema(key)?.plugin
                ?? PluginLoader.index?.provider(of: key).map { "\($0.name) (not loaded)" } ?? "MISSING"
            return [key.description, "\(count)", plugin]
        }
        printTable(header: ["op", "nodes", "plugin"], rows: rows)
    }
}
