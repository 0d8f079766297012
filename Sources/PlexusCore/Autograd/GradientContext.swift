import CPlexus

/// The host side of one plugin gradient rule call: which inputs need a gradient, and the
/// gradients the rule hands over with `host->gradient_set`.
final class GradientContext {
    let inputs: [Tensor?]
    var gradients: [Tensor?]

    init(inputs: [Tensor?]) {
        self.inputs = inputs
        gradients = Array(repeating: nil, count: inputs.count)
    }

    func needs(_ index: Int) -> Bool { index < inputs.count && inputs[index]?.requiresGrad == true }

    func set(_ index: Int, _ gradient: Tensor) throws {
        guard index < inputs.count, let input = inputs[index] else { throw PlexusError.invalid("gradient index \(index) is out of range") }
        guard gradients[index] == nil else { throw PlexusError.invalid("gradient of input \(index) was set twice") }
        guard gradient.shape == input.shape, gradient.dtype == input.dtype else {
            throw PlexusError(.shapeMismatch, "gradient of input \(index) is \(gradient.dtype)\(gradient.shape), the input is \(input.dtype)\(input.shape)")
        }
        gradients[index] = gradient
    }

    /// Wraps a plugin's C gradient function as a `GradientRule`.
    static func rule(_ function: @escaping plx_gradient_fn, user: UnsafeMutableRawPointer?, op: OpKey, plugin: String) -> GradientRule {
        nonisolated(unsafe) let user = user
        return { inputs, outputs, outputGradients, attributes in
            let context = GradientContext(inputs: inputs)
            let inputHandles = inputs.map { $0?.handle }
            let outputHandles = outputs.map { $0?.handle }
            let gradientHandles = outputGradients.map { $0?.handle }
            _ = ThreadErrors.takePluginError()
            let status = withExtendedLifetime((inputs, outputs, outputGradients, attributes, context)) {
                inputHandles.withUnsafeBufferPointer { i in
                    outputHandles.withUnsafeBufferPointer { o in
                        gradientHandles.withUnsafeBufferPointer { g in
                            function(OpaquePointer(Unmanaged.passUnretained(context).toOpaque()), i.baseAddress, i.count,
                                     o.baseAddress, o.count, g.baseAddress, attributes.handle, user)
                        }
                    }
                }
            }
            if status != 0 {
                throw OpRegistry.shared.pluginFailure(status: status, what: "gradient of \(op)", plugin: plugin)
            }
            return context.gradients
        }
    }
}
