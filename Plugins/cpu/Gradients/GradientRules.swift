import PlexusPluginKit

/// The gradient rules of the CPU plugin's operators, keyed by op name. Each is a
/// vector-Jacobian product written with other ops, so it runs on whichever backend computes
/// those ops. Ops without a rule here are not differentiable (integer or boolean results,
/// shapes, indices).
enum GradientRules {
    typealias Rule = @Sendable (Gradient) throws -> Void

    static let all: [String: Rule] = elementwise.merging(activations) { a, _ in a }
        .merging(reductions) { a, _ in a }.merging(linearAlgebra) { a, _ in a }.merging(movement) { a, _ in a }
        .merging(extended) { a, _ in a }

    /// `definition` with its rule attached, when it has one.
    static func attach(_ definition: OpDefinition) -> OpDefinition {
        guard definition.domain.isEmpty, let rule = all[definition.name] else { return definition }
        return definition.differentiable(rule)
    }
}

extension Gradient {
    /// Shorthands for the ops rules are written with.
    func mul(_ a: KernelTensor, _ b: KernelTensor) throws -> KernelTensor { try call1("Mul", [a, b]) }
    func div(_ a: KernelTensor, _ b: KernelTensor) throws -> KernelTensor { try call1("Div", [a, b]) }
    func add(_ a: KernelTensor, _ b: KernelTensor) throws -> KernelTensor { try call1("Add", [a, b]) }
    func sub(_ a: KernelTensor, _ b: KernelTensor) throws -> KernelTensor { try call1("Sub", [a, b]) }
    func neg(_ a: KernelTensor) throws -> KernelTensor { try call1("Neg", [a]) }
    /// `d` where `condition`, else 0.
    func mask(_ condition: KernelTensor, _ d: KernelTensor) throws -> KernelTensor {
        try call1("Where", [condition, d, try scalar(0, d.dtype)])
    }
    /// `a * value` for a constant (`a` itself when the constant is 1).
    func scale(_ a: KernelTensor, _ value: Double) throws -> KernelTensor {
        value == 1 ? a : try mul(a, try scalar(value, a.dtype))
    }
    /// Sets input 0's gradient to `f(upstream)` when it is needed and a gradient flows.
    func unary(_ f: (KernelTensor) throws -> KernelTensor) throws {
        guard needs(0), let d = upstream else { return }
        try set(0, try f(d))
    }
}
