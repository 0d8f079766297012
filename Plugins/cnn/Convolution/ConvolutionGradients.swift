import PlexusPluginKit

/// The gradient rules of Conv and ConvTranspose. Each op's input gradient is the other op with
/// the same geometry; filter gradients come from the ConvFilterGradient helper; bias gradients
/// sum dY over everything but channels.
enum ConvolutionGradients {
    /// Conv: dX = ConvTranspose(dY, W), dW = ConvFilterGradient(X, W, dY), dB = Σ dY.
    static func conv(_ g: Gradient) throws {
        guard let d = g.upstream else { return }
        let x = try g.input(0), w = try g.input(1)
        let geometry = try ConvolutionGeometry.convolution(input: x.shape, weight: w.shape, attributes: g.attributes, op: "Conv")
        if g.needs(0) {
            try g.set(0, try g.call1("ConvTranspose", [d, w], geometry.explicitAttributes + [("output_padding", .ints(geometry.outputPadding))]))
        }
        if g.needs(1) {
            try g.set(1, try g.call1("ConvFilterGradient", domain: HelperOps.domain, [x, w, d], attributes: g.attributes.handle))
        }
        try setBiasGradient(g, d)
    }

    /// ConvTranspose: dX = Conv(dY, W), dW = ConvFilterGradient(dY, W, X), dB = Σ dY, all with
    /// the geometry of the convolution ConvTranspose is the adjoint of.
    static func convTranspose(_ g: Gradient) throws {
        guard let d = g.upstream else { return }
        let x = try g.input(0), w = try g.input(1)
        let geometry = try ConvolutionGeometry.transposed(input: x.shape, weight: w.shape, attributes: g.attributes, op: "ConvTranspose")
        if g.needs(0) { try g.set(0, try g.call1("Conv", [d, w], geometry.explicitAttributes)) }
        if g.needs(1) { try g.set(1, try g.call1("ConvFilterGradient", domain: HelperOps.domain, [d, w, x], geometry.explicitAttributes)) }
        try setBiasGradient(g, d)
    }

    /// Sets input 2's gradient (the bias) to dY summed over all dims but channels.
    static func setBiasGradient(_ g: Gradient, _ d: KernelTensor) throws {
        guard g.inputs.count > 2, g.inputs[2] != nil, g.needs(2) else { return }
        let axes = [0] + Array(2..<d.rank)
        try g.set(2, try g.call1("ReduceSum", [d, try g.int64s(axes)], [("keepdims", .int(0))]))
    }
}
