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
        var live = plan.constants
        for (name, tensor) in values { live[plan.indices[name]!] = tensor }
        for (name, tensor) in zip(inputNames, inputs) { live[plan.indices[name]!] = tensor }
        for step in plan.steps {
            let results = try step.op.call(try plan.arguments(of: step, in: live))
            for (index, value) in zip(step.outputs, results) where index >= 0 { live[index] = value }
            for index in step.releases { live[index] = nil }
        }
        return try outputNames.map { name in
            guard let value = live[plan.indices[name]!] else { throw PlexusError(.internal, "output '\(name)' was not computed") }
            return value
        }
    }
}
