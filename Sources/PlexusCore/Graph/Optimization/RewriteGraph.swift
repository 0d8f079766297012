#if canImport(Glibc)
import Glibc
#endif
import CPlexus
import PlexusABI

/// The graph a plugin rewrite sees (`plx_graph *`): a `GraphRewriter` plus what the C view needs
/// to hand out borrowed strings, attribute sets and tensors that stay valid until the rewrite
/// returns, even when the node they came from is replaced meanwhile.
final class RewriteGraph {
    var rewriter: GraphRewriter
    /// C copies of the strings handed out, by value (freed with the view).
    private var strings: [String: UnsafeMutablePointer<CChar>] = [:]
    /// Attribute sets and tensors handed out, kept alive with the view.
    private var lent: [AnyObject] = []

    init(_ rewriter: GraphRewriter) { self.rewriter = rewriter }

    deinit { strings.values.forEach { free($0) } }

    /// The view behind a handle.
    static func from(_ handle: OpaquePointer?) -> RewriteGraph? {
        handle.map { Unmanaged<RewriteGraph>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }

    /// A C string equal to `value`, valid while the view lives.
    func cString(_ value: String) -> UnsafePointer<CChar> {
        if let known = strings[value] { return UnsafePointer(known) }
        let copy = strdup(value)!
        strings[value] = copy
        return UnsafePointer(copy)
    }

    /// `object`, kept alive while the view lives.
    func lend<T: AnyObject>(_ object: T) -> T {
        lent.append(object)
        return object
    }

    /// Node `index` if it exists and was not removed.
    func node(_ index: Int) -> Graph.Node? {
        guard index >= 0, index < rewriter.nodes.count, !rewriter.isRemoved(index) else { return nil }
        return rewriter.nodes[index]
    }

    /// Node `index`, or the error the C functions report for it.
    func liveNode(_ index: Int) throws -> Graph.Node {
        guard index >= 0, index < rewriter.nodes.count else {
            throw PlexusError.invalid("node \(index) is out of range (the graph has \(rewriter.nodes.count))")
        }
        guard let node = node(index) else { throw PlexusError(.notFound, "node \(index) was removed") }
        return node
    }

    /// A node from a plugin's `plx_graph_node`, everything copied and checked: the op must be
    /// registered, names must not be NULL, and there must be an output.
    static func node(from pointer: UnsafePointer<plx_graph_node>?) throws -> Graph.Node {
        guard let pointer else { throw PlexusError.invalid("node definition is NULL") }
        let def = pointer.pointee
        guard def.struct_size >= UInt32(MemoryLayout<plx_graph_node>.size) else {
            throw PlexusError.invalid("plx_graph_node.struct_size \(def.struct_size) is too small")
        }
        let key = OpKey(domain: def.domain.map { String(cString: $0) } ?? "", name: try CAttributeFunctions.string(def.op, "node op"))
        guard !key.name.isEmpty else { throw PlexusError.invalid("node op is empty") }
        guard OpRegistry.shared.schema(key) != nil else {
            throw PlexusError(.notFound, "a rewrite made a node of operator \(key), which no loaded plugin provides")
        }
        let inputs = try CAttributeFunctions.array(def.inputs, def.n_inputs, "node inputs") { try CAttributeFunctions.string($0, "a node input") }
        let outputs = try CAttributeFunctions.array(def.outputs, def.n_outputs, "node outputs") { try CAttributeFunctions.string($0, "a node output") }
        guard outputs.contains(where: { !$0.isEmpty }) else { throw PlexusError.invalid("node of \(key) has no output") }
        let attributes = Attributes()
        if let handle = def.attrs {
            let source = Attributes.from(handle)
            for name in source.names { attributes[name] = source[name] }
        }
        return Graph.Node(op: key, name: def.name.map { String(cString: $0) } ?? "", inputs: inputs, outputs: outputs, attributes: attributes)
    }
}
