import FoundationEssentials
import PlexusCore
import SwiftProtobuf

/// Export of a module to ONNX by tracing its forward on example inputs: every op call becomes
/// a node, parameters and buffers become initializers named by their state-dict names.
/// Ops newer than the target opset are exported through their decompositions; node forms
/// that changed across opsets are written in the target opset's form (`ExportAdapters`).
public enum ONNXExport {
    /// Export settings.
    public struct Options: Sendable {
        /// The ai.onnx opset to write (13 or newer).
        public var opset = 17
        /// Names of the graph inputs (default input_0, input_1, …).
        public var inputNames: [String]?
        /// Names of the graph outputs (default output_0, …); one per output when given.
        public var outputNames: [String]?
        /// Symbolic dims: value name → (axis → dim name), e.g. ["input_0": [0: "batch"]].
        public var dynamicAxes: [String: [Int: String]] = [:]
        /// Makes dim 0 of every graph input and output symbolic, named by `batchNames` (value
        /// name → dim name) or "batch".
        public var dynamicBatch = false
        /// Names of the symbolic batch dims by value name (see `dynamicBatch`).
        public var batchNames: [String: String] = [:]

        public init(opset: Int = 17, inputNames: [String]? = nil, outputNames: [String]? = nil,
                    dynamicAxes: [String: [Int: String]] = [:], dynamicBatch: Bool = false, batchNames: [String: String] = [:]) {
            self.opset = opset
            self.inputNames = inputNames
            self.outputNames = outputNames
            self.dynamicAxes = dynamicAxes
            self.dynamicBatch = dynamicBatch
            self.batchNames = batchNames
        }
    }

    /// An export being recorded: while it runs, the op calls made on the thread that began it
    /// (directly or in any module's forward) become the graph's nodes. `ONNXExport.graph`
    /// traces a module's forward this way; the C ABI's `plx_onnx_trace_*` let a caller (the
    /// Python bindings) run its own forward in between.
    public final class Trace {
        /// The settings the trace was begun with.
        public let options: Options
        private let tracer: Tracer

        /// Begins recording on this thread with `inputs` as the graph inputs. Throws for an
        /// opset export does not write, input names that do not match the inputs, or a trace
        /// already running on this thread.
        public init(inputs: [Tensor], options: Options) throws {
            guard (13...ExportAdapters.newestOpset).contains(options.opset) else {
                throw PlexusError(.unsupported, "export supports opsets 13 to \(ExportAdapters.newestOpset), not \(options.opset)")
            }
            let names = options.inputNames ?? inputs.indices.map { "input_\($0)" }
            guard names.count == inputs.count, Set(names).count == names.count else {
                throw PlexusError.invalid("\(names.count) input names for \(inputs.count) inputs: give one distinct name per input (\(names))")
            }
            if let outputNames = options.outputNames, Set(outputNames).count != outputNames.count {
                throw PlexusError.invalid("output names must be distinct (\(outputNames))")
            }
            self.options = options
            tracer = Tracer { schema in ExportAdapters.needsDecomposition(schema, opset: options.opset) }
            try tracer.start(inputs: Array(zip(names, inputs)))
        }

        /// Names `tensor` in the graph: a parameter or buffer by its state-dict name, written as
        /// an initializer when the traced computation reads it.
        public func name(_ tensor: Tensor, _ name: String) { tracer.name(tensor, name) }

        /// Stops recording without making a graph (after a failed forward); idempotent.
        public func cancel() throws { try tracer.stop() }

        /// Stops recording and returns the graph to `outputs`, in the target opset's forms.
        public func finish(outputs: [Tensor]) throws -> Graph {
            try tracer.stop()
            if let outputNames = options.outputNames, outputNames.count != outputs.count {
                throw PlexusError.invalid("\(outputNames.count) output names for \(outputs.count) outputs")
            }
            var graph = try tracer.graph(outputs: outputs, outputNames: options.outputNames)
            graph = try ExportAdapters.downgrade(graph, to: options.opset)
            for index in graph.inputs.indices { graph.inputs[index] = symbolic(graph.inputs[index]) }
            for index in graph.outputs.indices { graph.outputs[index] = symbolic(graph.outputs[index]) }
            return graph
        }

        /// The serialized ONNX model of `finish(outputs:)`.
        public func finishModel(outputs: [Tensor], version: String) throws -> [UInt8] {
            let proto = try ModelEncoding.model(try finish(outputs: outputs), opset: options.opset, producerVersion: version)
            return try proto.serializedBytes()
        }

        private func symbolic(_ info: Graph.ValueInfo) -> Graph.ValueInfo {
            guard var shape = info.shape else { return info }
            var axes = options.dynamicAxes[info.name] ?? [:]
            if options.dynamicBatch { axes[0] = options.batchNames[info.name] ?? "batch" }
            for (axis, name) in axes where axis >= 0 && axis < shape.count { shape[axis] = .symbolic(name) }
            var result = info
            result.shape = shape
            return result
        }
    }

    /// The traced graph of `module` (in evaluation mode) on `inputs`, in the target opset's forms.
    public static func graph(_ module: Module, inputs: [Tensor], options: Options = Options()) throws -> Graph {
        let trace = try Trace(inputs: inputs, options: options)
        for (name, tensor) in module.stateDict() { trace.name(tensor, name) }
        let wasTraining = module.isTraining
        module.eval()
        defer { module.train(wasTraining) }
        let outputs: [Tensor]
        do {
            outputs = try module.forward(inputs)
        } catch {
            try? trace.cancel()
            throw error
        }
        return try trace.finish(outputs: outputs)
    }

    /// The serialized ONNX model of `module` traced on `inputs`.
    public static func modelBytes(_ module: Module, inputs: [Tensor], options: Options = Options(), version: String) throws -> [UInt8] {
        let proto = try ModelEncoding.model(try graph(module, inputs: inputs, options: options), opset: options.opset, producerVersion: version)
        return try proto.serializedBytes()
    }

    /// Writes the ONNX model of `module` traced on `inputs` to `path`.
    public static func write(_ module: Module, inputs: [Tensor], to path: String, options: Options = Options(), version: String) throws {
        try FileIO.write(try modelBytes(module, inputs: inputs, options: options, version: version), to: path)
    }
}
