/// Runs its children in order, each one's outputs feeding the next; children are named
/// "0", "1", … as in PyTorch.
public final class Sequential: Module {
    /// A container of `layers`.
    public init(_ layers: [Module]) throws {
        super.init()
        for (index, layer) in layers.enumerated() { try register(child: layer, named: "\(index)") }
    }

    /// Appends a layer.
    public func append(_ layer: Module) throws { try register(child: layer, named: "\(children.count)") }

    public override func forward(_ inputs: [Tensor]) throws -> [Tensor] {
        var values = inputs
        for (_, layer) in children { values = try layer.forward(values) }
        return values
    }
}
