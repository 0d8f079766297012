/// One recorded operator call: what `backward()` needs to send gradients to its inputs.
/// Holds its inputs strongly and its outputs weakly (outputs own the node), so a graph lives
/// exactly as long as the tensors at its end.
final class GradNode {
    let op: OpKey
    private(set) var inputs: [Tensor?]
    private let weakOutputs: [WeakTensor]
    let attributes: Attributes
    let rule: GradientRule?

    init(op: OpKey, inputs: [Tensor?], outputs: [Tensor], attributes: Attributes, rule: GradientRule?) {
        self.op = op
        self.inputs = inputs
        weakOutputs = outputs.map(WeakTensor.init)
        self.attributes = attributes
        self.rule = rule
    }

    /// The outputs still alive (an output nobody holds cannot have a gradient to pass on).
    var outputs: [Tensor?] { weakOutputs.map(\.tensor) }

    /// Swift would release node → input → node … recursively and overflow the stack on a deep
    /// graph. Instead, each dying node takes the nodes of inputs that die with it and hands them
    /// to a per-thread queue that the outermost teardown drains in a loop.
    deinit {
        var orphans: [GradNode] = []
        for index in inputs.indices where inputs[index] != nil {
            guard isKnownUniquelyReferenced(&inputs[index]!), let node = inputs[index]!.gradNode else { continue }
            inputs[index]!.gradNode = nil
            orphans.append(node)
        }
        if !orphans.isEmpty { GradNode.release(&orphans) }
    }

    private static func release(_ nodes: inout [GradNode]) {
        let context = ThreadContext.current
        context.teardownQueue.append(contentsOf: nodes)
        nodes.removeAll()
        guard !context.tearingDown else { return }
        context.tearingDown = true
        while !context.teardownQueue.isEmpty { _ = context.teardownQueue.popLast() }
        context.tearingDown = false
    }
}

/// A weak reference to a tensor.
final class WeakTensor {
    weak var tensor: Tensor?
    init(_ tensor: Tensor) { self.tensor = tensor }
}
