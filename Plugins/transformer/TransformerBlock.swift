import PlexusPluginKit

/// What PyTorch's TransformerEncoderLayer and TransformerDecoderLayer share: their constructor
/// attributes, the feed-forward block `linear2(dropout(activation(linear1(x))))`, layer norms
/// `<name>_weight`/`<name>_bias`, and the residual wiring (post-norm by default, pre-norm with
/// norm_first).
struct TransformerBlock {
    let dModel: Int
    let heads: Int
    let feedForward: Int
    let dropout: Double
    /// "relu" or "gelu" (exact, as PyTorch's default).
    let activation: String
    let epsilon: Double
    let batchFirst: Bool
    let normFirst: Bool
    let hasBias: Bool
    let dtype: DType

    /// The constructor attributes, with PyTorch's defaults.
    static var attributes: [AttributeDeclaration] {
        [.required("d_model", .int), .required("nhead", .int), AttributeDeclaration("dim_feedforward", .int, default: .int(2048)),
         AttributeDeclaration("dropout", .float, default: .float(0.1)), AttributeDeclaration("activation", .string, default: .string("relu")),
         AttributeDeclaration("layer_norm_eps", .float, default: .float(1e-5)), AttributeDeclaration("batch_first", .int, default: .int(0)),
         AttributeDeclaration("norm_first", .int, default: .int(0)), AttributeDeclaration("bias", .int, default: .int(1)),
         LayerBuilding.dtypeAttribute]
    }

    /// Reads and checks the attributes.
    init(_ attributes: AttributeReader, layer: String) throws {
        dModel = try LayerBuilding.positive(attributes, "d_model", layer: layer)
        heads = try LayerBuilding.positive(attributes, "nhead", layer: layer)
        feedForward = try LayerBuilding.positive(attributes, "dim_feedforward", layer: layer)
        dropout = try LayerBuilding.probability(attributes, "dropout", layer: layer)
        activation = try attributes.string("activation") ?? "relu"
        guard activation == "relu" || activation == "gelu" else {
            throw PlexusError.invalid("\(layer): activation must be \"relu\" or \"gelu\", got \"\(activation)\"")
        }
        epsilon = try attributes.float("layer_norm_eps") ?? 1e-5
        batchFirst = try attributes.int("batch_first") == 1
        normFirst = try attributes.int("norm_first") == 1
        hasBias = try attributes.int("bias") != 0
        dtype = try LayerBuilding.dtype(attributes, layer: layer)
    }

    /// An attention block of this layer whose parameters start with `prefix`.
    func attention(prefix: String, layer: String) throws -> AttentionBlock {
        try AttentionBlock(prefix: prefix, embedDim: dModel, heads: heads, dropout: dropout, hasBias: hasBias, batchFirst: batchFirst,
                           layer: layer)
    }

    /// Declares linear1, linear2 and the layer norms `norms`.
    func createFeedForwardAndNorms(_ builder: LayerBuilder, norms: [String]) throws {
        try LayerBuilding.addLinear(builder, "linear1", inputs: dModel, outputs: feedForward, bias: hasBias, dtype: dtype)
        try LayerBuilding.addLinear(builder, "linear2", inputs: feedForward, outputs: dModel, bias: hasBias, dtype: dtype)
        for norm in norms {
            try builder.parameter("\(norm)_weight", dtype, [dModel], .ones)
            if hasBias { try builder.parameter("\(norm)_bias", dtype, [dModel], .zeros) }
        }
    }

    /// linear2(dropout(activation(linear1(x)))).
    func feedForward(_ call: LayerCall, _ x: KernelTensor) throws -> KernelTensor {
        let hidden = try call.linear(x, "linear1")
        let activated = activation == "relu" ? try call.call1("Relu", [hidden]) : try call.call1("Gelu", [hidden])
        return try call.linear(try call.dropout(activated, dropout), "linear2")
    }

    /// Layer norm `name` over the last dim.
    func norm(_ call: LayerCall, _ x: KernelTensor, _ name: String) throws -> KernelTensor {
        try call.call1("LayerNormalization", [x, try call.tensor("\(name)_weight"), try? call.tensor("\(name)_bias")],
                       [("axis", .int(-1)), ("epsilon", .float(epsilon))])
    }

    /// One residual step: x + dropout(f(norm(x))) with norm_first, else norm(x + dropout(f(x))).
    func residual(_ call: LayerCall, _ x: KernelTensor, norm name: String,
                  _ sublayer: (KernelTensor) throws -> KernelTensor) throws -> KernelTensor {
        if normFirst { return try call.add(x, try call.dropout(try sublayer(try norm(call, x, name)), dropout)) }
        return try norm(call, try call.add(x, try call.dropout(try sublayer(x), dropout)), name)
    }
}
