import PlexusPluginKit

/// Linear, Dropout and Identity.
enum MLPLayers {
    static var all: [LayerDefinition] { [linear, dropout, identity] }

    /// y = x Wᵀ + b with W [out, in]; W and b start uniform in ±1/√in (PyTorch's default).
    static var linear: LayerDefinition { LayerDefinition(
        "Linear",
        attributes: [.required("in_features", .int), .required("out_features", .int), AttributeDeclaration("bias", .int, default: .int(1)),
                     AttributeDeclaration("dtype", .int, default: .int(Int(DType.float32.rawValue)))],
        doc: "affine map y = x·Wᵀ + b",
        create: { builder, attributes in
            let inputs = try attributes.int("in_features")!, outputs = try attributes.int("out_features")!
            guard inputs > 0, outputs > 0 else { throw PlexusError.invalid("Linear: in_features and out_features must be positive") }
            guard let code = Int32(exactly: try attributes.int("dtype")!), let dtype = DType(rawValue: code),
                  DTypeSets.trainable.contains(dtype) else {
                throw PlexusError.invalid("Linear: dtype must be float32 or float64")
            }
            let bound = 1 / Double(inputs).squareRoot()
            try builder.parameter("weight", dtype, [outputs, inputs], .uniform(-bound, bound))
            if try attributes.int("bias") != 0 { try builder.parameter("bias", dtype, [outputs], .uniform(-bound, bound)) }
            return nil
        },
        forward: { call, inputs in
            let x = inputs[0], weight = try call.tensor("weight")
            let bias = try? call.tensor("bias")
            guard x.rank >= 1, x.shape.last == weight.shape[1] else {
                throw PlexusError(.shapeMismatch, "Linear: input \(x.shape) does not end in in_features = \(weight.shape[1])")
            }
            if x.rank == 2 {
                return [try call.call1("Gemm", [x, weight, bias], [("transB", .int(1))])]
            }
            let product = try call.call1("MatMul", [x, try call.call1("Transpose", [weight])])
            return [try bias.map { try call.call1("Add", [product, $0]) } ?? product]
        }) }

    /// Zeroes elements with probability `p` in training mode (scaling the rest), identity in eval.
    static var dropout: LayerDefinition { LayerDefinition(
        "Dropout", attributes: [AttributeDeclaration("p", .float, default: .float(0.5))], doc: "random zeroing during training",
        create: { _, attributes in
            let p = try attributes.float("p")!
            guard p >= 0 && p < 1 else { throw PlexusError.invalid("Dropout: p must be in [0, 1), got \(p)") }
            return Probability(p)
        },
        forward: { call, inputs in
            let p = (call.state as! Probability).value
            guard call.isTraining && p > 0 else { return [inputs[0]] }
            let seed = Int(Int64(bitPattern: call.nextSeed()))
            return [try call.call1("Dropout", [inputs[0], try call.scalar(p, inputs[0].dtype), try call.scalar(1, .bool)],
                                   [("seed", .int(seed))])]
        }) }

    static var identity: LayerDefinition { LayerDefinition("Identity", doc: "returns its input", forward: { _, inputs in [inputs[0]] }) }

    final class Probability {
        let value: Double
        init(_ value: Double) { self.value = value }
    }
}

enum DTypeSets {
    static let trainable: Set<DType> = [.float32, .float64]
}
