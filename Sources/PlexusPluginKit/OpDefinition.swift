import CPlexus

/// A default value for an optional attribute.
public enum AttributeValue {
    case int(Int)
    case float(Double)
    case ints([Int])
    case floats([Double])
    case string(String)
    case strings([String])
}

/// One attribute an operator accepts: required, or optional with or without a default.
public struct AttributeDeclaration {
    /// Attribute name.
    public var name: String
    /// Attribute type.
    public var type: AttributeType
    /// Whether calls must give it.
    public var required: Bool
    /// Default of an optional attribute.
    public var defaultValue: AttributeValue?

    /// An optional attribute (with `defaultValue`, if any).
    public init(_ name: String, _ type: AttributeType, default defaultValue: AttributeValue? = nil) {
        self.name = name
        self.type = type
        self.required = false
        self.defaultValue = defaultValue
    }

    /// A required attribute.
    public static func required(_ name: String, _ type: AttributeType) -> AttributeDeclaration {
        var declaration = AttributeDeclaration(name, type)
        declaration.required = true
        return declaration
    }
}

/// An operator with its schema and one kernel, ready to register.
public struct OpDefinition {
    /// ONNX domain ("" for ai.onnx).
    public var domain: String
    /// Operator name.
    public var name: String
    /// Opset version whose semantics it implements.
    public var sinceVersion: Int
    /// Inputs a call may give.
    public var inputs: ClosedRange<Int>
    /// Outputs a call may ask for.
    public var outputs: ClosedRange<Int>
    /// Accepted attributes.
    public var attributes: [AttributeDeclaration]
    /// One-line description.
    public var doc: String
    /// Whether the kernel handles these input dtypes (nil = omitted input); nil = all.
    public var supports: (([DType?]) -> Bool)?
    /// Shape and dtype inference, or nil.
    public var infer: ((InferenceContext) throws -> Void)?
    /// The kernel.
    public var compute: (KernelContext) throws -> Void
    /// The gradient rule (vector-Jacobian product in terms of other ops), or nil when the op
    /// is not differentiable.
    public var gradient: ((Gradient) throws -> Void)?
    /// The forward written with other ops (returning the outputs), run instead of the kernel
    /// while gradients are recorded so autograd differentiates through it; or nil.
    public var decomposition: ((Decomposition) throws -> [KernelTensor])?
    /// Inputs whose memory the kernel may write output 0 into when the host offers it
    /// (`plx_kernel_def.inplace_inputs`): only for kernels that read each element of such an
    /// input before writing the same element of the output, and allocate output 0 with
    /// `KernelContext.output` (which returns the offered memory).
    public var inPlaceInputs: [Int] = []
    /// Whether equal inputs may give other outputs (random ops, Dropout): a session then never
    /// folds the op into a constant (`PLX_OP_NONDETERMINISTIC`).
    public var isNondeterministic = false

    /// "No upper limit" for `inputs`/`outputs`.
    public static let variadic = Int(Int32.max)

    /// An operator with its kernel (and optionally inference and gradient).
    public init(_ name: String, domain: String = "", since: Int, inputs: ClosedRange<Int>, outputs: ClosedRange<Int> = 1...1,
                attributes: [AttributeDeclaration] = [], doc: String = "",
                supports: (([DType?]) -> Bool)? = nil, infer: ((InferenceContext) throws -> Void)? = nil,
                gradient: ((Gradient) throws -> Void)? = nil,
                compute: @escaping (KernelContext) throws -> Void) {
        self.domain = domain
        self.name = name
        self.sinceVersion = since
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.doc = doc
        self.supports = supports
        self.infer = infer
        self.compute = compute
        self.gradient = gradient
    }

    /// This definition with `body` as its decomposition.
    public func decomposed(_ body: @escaping (Decomposition) throws -> [KernelTensor]) -> OpDefinition {
        var copy = self
        copy.decomposition = body
        return copy
    }

    /// This definition with a kernel that may write output 0 into these inputs' memory (see
    /// `inPlaceInputs`).
    public func inPlace(_ inputs: Int...) -> OpDefinition { inPlace(inputs) }

    /// This definition with a kernel that may write output 0 into these inputs' memory.
    public func inPlace(_ inputs: [Int]) -> OpDefinition {
        var copy = self
        copy.inPlaceInputs = inputs
        return copy
    }

    /// This definition marked as giving other outputs for equal inputs (see `isNondeterministic`).
    public func nondeterministic() -> OpDefinition {
        var copy = self
        copy.isNondeterministic = true
        return copy
    }

    /// This definition with `rule` as its gradient.
    public func differentiable(_ rule: @escaping (Gradient) throws -> Void) -> OpDefinition {
        var copy = self
        copy.gradient = rule
        return copy
    }
}
