/// The schedule of a session: nodes in dependency order, each value's last use (so its buffer
/// can be dropped), and the values that are constant after folding.
struct SessionPlan {
    /// Nodes left to run per call, in order.
    var steps: [Graph.Node]
    /// For each step, the value names whose last use it is (dropped after it runs).
    var releases: [[String]]
    /// Values known before any run: initializers and folded constants.
    var constants: [String: Tensor]

    /// Orders `graph`'s nodes topologically (reporting cycles and undefined inputs), folds
    /// nodes whose inputs are all constant, and computes last uses.
    init(_ graph: Graph, fold: Bool) throws {
        let fed = Set(graph.inputs.map(\.name))
        var available = fed.union(graph.initializers.keys)
        var producers: [String: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                if producers[output] != nil || fed.contains(output) {
                    throw PlexusError.invalid("value '\(output)' is produced more than once (node \(node.label))")
                }
                producers[output] = index
            }
        }
        // Kahn's algorithm: a node is ready when all its inputs are available.
        var waiting = graph.nodes.indices.map { index in
            Set(graph.nodes[index].inputs.filter { !$0.isEmpty && !available.contains($0) })
        }
        var consumers: [String: [Int]] = [:]
        for (index, missing) in waiting.enumerated() {
            for name in missing {
                guard producers[name] != nil else {
                    throw PlexusError.invalid("node \(graph.nodes[index].label) reads '\(name)', which no input, initializer or node provides")
                }
                consumers[name, default: []].append(index)
            }
        }
        var ready = waiting.indices.filter { waiting[$0].isEmpty }
        var order: [Int] = []
        while let index = ready.popLast() {
            order.append(index)
            for output in graph.nodes[index].outputs where !output.isEmpty {
                available.insert(output)
                for consumer in consumers[output] ?? [] {
                    waiting[consumer].remove(output)
                    if waiting[consumer].isEmpty { ready.append(consumer) }
                }
            }
        }
        guard order.count == graph.nodes.count else {
            let stuck = graph.nodes.indices.filter { !order.contains($0) }.prefix(3).map { graph.nodes[$0].label }
            throw PlexusError.invalid("the graph has a cycle (it involves \(stuck.joined(separator: ", ")))")
        }
        for output in graph.outputs where !available.contains(output.name) {
            throw PlexusError.invalid("graph output '\(output.name)' is never produced")
        }
        var constants = graph.initializers
        for name in fed { constants.removeValue(forKey: name) }  // a fed input overrides its initializer
        var steps: [Graph.Node] = []
        for index in order {
            let node = graph.nodes[index]
            if fold, SessionPlan.isFoldable(node), node.inputs.allSatisfy({ $0.isEmpty || constants[$0] != nil }) {
                let results = try withoutGradients {
                    try OpRegistry.shared.call(node.op, node.inputs.map { $0.isEmpty ? nil : constants[$0] },
                                               attributes: node.attributes, outputCount: node.outputs.count)
                }
                for (name, value) in zip(node.outputs, results) where !name.isEmpty { constants[name] = value }
            } else {
                steps.append(node)
            }
        }
        self.steps = steps
        self.constants = constants
        // Last uses: a value produced or fed per run can go after the last step that reads it.
        let kept = Set(graph.outputs.map(\.name))
        var lastUse: [String: Int] = [:]
        for (index, node) in steps.enumerated() {
            for input in node.inputs where !input.isEmpty && constants[input] == nil { lastUse[input] = index }
        }
        var releases = [[String]](repeating: [], count: steps.count)
        for (name, index) in lastUse where !kept.contains(name) { releases[index].append(name) }
        self.releases = releases
    }

    /// Ops whose CPU kernels compute each output element from the same-index elements of their
    /// inputs (reading them before writing it), with output 0 of an input's dtype: they may write
    /// into an input of the output's size. Which inputs: both for Add, Sub, Mul and Div (whose
    /// inputs share the output's dtype, so equal sizes mean equal layouts), the first for the
    /// others (Pow's exponent may be another dtype; Clip's bounds are parameters).
    static let inPlaceOps: [String: [Int]] = {
        var ops: [String: [Int]] = [:]
        for name in ["Add", "Sub", "Mul", "Div"] { ops[name] = [0, 1] }
        for name in ["Pow", "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Neg", "Abs", "Sqrt", "Reciprocal", "Erf", "Gelu", "LeakyRelu",
                     "Elu", "Selu", "Softplus", "HardSigmoid", "HardSwish", "Clip", "Floor", "Ceil", "Round", "Sin", "Cos"] {
            ops[name] = [0]
        }
        return ops
    }()

    /// Per step, the inputs an in-place op may overwrite: values (not constants) whose last use
    /// is that step and which it reads once.
    func inPlaceCandidates() -> [[String]] {
        steps.enumerated().map { index, node in
            guard node.op.domain.isEmpty, let positions = SessionPlan.inPlaceOps[node.op.name] else { return [] }
            return positions.compactMap { position -> String? in
                guard position < node.inputs.count else { return nil }
                let name = node.inputs[position]
                guard !name.isEmpty, constants[name] == nil, releases[index].contains(name),
                      node.inputs.filter({ $0 == name }).count == 1 else { return nil }
                return name
            }
        }
    }

    /// Random and stateful ops must run on every call even when their inputs are constant.
    static func isFoldable(_ node: Graph.Node) -> Bool {
        !node.op.name.hasPrefix("Random") && !["Dropout", "Bernoulli", "Multinomial"].contains(node.op.name)
    }
}
