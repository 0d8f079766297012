import PlexusPluginKit

/// Activation layers, each one ONNX op (SiLU is x·σ(x)).
enum Activations {
    static var all: [LayerDefinition] { [
        op("ReLU", "Relu"), op("Sigmoid", "Sigmoid"), op("Tanh", "Tanh"),
        LayerDefinition("LeakyReLU", attributes: [AttributeDeclaration("negative_slope", .float, default: .float(0.01))],
                        doc: "x if x ≥ 0 else slope·x", create: { _, attributes in Setting(try attributes.float("negative_slope")!) },
                        forward: { call, inputs in
                            [try call.call1("LeakyRelu", [inputs[0]], [("alpha", .float((call.state as! Setting<Double>).value))])]
                        }),
        LayerDefinition("GELU", attributes: [AttributeDeclaration("approximate", .string, default: .string("none"))],
                        doc: "Gaussian error linear unit", create: { _, attributes in
                            let mode = try attributes.string("approximate")!
                            guard mode == "none" || mode == "tanh" else { throw PlexusError.invalid("GELU: approximate must be 'none' or 'tanh'") }
                            return Setting(mode)
                        },
                        forward: { call, inputs in
                            [try call.call1("Gelu", [inputs[0]], [("approximate", .string((call.state as! Setting<String>).value))])]
                        }),
        LayerDefinition("SiLU", doc: "x·sigmoid(x)", forward: { call, inputs in
            [try call.call1("Mul", [inputs[0], try call.call1("Sigmoid", [inputs[0]])])]
        }),
        axis("Softmax", "Softmax"), axis("LogSoftmax", "LogSoftmax"),
    ] }

    static func op(_ name: String, _ onnx: String) -> LayerDefinition {
        LayerDefinition(name, doc: "\(onnx) of each element", forward: { call, inputs in [try call.call1(onnx, [inputs[0]])] })
    }

    static func axis(_ name: String, _ onnx: String) -> LayerDefinition {
        LayerDefinition(name, attributes: [AttributeDeclaration("dim", .int, default: .int(-1))], doc: "\(onnx) along `dim`",
                        create: { _, attributes in Setting(try attributes.int("dim")!) },
                        forward: { call, inputs in
                            [try call.call1(onnx, [inputs[0]], [("axis", .int((call.state as! Setting<Int>).value))])]
                        })
    }

    final class Setting<Value> {
        let value: Value
        init(_ value: Value) { self.value = value }
    }
}
