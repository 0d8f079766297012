import PlexusPluginKit

/// Conv1d, Conv2d and ConvTranspose2d with PyTorch's constructor arguments, on [N, C, L] and
/// [N, C, H, W] inputs. Weights and biases start uniform in ±1/√fan_in, as PyTorch's do.
enum ConvolutionLayers {
    /// Conv1d, Conv2d and ConvTranspose2d.
    static var all: [LayerDefinition] { [convolution("Conv1d", rank: 1), convolution("Conv2d", rank: 2), transposed("ConvTranspose2d", rank: 2)] }

    /// What forward needs: the op's attributes and the expected input channels.
    struct Settings {
        let operatorAttributes: [(String, AttributeValue)]
        let inChannels: Int
    }

    /// The constructor attributes both kinds share.
    static var attributes: [AttributeDeclaration] { [
        .required("in_channels", .int), .required("out_channels", .int), .required("kernel_size", .ints),
        AttributeDeclaration("stride", .ints, default: .ints([1])), AttributeDeclaration("padding", .ints, default: .ints([0])),
        AttributeDeclaration("dilation", .ints, default: .ints([1])), AttributeDeclaration("groups", .int, default: .int(1)),
        AttributeDeclaration("bias", .int, default: .int(1)), LayerSupport.dtypeAttribute,
    ] }

    /// Reads the attributes shared by both kinds: channels, groups, kernel and the Conv
    /// attributes they make.
    static func read(_ attributes: AttributeReader, rank: Int, layer: String)
        throws -> (inputs: Int, outputs: Int, groups: Int, kernel: [Int], operatorAttributes: [(String, AttributeValue)]) {
        let inputs = try attributes.int("in_channels") ?? 0, outputs = try attributes.int("out_channels") ?? 0
        let groups = try attributes.int("groups") ?? 1
        guard inputs > 0, outputs > 0, groups > 0 else { throw PlexusError.invalid("\(layer): in_channels, out_channels and groups must be positive") }
        guard inputs % groups == 0, outputs % groups == 0 else {
            throw PlexusError.invalid("\(layer): in_channels \(inputs) and out_channels \(outputs) must be divisible by groups \(groups)")
        }
        let kernel = try LayerSupport.spatial(attributes, "kernel_size", rank: rank, minimum: 1, layer: layer)
        let padding = try LayerSupport.spatial(attributes, "padding", rank: rank, minimum: 0, layer: layer)
        let operatorAttributes: [(String, AttributeValue)] = [
            ("kernel_shape", .ints(kernel)), ("strides", .ints(try LayerSupport.spatial(attributes, "stride", rank: rank, minimum: 1, layer: layer))),
            ("pads", .ints(padding + padding)), ("dilations", .ints(try LayerSupport.spatial(attributes, "dilation", rank: rank, minimum: 1, layer: layer))),
            ("group", .int(groups)),
        ]
        return (inputs, outputs, groups, kernel, operatorAttributes)
    }

    /// Conv1d / Conv2d: weight [out, in/groups, kernel], bias [out].
    static func convolution(_ name: String, rank: Int) -> LayerDefinition {
        LayerDefinition(name, attributes: attributes, doc: "\(rank)-D convolution",
                        create: { builder, attributes in
                            let (inputs, outputs, groups, kernel, operatorAttributes) = try read(attributes, rank: rank, layer: name)
                            let dtype = try LayerSupport.dtype(attributes, layer: name)
                            let initial = LayerSupport.fanInUniform(channels: inputs / groups, kernel: kernel)
                            try builder.parameter("weight", dtype, [outputs, inputs / groups] + kernel, initial)
                            if try attributes.int("bias") != 0 { try builder.parameter("bias", dtype, [outputs], initial) }
                            return LayerSetting(Settings(operatorAttributes: operatorAttributes, inChannels: inputs))
                        },
                        forward: { call, inputs in try forward(call, inputs[0], op: "Conv", rank: rank, layer: name) })
    }

    /// ConvTranspose2d: weight [in, out/groups, kernel], bias [out]; fan_in = out/groups · kernel
    /// (PyTorch reads it from the weight's dim 1).
    static func transposed(_ name: String, rank: Int) -> LayerDefinition {
        LayerDefinition(name, attributes: attributes + [AttributeDeclaration("output_padding", .ints, default: .ints([0]))],
                        doc: "\(rank)-D transposed convolution",
                        create: { builder, attributes in
                            let (inputs, outputs, groups, kernel, operatorAttributes) = try read(attributes, rank: rank, layer: name)
                            let outputPadding = try LayerSupport.spatial(attributes, "output_padding", rank: rank, minimum: 0, layer: name)
                            let stride = try LayerSupport.spatial(attributes, "stride", rank: rank, minimum: 1, layer: name)
                            guard zip(outputPadding, stride).allSatisfy({ $0 < $1 }) else {
                                throw PlexusError.invalid("\(name): output_padding \(outputPadding) must be smaller than stride \(stride)")
                            }
                            let dtype = try LayerSupport.dtype(attributes, layer: name)
                            let initial = LayerSupport.fanInUniform(channels: outputs / groups, kernel: kernel)
                            try builder.parameter("weight", dtype, [inputs, outputs / groups] + kernel, initial)
                            if try attributes.int("bias") != 0 { try builder.parameter("bias", dtype, [outputs], initial) }
                            return LayerSetting(Settings(operatorAttributes: operatorAttributes + [("output_padding", .ints(outputPadding))],
                                                         inChannels: inputs))
                        },
                        forward: { call, inputs in try forward(call, inputs[0], op: "ConvTranspose", rank: rank, layer: name) })
    }

    /// Calls `op` with the layer's weight, bias and settings.
    static func forward(_ call: LayerCall, _ x: KernelTensor, op: String, rank: Int, layer: String) throws -> [KernelTensor] {
        let settings = (call.state as! LayerSetting<Settings>).value
        try LayerSupport.checkInput(x, ranks: [rank + 2], channels: settings.inChannels, layer: layer, layout: rank == 1 ? "[N, C, L]" : "[N, C, H, W]")
        return [try call.call1(op, [x, try call.tensor("weight"), try? call.tensor("bias")], settings.operatorAttributes)]
    }
}
