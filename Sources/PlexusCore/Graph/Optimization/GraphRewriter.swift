/// A graph being rewritten: nodes can be removed or replaced and value names redirected, with
/// the questions rewrites ask (who reads a value, is it constant, is it a graph output).
struct GraphRewriter {
    private(set) var graph: Graph
    /// Indices of removed nodes (dropped in `result()`).
    private var removed = Set<Int>()
    /// Indexes that keep every question linear in the graph's size (a rewrite asks them once per
    /// node): the node producing each value, the nodes that have read each value (entries go
    /// stale when a node is removed or rewritten and are checked when asked), the graph's input
    /// and output names, and every name in use.
    private var producers: [String: Int] = [:]
    private var readerIndex: [String: [Int]] = [:]
    private let inputNames: Set<String>
    private let outputNames: Set<String>
    private var takenNames: Set<String>

    init(_ graph: Graph) {
        self.graph = graph
        inputNames = Set(graph.inputs.map(\.name))
        outputNames = Set(graph.outputs.map(\.name))
        takenNames = inputNames.union(outputNames).union(graph.initializers.keys)
        for position in graph.nodes.indices { index(node: position) }
    }

    private mutating func index(node position: Int) {
        let node = graph.nodes[position]
        for output in node.outputs where !output.isEmpty {
            producers[output] = position
            takenNames.insert(output)
        }
        for input in Set(node.inputs) where !input.isEmpty {
            readerIndex[input, default: []].append(position)
            takenNames.insert(input)
        }
    }

    var nodes: [Graph.Node] { graph.nodes }

    func isRemoved(_ index: Int) -> Bool { removed.contains(index) }

    /// Indices of the live nodes reading `value`, in graph order.
    func readers(of value: String) -> [Int] {
        Set(readerIndex[value] ?? []).filter { !removed.contains($0) && graph.nodes[$0].inputs.contains(value) }.sorted()
    }

    /// The live node producing `value`.
    func producer(of value: String) -> Int? {
        guard let index = producers[value], !removed.contains(index), graph.nodes[index].outputs.contains(value) else { return nil }
        return index
    }

    func isGraphOutput(_ value: String) -> Bool { outputNames.contains(value) }

    /// A constant: an initializer the caller cannot override by feeding an input of its name.
    func constant(_ value: String) -> Tensor? {
        guard !value.isEmpty, !inputNames.contains(value) else { return nil }
        return graph.initializers[value]
    }

    /// True when `value` flows only into node `reader`: no other node and no graph output reads it.
    func isPrivate(_ value: String, to reader: Int) -> Bool {
        !isGraphOutput(value) && readers(of: value) == [reader]
    }

    mutating func remove(_ index: Int) { removed.insert(index) }

    mutating func replace(_ position: Int, with node: Graph.Node) {
        graph.nodes[position] = node
        index(node: position)
    }

    /// Makes every live node read `replacement` where it read `value`.
    mutating func redirect(_ value: String, to replacement: String) {
        for index in readers(of: value) {
            graph.nodes[index].inputs = graph.nodes[index].inputs.map { $0 == value ? replacement : $0 }
            readerIndex[replacement, default: []].append(index)
        }
        takenNames.insert(replacement)
    }

    /// Adds a constant under a name no value of the graph uses yet, and returns the name.
    mutating func addConstant(_ tensor: Tensor, suggestedName: String) -> String {
        var name = suggestedName, suffix = 1
        while takenNames.contains(name) || graph.initializers[name] != nil {
            suffix += 1
            name = "\(suggestedName)_\(suffix)"
        }
        graph.initializers[name] = tensor
        takenNames.insert(name)
        return name
    }

    /// Adds a node and returns its index (nodes are in any order: sessions sort them).
    mutating func add(_ node: Graph.Node) -> Int {
        graph.nodes.append(node)
        index(node: graph.nodes.count - 1)
        return graph.nodes.count - 1
    }

    /// The rewritten graph; initializers that no node, graph input or output uses are dropped.
    func result() -> Graph {
        var result = graph
        result.nodes = graph.nodes.indices.filter { !removed.contains($0) }.map { graph.nodes[$0] }
        let used = Set(result.nodes.flatMap(\.inputs) + graph.inputs.map(\.name) + graph.outputs.map(\.name))
        result.initializers = graph.initializers.filter { used.contains($0.key) }
        return result
    }
}
