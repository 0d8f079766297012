import CPlexus
import PlexusABI

/// The host functions of plugin ABI 1.2 that plugin rewrites use to read and edit a session's
/// graph (`plx_host_api.graph_*`), and `attrs_copy`. Reads of a NULL graph, a removed node or an
/// index out of range answer "nothing" (NULL, 0, -1); edits report errors as statuses.
extension HostAPI {
    static func fillGraphFunctions(_ table: UnsafeMutablePointer<plx_host_api>) {
        table.pointee.attrs_copy = { source, out in
            withStatus {
                guard let out else { throw PlexusError.invalid("out is NULL") }
                let copy = Attributes()
                if let source {
                    let original = Attributes.from(source)
                    for name in original.names { copy[name] = original[name] }
                }
                out.pointee = copy.retainedHandle()
            }
        }
        table.pointee.graph_node_count = { RewriteGraph.from($0)?.rewriter.nodes.count ?? 0 }
        table.pointee.graph_node = { handle, index, domain, op, name, inputCount, outputCount in
            withStatus {
                guard let graph = RewriteGraph.from(handle) else { throw PlexusError.invalid("graph is NULL") }
                let node = try graph.liveNode(index)
                domain?.pointee = graph.cString(node.op.domain)
                op?.pointee = graph.cString(node.op.name)
                name?.pointee = graph.cString(node.name)
                inputCount?.pointee = node.inputs.count
                outputCount?.pointee = node.outputs.count
            }
        }
        table.pointee.graph_node_input = { handle, index, position in
            guard let graph = RewriteGraph.from(handle), let node = graph.node(index), position < node.inputs.count else { return nil }
            return graph.cString(node.inputs[position])
        }
        table.pointee.graph_node_output = { handle, index, position in
            guard let graph = RewriteGraph.from(handle), let node = graph.node(index), position < node.outputs.count else { return nil }
            return graph.cString(node.outputs[position])
        }
        table.pointee.graph_node_attrs = { handle, index in
            guard let graph = RewriteGraph.from(handle), let node = graph.node(index) else { return nil }
            return graph.lend(node.attributes).handle
        }
        table.pointee.graph_producer = { handle, value in
            guard let graph = RewriteGraph.from(handle), let value else { return -1 }
            return graph.rewriter.producer(of: String(cString: value)).map(Int64.init) ?? -1
        }
        table.pointee.graph_reader_count = { handle, value in
            guard let graph = RewriteGraph.from(handle), let value else { return 0 }
            return graph.rewriter.readers(of: String(cString: value)).count
        }
        table.pointee.graph_reader = { handle, value, position in
            guard let graph = RewriteGraph.from(handle), let value else { return -1 }
            let readers = graph.rewriter.readers(of: String(cString: value))
            return position < readers.count ? Int64(readers[position]) : -1
        }
        table.pointee.graph_is_output = { handle, value in
            guard let graph = RewriteGraph.from(handle), let value else { return 0 }
            return graph.rewriter.isGraphOutput(String(cString: value)) ? 1 : 0
        }
        table.pointee.graph_constant = { handle, value in
            guard let graph = RewriteGraph.from(handle), let value,
                  let tensor = graph.rewriter.constant(String(cString: value)) else { return nil }
            return graph.lend(tensor).handle
        }
        fillGraphEdits(table)
    }

    private static func fillGraphEdits(_ table: UnsafeMutablePointer<plx_host_api>) {
        table.pointee.graph_replace_node = { handle, index, definition in
            withStatus {
                guard let graph = RewriteGraph.from(handle) else { throw PlexusError.invalid("graph is NULL") }
                _ = try graph.liveNode(index)
                graph.rewriter.replace(index, with: try RewriteGraph.node(from: definition))
            }
        }
        table.pointee.graph_add_node = { handle, definition, out in
            withStatus {
                guard let graph = RewriteGraph.from(handle) else { throw PlexusError.invalid("graph is NULL") }
                let index = graph.rewriter.add(try RewriteGraph.node(from: definition))
                out?.pointee = index
            }
        }
        table.pointee.graph_remove_node = { handle, index in
            withStatus {
                guard let graph = RewriteGraph.from(handle) else { throw PlexusError.invalid("graph is NULL") }
                _ = try graph.liveNode(index)
                graph.rewriter.remove(index)
            }
        }
        table.pointee.graph_add_constant = { handle, suggested, tensor, out in
            withStatus {
                guard let graph = RewriteGraph.from(handle) else { throw PlexusError.invalid("graph is NULL") }
                let base = try CAttributeFunctions.string(suggested, "suggested_name")
                guard !base.isEmpty else { throw PlexusError.invalid("suggested_name is empty") }
                let name = graph.rewriter.addConstant(try Tensor.from(tensor, "tensor"), suggestedName: base)
                out?.pointee = graph.cString(name)
            }
        }
    }
}
