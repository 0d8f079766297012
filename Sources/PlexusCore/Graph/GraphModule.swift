/// A module that runs an imported graph with ordinary op calls, so autograd records them and
/// the graph can be fine-tuned: its floating-point initializers become parameters when
/// `trainable` selects them by name, and frozen buffers otherwise. Member names are the
/// initializer names with "." replaced by "_" (module names cannot contain dots).
public final class GraphModule: Module {
    private let plan: SessionPlan
    private let inputNames: [String]
    private let outputNames: [String]
    private let values: [String: Tensor]

    /// Builds the module from `graph`; `trainable` picks parameters by initializer name
    /// (default: every floating-point initializer).
    public init(graph: Graph, trainable: (String) -> Bool = { _ in true }) throws {
        plan = try withoutGradients { try SessionPlan(graph, fold: false) }
        let initialized = Set(graph.initializers.keys)
        inputNames = graph.inputs.map(\.name).filter { !initialized.contains($0) }
        outputNames = graph.outputs.map(\.name)
        var values: [String: Tensor] = [:]
        for (name, tensor) in graph.initializers { values[name] = try tensor.copied() }
        self.values = values
        super.init()
        for name in values.keys.sorted() {
            let tensor = values[name]!
            let member = String(name.map { $0 == "." ? "_" : $0 })
            if tensor.dtype.isFloatingPoint && trainable(name) {
                try register(parameter: tensor, named: member)
            } else {
                try register(buffer: tensor, named: member)
            }
        }
    }

    /// Runs the graph on its inputs (in declaration order), recording autograd.
    public override func forward(_ inputs: [Tensor]) throws -> [Tensor] {
        guard inputs.count == inputNames.count else {
            throw PlexusError.invalid("the graph takes \(inputNames.count) inputs (\(inputNames.joined(separator: ", "))), got \(inputs.count)")
        }
        var live = values
        for (name, tensor) in zip(inputNames, inputs) { live[name] = tensor }
        for (index, node) in plan.steps.enumerated() {
            let arguments = try node.inputs.map { name -> Tensor? in
                guard !name.isEmpty else { return nil }
                guard let value = live[name] else { throw PlexusError(.internal, "value '\(name)' is missing at \(node.label)") }
                return value
            }
            let results = try OpRegistry.shared.call(node.op, arguments, attributes: node.attributes, outputCount: node.outputs.count)
            for (name, value) in zip(node.outputs, results) where !name.isEmpty { live[name] = value }
            for name in plan.releases[index] { live.removeValue(forKey: name) }
        }
        return try outputNames.map { name in
            guard let value = live[name] else { throw PlexusError(.internal, "output '\(name)' was not computed") }
            return value
        }
    }
}
