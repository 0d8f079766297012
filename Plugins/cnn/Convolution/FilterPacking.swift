import CPlexus
import PlexusPluginKit

/// The CNN plugin's pre-packing rewrite (`PLX_OPTIMIZE_PREPACK_WEIGHTS`, after the fusions): a
/// Conv or FusedConv whose filters are a float32 constant, with one group and 1 or 2 spatial
/// dims, reads them packed. The filters are rearranged once, when the session is created, by
/// PackFilters into the block layout the packed GEMM kernel streams (the packed tensor keeps W's
/// shape), and the node becomes a FusedConv with `packed_filters = 1` (a plain Conv with
/// activation `None`). This is onnxruntime's weight pre-packing: without it every run would
/// rearrange the filters again, or the kernel would read them with strides. Filters a caller may
/// feed (an initializer that is also a graph input) are not constants and are left alone; filters
/// shared by several nodes pack once. Registered with PackFilters, where the panel convolution
/// runs (a CPU with AVX2).
enum FilterPacking {
    static var rewrite: RewriteDefinition {
        RewriteDefinition("prepack-conv-filters", optimization: PLX_OPTIMIZE_PREPACK_WEIGHTS, phase: .pack, body: run)
    }

    static func run(_ graph: PluginGraph) throws {
        var packed: [String: String] = [:]  // filters name → packed constant's name
        for index in 0..<graph.nodeCount {
            guard let conv = graph.node(index), conv.is("Conv") || conv.is("FusedConv", domain: ConvFusion.domain),
                  conv.inputs.count >= 2 else { continue }
            let reader = conv.attributes.reader
            let group: Int, alreadyPacked: Int?
            do {
                group = try reader.int("group") ?? 1
                alreadyPacked = try reader.int("packed_filters")
            } catch { continue }  // a malformed attribute: left for the kernel to report
            guard alreadyPacked == nil, group == 1, let filters = graph.constant(conv.inputs[1]), filters.dtype == .float32,
                  (3...4).contains(filters.rank), filters.count > 0 else { continue }
            var inputs = conv.inputs
            inputs[1] = try graph.transformedConstant(conv.inputs[1], filters, by: "PackFilters", domain: ConvFusion.domain,
                                                      suffix: "_packed", done: &packed)
            var settings: [(String, AttributeValue)] = [("packed_filters", .int(1))]
            if conv.is("Conv") { settings.append(("activation", .string("None"))) }
            try graph.replace(index, with: try ConvFusion.fused(conv, inputs: inputs, outputs: conv.outputs, settings: settings))
        }
    }
}
