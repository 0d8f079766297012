/// The schedule of a graph, made once: nodes in dependency order with constant subgraphs folded,
/// every value given an index into a run's value table, each node's operator prepared (looked
/// up, attributes validated) and each value's last use known, so a run walks arrays and never
/// looks anything up by name.
struct SessionPlan {
    /// One node to run per call (a class: a run reads steps by reference, without copying).
    final class Step: Sendable {
        /// The node, for messages and profiles.
        let node: Graph.Node
        /// Its operator, prepared for this node's arity and attributes.
        let op: PreparedOp
        /// Value indices of the inputs (-1 for an omitted optional input) and outputs (-1 for an
        /// output the node does not name).
        let inputs: [Int]
        let outputs: [Int]
        /// Values whose last use is this step (dropped after it runs).
        let releases: [Int]

        init(node: Graph.Node, op: PreparedOp, inputs: [Int], outputs: [Int], releases: [Int]) {
            self.node = node
            self.op = op
            self.inputs = inputs
            self.outputs = outputs
            self.releases = releases
        }
    }

    /// Steps in run order.
    let steps: [Step]
    /// Value names by index, and indices by name.
    let names: [String]
    let indices: [String: Int]
    /// A value table with the constants (initializers and folded values) filled in.
    let constants: [Tensor?]
    /// Values a completed run leaves in its table (fed inputs no step reads, graph outputs):
    /// every other non-constant is released by the step of its last use.
    let unreleased: [Int]

    /// Orders `graph`'s nodes topologically (reporting cycles and undefined inputs), folds nodes
    /// whose inputs are all constant (when `fold`), prepares each node's op and computes last
    /// uses. Values named in `kept` (the outputs) are never released.
    init(_ graph: Graph, fold: Bool) throws {
        let order = try SessionPlan.topologicalOrder(graph)
        let fed = Set(graph.inputs.map(\.name))
        var constants = graph.initializers
        for name in fed { constants.removeValue(forKey: name) }  // a fed input overrides its initializer
        var nodes: [Graph.Node] = []
        for index in order {
            let node = graph.nodes[index]
            if fold, SessionPlan.isFoldable(node), node.inputs.allSatisfy({ $0.isEmpty || constants[$0] != nil }) {
                let results = try withoutGradients {
                    try OpRegistry.shared.call(node.op, node.inputs.map { $0.isEmpty ? nil : constants[$0] },
                                               attributes: node.attributes, outputCount: node.outputs.count)
                }
                for (name, value) in zip(node.outputs, results) where !name.isEmpty { constants[name] = value }
            } else {
                nodes.append(node)
            }
        }
        // Indices: fed inputs, then constants, then values the steps produce.
        var names: [String] = []
        var indices: [String: Int] = [:]
        func index(_ name: String) -> Int {
            if let known = indices[name] { return known }
            indices[name] = names.count
            names.append(name)
            return names.count - 1
        }
        for info in graph.inputs { _ = index(info.name) }
        for name in constants.keys.sorted() { _ = index(name) }
        for node in nodes { for name in node.inputs + node.outputs where !name.isEmpty { _ = index(name) } }
        for output in graph.outputs { _ = index(output.name) }
        var table = [Tensor?](repeating: nil, count: names.count)
        for (name, tensor) in constants { table[indices[name]!] = tensor }
        // Last uses: a value produced or fed per run goes after the last step that reads it, or
        // right after the step that makes it when nothing reads it.
        let kept = Set(graph.outputs.map { indices[$0.name]! })
        var lastUse: [Int: Int] = [:]
        for (position, node) in nodes.enumerated() {
            for name in node.outputs where !name.isEmpty { lastUse[indices[name]!] = position }
            for name in node.inputs where !name.isEmpty && constants[name] == nil { lastUse[indices[name]!] = position }
        }
        var releases = [[Int]](repeating: [], count: nodes.count)
        for (value, position) in lastUse where !kept.contains(value) { releases[position].append(value) }
        steps = try nodes.enumerated().map { position, node in
            let op: PreparedOp
            do {
                op = try PreparedOp(node.op, inputCount: node.inputs.count, attributes: node.attributes, outputCount: node.outputs.count)
            } catch let error as PlexusError {
                throw PlexusError(error.code, "node \(node.label): \(error.message)")
            }
            return Step(node: node, op: op, inputs: node.inputs.map { $0.isEmpty ? -1 : indices[$0]! },
                        outputs: node.outputs.map { $0.isEmpty ? -1 : indices[$0]! }, releases: releases[position].sorted())
        }
        self.names = names
        self.indices = indices
        self.constants = table
        let released = Set(releases.joined())
        unreleased = table.indices.filter { table[$0] == nil && !released.contains($0) }
    }

    /// The node indices of `graph` in an order where every node comes after the nodes it reads
    /// from. Throws for a value produced twice, an input nothing provides, a cycle and an output
    /// never produced.
    private static func topologicalOrder(_ graph: Graph) throws -> [Int] {
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
            let placed = Set(order)
            let stuck = graph.nodes.indices.filter { !placed.contains($0) }.prefix(3).map { graph.nodes[$0].label }
            throw PlexusError.invalid("the graph has a cycle (it involves \(stuck.joined(separator: ", ")))")
        }
        for output in graph.outputs where !available.contains(output.name) {
            throw PlexusError.invalid("graph output '\(output.name)' is never produced")
        }
        return order
    }

    /// Ops whose schema says equal inputs may give other outputs (random ops, Dropout) run on
    /// every call even when their inputs are constant.
    static func isFoldable(_ node: Graph.Node) -> Bool {
        OpRegistry.shared.schema(node.op)?.isDeterministic ?? false
    }

    /// The inputs of `step` read from `values`; an internal error names a value that is missing.
    func arguments(of step: Step, in values: [Tensor?]) throws -> [Tensor?] {
        try step.inputs.map { index -> Tensor? in
            guard index >= 0 else { return nil }
            guard let value = values[index] else { throw PlexusError(.internal, "value '\(names[index])' is missing at \(step.node.label)") }
            return value
        }
    }
}
