#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PlexusCore
import PlexusONNX

/// `plexus bench`: loads an ONNX model, feeds it random inputs and times repeated runs. Prints
/// one JSON line (load time, median and fastest run, peak resident memory) for the benchmark
/// scripts, which compare it with other runtimes measured in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time an ONNX model on random inputs; prints one JSON line.")

    @Argument(help: "The ONNX model file.")
    var model: String
    @Option(help: "Intra-op threads (0 = one per core).")
    var threads = 0
    @Option(help: "Untimed runs first.")
    var warmup = 3
    @Option(help: "Timed runs.")
    var repeats = 20
    @Option(name: .customLong("dim"), help: "A symbolic dimension's size as name=value (repeatable; others are 1).")
    var dims: [String] = []
    @Option(help: "Preferred backends, e.g. openblas,cpu (default: every loaded backend by priority).")
    var backends: String?
    @Flag(help: "Also print the mean time per run of each operator type over the timed runs (to stderr), most first.")
    var profile = false
    @Flag(help: "Also print the mean time per run of each node over the timed runs (to stderr), in run order.")
    var profileNodes = false
    @Option(name: .customLong("disable"), help: "An optimisation to skip: identities, batchnorm, activations, residuals, buffers, inplace, packing, plugin-rewrites, all (repeatable).")
    var disabled: [String] = []

    func validate() throws {
        guard warmup >= 0, repeats >= 1, threads >= 0 else { throw ValidationError("need --warmup >= 0, --repeats >= 1, --threads >= 0") }
        guard threads <= Parallel.maxThreadCount else {
            throw ValidationError("--threads must be at most \(Parallel.maxThreadCount), got \(threads)")
        }
    }

    /// The `--backends` names, each provided by a loaded plugin: the session skips names it does
    /// not know (a plugin may be loaded later), so a typo would silently bench the default order.
    private func knownBackends(_ list: String) throws -> [String] {
        PluginLoader.shared.discoverIfNeeded()
        let known = Set(OpRegistry.shared.plugins.flatMap(\.backends))
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for name in names where !known.contains(name) {
            throw ValidationError("--backends: no loaded plugin provides a backend named '\(name)' (loaded: \(known.sorted().joined(separator: ", ")))")
        }
        return names
    }

    func run() throws {
        var sizes: [String: Int] = [:]
        for argument in dims {
            let parts = argument.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Int(parts[1]), value >= 0 else { throw ValidationError("--dim takes name=size, got '\(argument)'") }
            sizes[String(parts[0])] = value
        }
        var optimizations = GraphOptimizations.all
        for name in disabled {
            let named: [String: GraphOptimizations] = ["identities": .eliminateIdentities, "batchnorm": .foldBatchNormalization,
                                                       "activations": .fuseActivations, "residuals": .fuseResiduals,
                                                       "buffers": .reuseBuffers, "inplace": .inPlace,
                                                       "packing": .prepackWeights, "plugin-rewrites": .backendRewrites, "all": .all]
            guard let rewrite = named[name] else { throw ValidationError("--disable takes identities, batchnorm, activations, residuals, buffers, inplace, packing, plugin-rewrites or all, got '\(name)'") }
            optimizations.subtract(rewrite)
        }
        let loadStart = monotonicSeconds()
        let graph = try ONNXModel(path: model).graph()
        let order = try backends.map { try knownBackends($0) }
        let session = try Session(graph: graph, options: Session.Options(threads: threads, backendOrder: order, profile: profile || profileNodes,
                                                                         optimizations: optimizations))
        let loadMilliseconds = (monotonicSeconds() - loadStart) * 1000
        var feeds: [String: Tensor] = [:]
        for input in session.inputs where graph.initializers[input.name] == nil {
            feeds[input.name] = try randomTensor(input, sizes: sizes)
        }
        for _ in 0..<warmup { _ = try session.run(feeds) }
        session.profile?.reset()  // the profiles and memory statistics cover the timed runs only
        let warmedUp = session.memoryStatistics
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = monotonicSeconds()
            _ = try session.run(feeds)
            times.append((monotonicSeconds() - start) * 1000)
        }
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        let report: JSON = .object([("model", .string(model)), ("load_ms", .number(loadMilliseconds)), ("median_ms", .number(median)),
                                    ("min_ms", .number(times[0])), ("repeats", .number(Double(repeats))),
                                    ("threads", .number(Double(threads))), ("peak_rss_mb", .number(peakResidentMegabytes())),
                                    // Per timed run: outputs in the session's arena, and those written in place.
                                    ("reused_buffers", .number(Double(session.memoryStatistics.reusedBuffers - warmedUp.reusedBuffers) / Double(repeats))),
                                    ("in_place_outputs", .number(Double(session.memoryStatistics.inPlaceOutputs - warmedUp.inPlaceOutputs) / Double(repeats)))])
        print(report.serialized)
        // The profiles go to stderr, so stdout stays one JSON line.
        guard let sessionProfile = session.profile else { return }
        let runs = repeats
        if profile {
            let entries = sessionProfile.entries, total = entries.reduce(0) { $0 + $1.seconds }
            printTable(header: ["op", "nodes"], rows: entries.map { ([$0.op, String($0.calls / runs)], $0.seconds) }, runs: runs,
                       total: total)
        }
        if profileNodes {
            let entries = sessionProfile.nodeEntries, total = entries.reduce(0) { $0 + $1.seconds }
            printTable(header: ["node", "op"], rows: entries.map { ([$0.node, $0.op], $0.seconds) }, runs: runs, total: total)
        }
    }

    /// Writes a profile table to stderr: the given leading columns, then milliseconds per run and
    /// the share of `total`.
    func printTable(header: [String], rows: [([String], Double)], runs: Int, total: Double) {
        let lines = rows.map { columns, seconds in
            columns + [formatted(seconds * 1000 / Double(runs), 3), formatted(100 * seconds / max(total, 1e-12), 1)]
        }
        let text = tableLines(header: header + ["ms/run", "%"], rows: lines).joined(separator: "\n") + "\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }

    /// Standard normal floats, zero integers and false booleans, with symbolic dims from --dim (else 1).
    func randomTensor(_ info: Graph.ValueInfo, sizes: [String: Int]) throws -> Tensor {
        guard let dtype = info.dtype else { throw PlexusError.invalid("input '\(info.name)' has no declared dtype") }
        let shape = (info.shape ?? []).map { dimension -> Int in
            switch dimension {
            case .fixed(let value): return value
            case .symbolic(let name): return sizes[name] ?? 1
            case .unknown: return 1
            }
        }
        let tensor = try Tensor(dtype: dtype, shape: shape, zeroed: true)
        switch dtype {
        case .float32:
            let p = tensor.data.assumingMemoryBound(to: Float.self)
            for i in 0..<tensor.count { p[i] = Float(RandomSource.normal()) }
        case .float64:
            let p = tensor.data.assumingMemoryBound(to: Double.self)
            for i in 0..<tensor.count { p[i] = RandomSource.normal() }
        case .float16:
            let p = tensor.data.assumingMemoryBound(to: Float16.self)
            for i in 0..<tensor.count { p[i] = Float16(RandomSource.normal()) }
        case .string:
            throw PlexusError(.unsupported, "input '\(info.name)' is a string tensor, which bench cannot make up")
        default:
            break  // integers, bool and narrow types stay zero
        }
        return tensor
    }
}

/// The process's peak resident set size (VmHWM in /proc/self/status) in MiB, 0 if unreadable.
func peakResidentMegabytes() -> Double {
    guard let bytes = try? FileIO.read("/proc/self/status") else { return 0 }
    let text = String(decoding: bytes, as: UTF8.self)
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kilobytes / 1024
}
