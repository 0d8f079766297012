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
        /// Names of the graph outputs (default output_0, …).
        public var outputNames: [String]?
        /// Symbolic dims: value name → (axis → dim name), e.g. ["input_0": [0: "batch"]].
        public var dynamicAxes: [String: [Int: String]] = [:]

        public init(opset: Int = 17, inputNames: [String]? = nil, outputNames: [String]? = nil,
                    dynamicAxes: [String: [Int: String]] = [:]) {
            self.opset = opset
            self.inputNames = inputNames
            self.outputNames = outputNames
            self.dynamicAxes = dynamicAxes
        }
    }

    /// The traced graph of `module` (in evaluation mode) on `inputs`, in the target opset's forms.
    public static func graph(_ module: Module, inputs: [Tensor], options: Options = Options()) throws -> Graph {
        guard (13...ExportAdapters.newestOpset).contains(options.opset) else {
            throw PlexusError(.unsupported, "export supports opsets 13 to \(ExportAdapters.newestOpset), not \(options.opset)")
        }
        let names = options.inputNames ?? inputs.indices.map { "input_\($0)" }
        guard names.count == inputs.count, Set(names).count == names.count else {
            throw PlexusError.invalid("give one distinct name per input (\(inputs.count) inputs, names \(names))")
        }
        let tracer = Tracer { schema in ExportAdapters.needsDecomposition(schema, opset: options.opset) }
        for (name, tensor) in module.stateDict() { tracer.name(tensor, name) }
        let wasTraining = module.isTraining
        module.eval()
        defer { module.train(wasTraining) }
        var graph = try tracer.trace(inputs: Array(zip(names, inputs)), outputNames: options.outputNames) { try module.forward(inputs) }
        graph = try ExportAdapters.downgrade(graph, to: options.opset)
        for index in graph.inputs.indices { graph.inputs[index] = apply(options.dynamicAxes, to: graph.inputs[index]) }
        for index in graph.outputs.indices { graph.outputs[index] = apply(options.dynamicAxes, to: graph.outputs[index]) }
        return graph
    }

    private static func apply(_ axes: [String: [Int: String]], to info: Graph.ValueInfo) -> Graph.ValueInfo {
        guard let dims = axes[info.name], var shape = info.shape else { return info }
        for (axis, name) in dims where axis >= 0 && axis < shape.count { shape[axis] = .symbolic(name) }
        var result = info
        result.shape = shape
        return result
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
