import CPlexus

/// What a Swift gradient rule sees: the node's inputs and outputs, the gradients flowing into
/// its outputs, and helpers to compute input gradients by calling other ops. Every tensor it
/// creates lives until the rule returns, so views stay valid without bookkeeping.
public final class Gradient: OpCaller {
    let raw: OpaquePointer?
    /// The node's inputs (nil for omitted optional inputs).
    public let inputs: [KernelTensor?]
    /// The node's outputs (nil where an output is no longer alive).
    public let outputs: [KernelTensor?]
    /// Gradients of the outputs (nil where none flows).
    public let outputGradients: [KernelTensor?]
    /// The node's attributes, defaults filled in.
    public let attributes: AttributeReader

    init(raw: OpaquePointer?, inputs: [KernelTensor?], outputs: [KernelTensor?], outputGradients: [KernelTensor?],
         attributes: AttributeReader) {
        self.raw = raw
        self.inputs = inputs
        self.outputs = outputs
        self.outputGradients = outputGradients
        self.attributes = attributes
        super.init()
    }

    /// Input `index`, which must be present.
    public func input(_ index: Int) throws -> KernelTensor {
        guard index < inputs.count, let input = inputs[index] else { throw PlexusError.invalid("gradient rule: input \(index) is missing") }
        return input
    }

    /// Output `index`, which must still be alive.
    public func output(_ index: Int) throws -> KernelTensor {
        guard index < outputs.count, let output = outputs[index] else { throw PlexusError.invalid("gradient rule: output \(index) is gone") }
        return output
    }

    /// The gradient flowing into output 0 (most ops have one output).
    public var upstream: KernelTensor? { outputGradients.first ?? nil }

    /// Whether input `index` needs a gradient.
    public func needs(_ index: Int) -> Bool { Host.api.pointee.gradient_needed(raw, index) != 0 }

    /// Hands over the gradient of input `index`.
    public func set(_ index: Int, _ gradient: KernelTensor) throws {
        let status = Host.api.pointee.gradient_set(raw, index, gradient.handle)
        guard status == 0 else { throw PlexusError(StatusCode(rawValue: status) ?? .internal, "could not set the gradient of input \(index)") }
    }

    /// Hands over the gradient of input `index`, first summing away broadcast dims so it has
    /// the input's shape. Does nothing when the input needs no gradient.
    public func setReduced(_ index: Int, _ gradient: KernelTensor) throws {
        guard needs(index) else { return }
        try set(index, try sum(gradient, toShape: try input(index).shape))
    }

    /// Runs the node's own op again with its attributes on other inputs (used to route
    /// gradients back through data movement: run the op on element indices).
    public func rerun(_ op: String, domain: String = "", _ inputs: [KernelTensor?]) throws -> KernelTensor {
        try call1(op, domain: domain, inputs, attributes: attributes.handle)
    }

    /// `gradient` summed over the dims that broadcasting added or stretched, so it has `shape`.
    public func sum(_ gradient: KernelTensor, toShape shape: [Int]) throws -> KernelTensor {
        if gradient.shape == shape { return gradient }
        let extra = gradient.rank - shape.count
        var axes = Array(0..<max(extra, 0))
        for (index, dim) in shape.enumerated() where dim == 1 && gradient.shape[index + extra] != 1 { axes.append(index + extra) }
        let summed = axes.isEmpty ? gradient : try call1("ReduceSum", [gradient, try int64s(axes)], [("keepdims", .int(1))])
        return try reshape(summed, shape)
    }
}
