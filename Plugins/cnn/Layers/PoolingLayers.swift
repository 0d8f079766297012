import PlexusPluginKit

/// MaxPool1d/2d, AvgPool1d/2d and AdaptiveAvgPool2d with PyTorch's constructor arguments
/// (stride defaults to kernel_size; padding at most half the kernel).
enum PoolingLayers {
    /// The pooling layer types.
    static var all: [LayerDefinition] {
        [maxPool("MaxPool1d", rank: 1), maxPool("MaxPool2d", rank: 2), averagePool("AvgPool1d", rank: 1), averagePool("AvgPool2d", rank: 2),
         adaptiveAverage]
    }

    /// What forward needs: the op's attributes.
    typealias Settings = [(String, AttributeValue)]

    /// The constructor attributes both pools share.
    static var windowAttributes: [AttributeDeclaration] { [
        .required("kernel_size", .ints), AttributeDeclaration("stride", .ints), AttributeDeclaration("padding", .ints, default: .ints([0])),
        AttributeDeclaration("ceil_mode", .int, default: .int(0)),
    ] }

    /// kernel_shape, strides, pads and ceil_mode for the pooling op.
    static func window(_ attributes: AttributeReader, rank: Int, layer: String) throws -> Settings {
        let kernel = try LayerSupport.spatial(attributes, "kernel_size", rank: rank, minimum: 1, layer: layer)
        let stride = try attributes.ints("stride") == nil ? kernel : try LayerSupport.spatial(attributes, "stride", rank: rank, minimum: 1, layer: layer)
        let padding = try LayerSupport.spatial(attributes, "padding", rank: rank, minimum: 0, layer: layer)
        guard zip(padding, kernel).allSatisfy({ $0 <= $1 / 2 }) else {
            throw PlexusError.invalid("\(layer): padding \(padding) must be at most half of kernel_size \(kernel)")
        }
        return [("kernel_shape", .ints(kernel)), ("strides", .ints(stride)), ("pads", .ints(padding + padding)),
                ("ceil_mode", .int(try attributes.int("ceil_mode") ?? 0 != 0 ? 1 : 0))]
    }

    /// MaxPool over 1 or 2 spatial dims, with dilation.
    static func maxPool(_ name: String, rank: Int) -> LayerDefinition {
        LayerDefinition(name, attributes: windowAttributes + [AttributeDeclaration("dilation", .ints, default: .ints([1]))],
                        doc: "\(rank)-D max pooling",
                        create: { _, attributes in
                            let dilation = try LayerSupport.spatial(attributes, "dilation", rank: rank, minimum: 1, layer: name)
                            return LayerSetting(try window(attributes, rank: rank, layer: name) + [("dilations", .ints(dilation))])
                        },
                        forward: { call, inputs in try forward(call, inputs[0], op: "MaxPool", rank: rank, layer: name) })
    }

    /// AveragePool over 1 or 2 spatial dims; count_include_pad defaults to 1 as in PyTorch.
    static func averagePool(_ name: String, rank: Int) -> LayerDefinition {
        LayerDefinition(name, attributes: windowAttributes + [AttributeDeclaration("count_include_pad", .int, default: .int(1))],
                        doc: "\(rank)-D average pooling",
                        create: { _, attributes in
                            let include = try attributes.int("count_include_pad") ?? 1 != 0
                            return LayerSetting(try window(attributes, rank: rank, layer: name) + [("count_include_pad", .int(include ? 1 : 0))])
                        },
                        forward: { call, inputs in try forward(call, inputs[0], op: "AveragePool", rank: rank, layer: name) })
    }

    /// Calls the pooling `op` with the layer's settings.
    static func forward(_ call: LayerCall, _ x: KernelTensor, op: String, rank: Int, layer: String) throws -> [KernelTensor] {
        try LayerSupport.checkInput(x, ranks: [rank + 2], layer: layer, layout: rank == 1 ? "[N, C, L]" : "[N, C, H, W]")
        return [try call.call1(op, [x], (call.state as! LayerSetting<Settings>).value)]
    }

    /// AdaptiveAvgPool2d: output cell i along an axis of length n averages inputs
    /// ⌊i·n/out⌋ ..< ⌈(i+1)·n/out⌉ (PyTorch's windows), computed as P_H · X · P_Wᵀ with averaging
    /// matrices, so any input size works and autograd goes through MatMul.
    static var adaptiveAverage: LayerDefinition {
        LayerDefinition("AdaptiveAvgPool2d", attributes: [.required("output_size", .ints)], doc: "average pooling to a fixed output size",
                        create: { _, attributes in
                            LayerSetting(try LayerSupport.spatial(attributes, "output_size", rank: 2, minimum: 1, layer: "AdaptiveAvgPool2d"))
                        },
                        forward: { call, inputs in
                            let x = inputs[0], size = (call.state as! LayerSetting<[Int]>).value
                            try LayerSupport.checkInput(x, ranks: [4], layer: "AdaptiveAvgPool2d", layout: "[N, C, H, W]")
                            guard x.dtype == .float32 || x.dtype == .float64 else {
                                throw PlexusError(.unsupported, "AdaptiveAvgPool2d: input must be float32 or float64, got \(x.dtype)")
                            }
                            let rows = try averaging(call, from: x.shape[2], to: size[0], transposed: false, dtype: x.dtype)
                            let columns = try averaging(call, from: x.shape[3], to: size[1], transposed: true, dtype: x.dtype)
                            return [try call.call1("MatMul", [rows, try call.call1("MatMul", [x, columns])])]
                        })
    }

    /// The [out, n] matrix averaging each adaptive window of an axis of length n ([n, out] when
    /// `transposed`).
    static func averaging(_ call: LayerCall, from length: Int, to output: Int, transposed: Bool, dtype: DType) throws -> KernelTensor {
        var values = [Double](repeating: 0, count: output * length)
        for i in 0..<output {
            let start = i * length / output, end = ((i + 1) * length + output - 1) / output
            for j in start..<end { values[transposed ? j * output + i : i * length + j] = 1 / Double(end - start) }
        }
        return try Constants.tensor(call, values, shape: transposed ? [length, output] : [output, length], dtype: dtype)
    }
}
