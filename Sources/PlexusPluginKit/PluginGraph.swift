#if canImport(Glibc)
import Glibc
#endif
import CPlexus

/// The graph a plugin rewrite is given (the host's `plx_graph` and its `graph_*` functions), with
/// the questions rewrites ask: who writes and who reads a value, is it constant, is it a graph
/// output. Node numbers stay valid during the rewrite: removed nodes keep theirs (`node` answers
/// nil) and added nodes take new ones. Valid only while the rewrite runs.
public struct PluginGraph {
    let raw: OpaquePointer?

    /// One node as read from the graph, or one to put into it.
    public struct Node {
        /// Operator domain ("" for ai.onnx).
        public var domain: String
        /// Operator name.
        public var op: String
        /// Node name ("" when unnamed).
        public var name: String
        /// Value names read ("" for an omitted optional input).
        public var inputs: [String]
        /// Value names written.
        public var outputs: [String]
        /// The attributes.
        public var attributes: NodeAttributes

        /// A node of `op` with the given values and attributes.
        public init(op: String, domain: String = "", name: String = "", inputs: [String], outputs: [String],
                    attributes: NodeAttributes = NodeAttributes()) {
            self.domain = domain
            self.op = op
            self.name = name
            self.inputs = inputs
            self.outputs = outputs
            self.attributes = attributes
        }

        /// Whether this is `op` of `domain` ("" for ai.onnx).
        public func `is`(_ op: String, domain: String = "") -> Bool { self.op == op && self.domain == domain }
    }

    /// The number of node numbers in use (removed ones included).
    public var nodeCount: Int { Host.api.pointee.graph_node_count(raw) }

    /// Node `index`, nil when it was removed.
    public func node(_ index: Int) -> Node? {
        let api = Host.api.pointee
        var domain: UnsafePointer<CChar>?, op: UnsafePointer<CChar>?, name: UnsafePointer<CChar>?
        var inputCount = 0, outputCount = 0
        guard api.graph_node(raw, index, &domain, &op, &name, &inputCount, &outputCount) == 0 else { return nil }
        return Node(op: String(cString: op!), domain: String(cString: domain!), name: String(cString: name!),
                    inputs: (0..<inputCount).map { String(cString: api.graph_node_input(raw, index, $0)!) },
                    outputs: (0..<outputCount).map { String(cString: api.graph_node_output(raw, index, $0)!) },
                    attributes: NodeAttributes(borrowed: api.graph_node_attrs(raw, index)))
    }

    /// The live node writing `value`, if any.
    public func producer(of value: String) -> Int? {
        let index = Host.api.pointee.graph_producer(raw, value)
        return index < 0 ? nil : Int(index)
    }

    /// The live nodes reading `value`, in node order.
    public func readers(of value: String) -> [Int] {
        (0..<Host.api.pointee.graph_reader_count(raw, value)).map { Int(Host.api.pointee.graph_reader(raw, value, $0)) }
    }

    /// Whether `value` is an output of the graph.
    public func isGraphOutput(_ value: String) -> Bool { Host.api.pointee.graph_is_output(raw, value) != 0 }

    /// True when `value` flows only into node `reader`: no other node and no graph output reads it.
    public func isPrivate(_ value: String, to reader: Int) -> Bool {
        !isGraphOutput(value) && readers(of: value) == [reader]
    }

    /// The constant `value` (an initializer a caller cannot override by feeding it), borrowed.
    public func constant(_ value: String) -> KernelTensor? {
        guard !value.isEmpty else { return nil }
        return Host.api.pointee.graph_constant(raw, value).map(KernelTensor.init(handle:))
    }

    /// Replaces node `index` by `node`.
    public func replace(_ index: Int, with node: Node) throws {
        try withDefinition(node) { try check(Host.api.pointee.graph_replace_node(raw, index, $0), "replacing node \(index)") }
    }

    /// Adds `node` and returns its number.
    @discardableResult
    public func add(_ node: Node) throws -> Int {
        var index = 0
        try withDefinition(node) { try check(Host.api.pointee.graph_add_node(raw, $0, &index), "adding a \(node.op) node") }
        return index
    }

    /// Removes node `index` (its readers must be rewired by the rewrite).
    public func remove(_ index: Int) throws {
        try check(Host.api.pointee.graph_remove_node(raw, index), "removing node \(index)")
    }

    /// Adds `tensor` as a constant under a name no value uses yet (`suggestedName`, or it with a
    /// suffix), and returns that name.
    public func addConstant(_ tensor: KernelTensor, suggestedName: String) throws -> String {
        var name: UnsafePointer<CChar>?
        try check(Host.api.pointee.graph_add_constant(raw, suggestedName, tensor.handle, &name), "adding constant \(suggestedName)")
        return String(cString: name!)
    }

    /// The name of constant `value` transformed by op `op` of `domain` (a packing op, run once
    /// here), added as a new constant `value` + `suffix` the first time and found in `done`
    /// after that, so a constant several nodes read is transformed once.
    public func transformedConstant(_ value: String, _ tensor: KernelTensor, by op: String, domain: String, suffix: String,
                                    done: inout [String: String]) throws -> String {
        if let known = done[value] { return known }
        let result = try Host.call(op, domain: domain, [tensor])
        let name = try withExtendedLifetime(result) { try addConstant(result[0].view, suggestedName: value + suffix) }
        done[value] = name
        return name
    }

    private func check(_ status: Int32, _ what: String) throws {
        guard status == 0 else {
            let reason = Host.api.pointee.last_error().map { String(cString: $0) } ?? "(no message)"
            throw PlexusError(StatusCode(rawValue: status) ?? .internal, "\(what): \(reason)")
        }
    }

    /// Runs `body` with `node` as a C `plx_graph_node` (strings valid during the call).
    private func withDefinition(_ node: Node, _ body: (UnsafePointer<plx_graph_node>) throws -> Void) throws {
        let inputs = node.inputs.map { strdup($0) }, outputs = node.outputs.map { strdup($0) }
        defer { (inputs + outputs).forEach { free($0) } }
        let inputPointers = inputs.map { UnsafePointer($0) }, outputPointers = outputs.map { UnsafePointer($0) }
        try inputPointers.withUnsafeBufferPointer { inputList in
            try outputPointers.withUnsafeBufferPointer { outputList in
                try node.domain.withCString { domain in
                    try node.op.withCString { op in
                        try node.name.withCString { name in
                            var definition = plx_graph_node()
                            definition.struct_size = UInt32(MemoryLayout<plx_graph_node>.size)
                            definition.domain = domain
                            definition.op = op
                            definition.name = name
                            definition.inputs = inputList.baseAddress
                            definition.n_inputs = inputList.count
                            definition.outputs = outputList.baseAddress
                            definition.n_outputs = outputList.count
                            definition.attrs = node.attributes.handle
                            try withExtendedLifetime(node.attributes) { try body(&definition) }
                        }
                    }
                }
            }
        }
    }
}

/// A node's attribute set in a rewrite: read from the graph (borrowed), or a copy a rewrite
/// changes to build a new node (owned; released when the last copy goes).
public final class NodeAttributes {
    let handle: OpaquePointer?
    private let owned: Bool

    init(borrowed handle: OpaquePointer?) {
        self.handle = handle
        owned = false
    }

    /// No attributes.
    public convenience init() { self.init(borrowed: nil) }

    private init(owning handle: OpaquePointer?) {
        self.handle = handle
        owned = true
    }

    deinit { if owned { Host.api.pointee.attrs_release(handle) } }

    /// Reads the attributes.
    public var reader: AttributeReader { AttributeReader(handle: handle) }

    /// A new set with these attributes and `changes` set (replacing same-named ones).
    public func with(_ changes: [(String, AttributeValue)]) throws -> NodeAttributes {
        var copy: OpaquePointer?
        guard Host.api.pointee.attrs_copy(handle, &copy) == 0 else { throw PlexusError(.outOfMemory, "could not copy an attribute set") }
        let result = NodeAttributes(owning: copy)
        for (name, value) in changes { try AttributeValue.set(copy, name, value) }
        return result
    }
}
