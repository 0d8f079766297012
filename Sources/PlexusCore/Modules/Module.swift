/// A building block of a network: it owns parameters (trainable tensors), buffers (saved,
/// not trained) and child modules, and maps inputs to outputs in `forward`.
///
/// Subclass it and override `forward` to write layers in Swift; plugin layers are created by
/// name with `PluginLayer(type:attributes:)`. Names are unique per module; the state dict uses
/// dotted paths (`0.weight`, `encoder.norm.bias`), as PyTorch does.
open class Module {
    private var ownParameters: [(name: String, tensor: Tensor)] = []
    private var ownBuffers: [(name: String, tensor: Tensor)] = []
    private var ownChildren: [(name: String, module: Module)] = []
    /// True in training mode (the default), false in evaluation mode; see `train(_:)`.
    public private(set) var isTraining = true

    /// An empty module; subclasses register their members in their initialisers.
    public init() {}

    /// Adds a trainable parameter (it is marked `requiresGrad`).
    public func register(parameter tensor: Tensor, named name: String) throws {
        try checkNew(name)
        tensor.requiresGrad = true
        ownParameters.append((name, tensor))
    }

    /// Adds a buffer: state saved with the module but not trained.
    public func register(buffer tensor: Tensor, named name: String) throws {
        try checkNew(name)
        ownBuffers.append((name, tensor))
    }

    /// Adds a child module.
    public func register(child module: Module, named name: String) throws {
        try checkNew(name)
        ownChildren.append((name, module))
    }

    private func checkNew(_ name: String) throws {
        guard !name.isEmpty, !name.contains(".") else { throw PlexusError.invalid("invalid member name '\(name)'") }
        let taken = ownParameters.contains { $0.name == name } || ownBuffers.contains { $0.name == name }
            || ownChildren.contains { $0.name == name }
        if taken { throw PlexusError(.alreadyExists, "the module already has a member named '\(name)'") }
    }

    /// The direct children, in registration order.
    public var children: [(name: String, module: Module)] { ownChildren }

    /// Every parameter of this module and its descendants with its dotted name.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        collect { module in module.ownParameters }
    }

    /// Every parameter of this module and its descendants.
    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Every buffer of this module and its descendants with its dotted name.
    public func namedBuffers() -> [(name: String, tensor: Tensor)] { collect { module in module.ownBuffers } }

    /// Parameters and buffers by dotted name: what a checkpoint holds.
    public func stateDict() -> [(name: String, tensor: Tensor)] { namedParameters() + namedBuffers() }

    /// Copies tensors into this module's parameters and buffers by name. Shapes and dtypes must
    /// match; with `strict`, every entry must be present on both sides.
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let mine = stateDict()
        if strict {
            let missing = mine.map(\.name).filter { state[$0] == nil }
            let unexpected = state.keys.filter { key in !mine.contains { $0.name == key } }.sorted()
            guard missing.isEmpty && unexpected.isEmpty else {
                throw PlexusError(.notFound, "state dict mismatch: missing \(missing), unexpected \(unexpected)")
            }
        }
        for (name, target) in mine {
            guard let source = state[name] else { continue }
            guard source.shape == target.shape, source.dtype == target.dtype else {
                throw PlexusError(.shapeMismatch, "'\(name)' is \(source.dtype)\(source.shape) in the state dict, \(target.dtype)\(target.shape) in the module")
            }
            target.data.copyMemory(from: source.data, byteCount: source.count * source.dtype.elementSize)
        }
    }

    private func collect(_ own: (Module) -> [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        var stack: [(prefix: String, module: Module)] = [("", self)]
        while let (prefix, module) = stack.popLast() {
            result += own(module).map { (prefix + $0.name, $0.tensor) }
            stack += module.ownChildren.reversed().map { (prefix + $0.name + ".", $0.module) }
        }
        return result
    }

    /// Sets training (true) or evaluation (false) mode here and in every descendant.
    public func train(_ on: Bool = true) {
        var stack: [Module] = [self]
        while let module = stack.popLast() {
            module.isTraining = on
            stack += module.ownChildren.map(\.module)
        }
    }

    /// Evaluation mode: `train(false)`.
    public func eval() { train(false) }

    /// Clears the gradients of every parameter.
    public func zeroGrad() { parameters().forEach { $0.zeroGrad() } }

    /// Computes the outputs. Subclasses override this.
    open func forward(_ inputs: [Tensor]) throws -> [Tensor] {
        throw PlexusError(.unsupported, "\(type(of: self)) does not implement forward")
    }

    /// `forward` for one input and one output.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let outputs = try forward([input])
        guard let first = outputs.first else { throw PlexusError(.internal, "\(type(of: self)) produced no output") }
        return first
    }

    /// `forward`.
    public func callAsFunction(_ inputs: [Tensor]) throws -> [Tensor] { try forward(inputs) }
}
