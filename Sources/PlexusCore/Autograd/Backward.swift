#if canImport(Glibc)
import Glibc
#endif

extension Tensor {
    /// Computes gradients of this tensor with respect to every tensor it depends on that
    /// requires grad, accumulating them into their `grad` (as PyTorch does: call `zeroGrad` or
    /// an optimizer's `zeroGrad` between steps). `seed` is d(objective)/d(self); it defaults to
    /// ones. The graph is walked in reverse topological order without recursion.
    public func backward(_ seed: Tensor? = nil) throws {
        guard requiresGrad else { throw PlexusError.invalid("backward() on a tensor that does not require grad") }
        let seed = try seed ?? Tensor.ones(like: self)
        guard seed.shape == shape, seed.dtype == dtype else {
            throw PlexusError(.shapeMismatch, "backward seed is \(seed.dtype)\(seed.shape), expected \(dtype)\(shape)")
        }
        try withoutGradients {
            guard let root = gradNode else { return try accumulate(seed) }
            var pending: [ObjectIdentifier: [Tensor?]] = [:]
            pending[ObjectIdentifier(root)] = Self.slots(root, outputIndex, seed)
            for node in GradNode.reverseTopologicalOrder(from: root) {
                guard let outputGradients = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                guard let rule = node.rule else {
                    throw PlexusError(.unsupported, "operator \(node.op) has no gradient; cannot backpropagate through it")
                }
                let inputGradients = try rule(node.inputs, node.outputs, outputGradients, node.attributes)
                for (index, input) in node.inputs.enumerated() {
                    guard let input, input.requiresGrad, index < inputGradients.count, let gradient = inputGradients[index] else { continue }
                    guard gradient.shape == input.shape else {
                        throw PlexusError(.internal, "gradient of \(node.op) input \(index) has shape \(gradient.shape), expected \(input.shape)")
                    }
                    if let producer = input.gradNode {
                        let key = ObjectIdentifier(producer)
                        var slots = pending[key] ?? Array(repeating: nil, count: producer.outputs.count)
                        slots[input.outputIndex] = try slots[input.outputIndex].map { try Ops.call1("Add", [$0, gradient]) } ?? gradient
                        pending[key] = slots
                    } else {
                        try input.accumulate(gradient)
                    }
                }
            }
        }
    }

    private static func slots(_ node: GradNode, _ index: Int, _ gradient: Tensor) -> [Tensor?] {
        var slots = [Tensor?](repeating: nil, count: node.outputs.count)
        slots[index] = gradient
        return slots
    }

    /// Adds `gradient` into this leaf's `grad`.
    private func accumulate(_ gradient: Tensor) throws {
        grad = try grad.map { try Ops.call1("Add", [$0, gradient]) } ?? gradient.copied()
    }

    /// Forgets the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// A tensor sharing this one's memory that is cut off from the graph (PyTorch's `detach`).
    public func detached() -> Tensor { Tensor(dtype: dtype, shape: shape, storage: storage) }

    /// A tensor with its own copy of the elements.
    public func copied() throws -> Tensor {
        let copy = try Tensor(dtype: dtype, shape: shape, zeroed: false)
        if dtype == .string {
            for (index, string) in ((try? strings()) ?? []).enumerated() {
                copy.data.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)[index] = strdup(string)
            }
        } else {
            copy.data.copyMemory(from: data, byteCount: count * dtype.elementSize)
        }
        return copy
    }

    /// A tensor of ones with this tensor's shape and (floating-point) dtype.
    public static func ones(like tensor: Tensor) throws -> Tensor {
        try filled(1, dtype: tensor.dtype, shape: tensor.shape)
    }

    /// A floating-point tensor filled with `value`.
    public static func filled(_ value: Double, dtype: DType, shape: [Int]) throws -> Tensor {
        let tensor = try Tensor(dtype: dtype, shape: shape, zeroed: false)
        switch dtype {
        case .float32: tensor.data.initializeMemory(as: Float.self, repeating: Float(value), count: tensor.count)
        case .float64: tensor.data.initializeMemory(as: Double.self, repeating: value, count: tensor.count)
        case .float16: tensor.data.initializeMemory(as: Float16.self, repeating: Float16(value), count: tensor.count)
        case .bfloat16: tensor.data.initializeMemory(as: BFloat16.self, repeating: BFloat16(Float(value)), count: tensor.count)
        default: throw PlexusError(.dtypeMismatch, "gradients need a floating-point tensor, got \(dtype)")
        }
        return tensor
    }
}

extension GradNode {
    /// Nodes reachable from `root` through inputs, each after every node that consumes its
    /// outputs (iterative depth-first post-order, reversed).
    static func reverseTopologicalOrder(from root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        var stack: [(node: GradNode, next: Int)] = [(root, 0)]
        while !stack.isEmpty {
            let (node, next) = stack[stack.count - 1]
            if next < node.inputs.count {
                stack[stack.count - 1].next += 1
                if let child = node.inputs[next]?.gradNode, visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
                stack.removeLast()
            }
        }
        return order.reversed()
    }
}
