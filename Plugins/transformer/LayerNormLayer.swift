import PlexusPluginKit

/// PyTorch's nn.LayerNorm: normalises over the trailing dims `normalized_shape` (a list of
/// ints) with `eps`, then scales by `weight` (ones) and shifts by `bias` (zeros) when
/// elementwise_affine (and bias) are on. One LayerNormalization op.
enum LayerNormLayer {
    /// The layer type, ready to register.
    static var definition: LayerDefinition { LayerDefinition(
        "LayerNorm",
        attributes: [.required("normalized_shape", .ints), AttributeDeclaration("eps", .float, default: .float(1e-5)),
                     AttributeDeclaration("elementwise_affine", .int, default: .int(1)), AttributeDeclaration("bias", .int, default: .int(1)),
                     LayerBuilding.dtypeAttribute],
        doc: "layer normalisation over the trailing dims",
        create: { builder, attributes in
            let layer = "LayerNorm"
            let shape = try attributes.ints("normalized_shape") ?? []
            guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
                throw PlexusError.invalid("\(layer): normalized_shape must be a non-empty list of positive sizes")
            }
            let dtype = try LayerBuilding.dtype(attributes, layer: layer)
            if try attributes.int("elementwise_affine") != 0 {
                try builder.parameter("weight", dtype, shape, .ones)
                if try attributes.int("bias") != 0 { try builder.parameter("bias", dtype, shape, .zeros) }
            }
            return LayerState(Configuration(shape: shape, epsilon: try attributes.float("eps") ?? 1e-5))
        },
        forward: { call, inputs in
            let configuration = try call.configuration(Configuration.self), x = inputs[0]
            guard x.rank >= configuration.shape.count, Array(x.shape.suffix(configuration.shape.count)) == configuration.shape else {
                throw PlexusError(.shapeMismatch, "LayerNorm: input \(x.shape) does not end in normalized_shape \(configuration.shape)")
            }
            let weight = try (try? call.tensor("weight")) ?? call.scalar(1, x.dtype)
            try LayerBuilding.requireDType(x, weight.dtype, name: "the input", layer: "LayerNorm")
            return [try call.call1("LayerNormalization", [x, weight, try? call.tensor("bias")],
                                   [("axis", .int(-configuration.shape.count)), ("epsilon", .float(configuration.epsilon))])]
        }) }

    /// The normalised trailing shape and epsilon.
    struct Configuration {
        let shape: [Int]
        let epsilon: Double
    }
}
