/// A Conv or FusedConv whose filters are a float32 constant, with one group and 1 or 2 spatial
/// dims, reads them packed: the filters are rearranged once here, by the CNN plugin's
/// `ai.plexus` PackFilters, into the block layout its GEMM kernel streams (the packed tensor
/// keeps W's shape), and the node becomes a FusedConv with `packed_filters = 1` (a plain Conv
/// with activation `None`). This is onnxruntime's weight pre-packing: without it every run
/// would rearrange the filters again, or the kernel would read them with strides. Filters a
/// caller may feed (an initializer that is also a graph input) are left alone, as are nodes
/// whose geometry the packed kernel does not take. Applies when a loaded plugin provides
/// PackFilters (the CNN plugin does where its CPU kernels run).
enum FilterPacking {
    static let packFilters = OpKey(domain: "ai.plexus", name: "PackFilters")

    static func run(_ rewriter: inout GraphRewriter) throws {
        guard OpRegistry.shared.schema(packFilters) != nil, OpRegistry.shared.schema(ActivationFusion.fusedConv) != nil else { return }
        var packed: [String: String] = [:]  // filters name → packed constant's name (filters shared by several nodes pack once)
        for index in rewriter.nodes.indices where !rewriter.isRemoved(index) {
            let conv = rewriter.nodes[index]
            guard conv.op == OpKey(name: "Conv") || conv.op == ActivationFusion.fusedConv, conv.inputs.count >= 2,
                  conv.attributes["packed_filters"] == nil, (try? conv.attributes.number("group", default: 1)) == 1,
                  let filters = rewriter.constant(conv.inputs[1]), filters.dtype == .float32,
                  (3...4).contains(filters.rank), filters.count > 0 else { continue }
            var inputs = conv.inputs
            inputs[1] = try rewriter.transformedConstant(conv.inputs[1], filters, by: packFilters, suffix: "_packed", done: &packed)
            var settings: [(String, AttributeValue)] = [("packed_filters", .int(1))]
            if conv.op.name == "Conv" { settings.append(("activation", .string("None"))) }
            rewriter.replace(index, with: ActivationFusion.fused(conv, inputs: inputs, outputs: conv.outputs, settings: settings))
        }
    }
}
