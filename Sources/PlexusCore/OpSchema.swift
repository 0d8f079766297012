import CPlexus
import PlexusABI

/// The identity of an operator: an ONNX domain ("" is ai.onnx) and a name.
public struct OpKey: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// ONNX domain; "" is ai.onnx.
    public var domain: String
    public var name: String

    /// `domain` "ai.onnx" is the same as "".
    public init(domain: String = "", name: String) {
        self.domain = domain == "ai.onnx" ? "" : domain
        self.name = name
    }

    public var description: String { domain.isEmpty ? name : "\(domain).\(name)" }

    public static func < (lhs: OpKey, rhs: OpKey) -> Bool {
        (lhs.domain, lhs.name) < (rhs.domain, rhs.name)
    }
}

/// One attribute an operator accepts.
public struct AttributeSpec: Sendable {
    /// Attribute name.
    public var name: String
    /// Attribute type.
    public var type: AttributeType
    /// Whether calls must give it.
    public var required: Bool

    /// Declares an attribute.
    public init(name: String, type: AttributeType, required: Bool) {
        self.name = name
        self.type = type
        self.required = required
    }
}

/// What shape inference knows about one value: a dtype and dims (nil = unknown dim), or no
/// rank at all.
public struct TensorType: Sendable, Equatable, CustomStringConvertible {
    /// Element type.
    public var dtype: DType
    /// Dimensions; nil entries are unknown; the whole array is nil when the rank is unknown.
    public var shape: [Int?]?

    /// A type with partially known dims.
    public init(dtype: DType, shape: [Int?]?) {
        self.dtype = dtype
        self.shape = shape
    }

    /// The exact type of a tensor.
    public init(of tensor: Tensor) {
        self.init(dtype: tensor.dtype, shape: tensor.shape.map { $0 })
    }

    public var description: String {
        guard let shape else { return "\(dtype)[?]" }
        return "\(dtype)[\(shape.map { $0.map(String.init) ?? "?" }.joined(separator: ","))]"
    }
}

/// An input to shape inference: its type and, when known (a constant), its value.
public struct InferenceInput: Sendable {
    /// What is known of the input's type.
    public var type: TensorType
    /// Its value, when it is a constant.
    public var value: Tensor?

    /// An input of `type`, with its value when known.
    public init(type: TensorType, value: Tensor? = nil) {
        self.type = type
        self.value = value
    }
}

/// The gradient rule of an operator: given the node's inputs, outputs and the gradients of its
/// outputs, returns the gradient of each input (nil where none flows). Rules are written in
/// terms of other ops so that they run on every backend. Filled in by the autograd layer.
public typealias GradientRule = @Sendable (_ inputs: [Tensor?], _ outputs: [Tensor?], _ outputGradients: [Tensor?],
                                           _ attributes: Attributes) throws -> [Tensor?]

/// An operator's schema: arity, attributes with defaults, shape inference and, optionally,
/// a gradient rule. Registered by plugins; looked up by `OpKey`. A reference type so that the
/// dispatch hot path shares it instead of copying its fields.
public final class OpSchema: @unchecked Sendable {
    /// The operator.
    public let key: OpKey
    /// ONNX opset version whose semantics it implements.
    public let sinceVersion: Int
    /// How many inputs a call may give.
    public let inputs: ClosedRange<Int>
    /// How many outputs a call may ask for.
    public let outputs: ClosedRange<Int>
    /// Accepted attributes.
    public let attributes: [AttributeSpec]
    /// Defaults of optional attributes.
    public let defaults: Attributes
    /// One-line description.
    public let doc: String
    /// Whether equal inputs always give equal outputs (`PLX_OP_NONDETERMINISTIC` unset): only then
    /// may a session fold the op into a constant.
    public let isDeterministic: Bool
    /// Name of the plugin that registered the schema.
    public let plugin: String
    /// The gradient slot (see `GradientRule`); nil when the op is not differentiable. Set when a
    /// plugin registers the rule, under the registry's lock, before the schema is looked up.
    public internal(set) var gradient: GradientRule?
    /// The forward written with other ops, run instead of a kernel while recording gradients.
    var decomposition: (function: plx_kernel_fn, user: UnsafeMutableRawPointer?)?
    /// True when the op has a decomposition.
    public var isDecomposable: Bool { decomposition != nil }
    let infer: plx_infer_fn?
    let inferUser: UnsafeMutableRawPointer?

    init(key: OpKey, sinceVersion: Int, inputs: ClosedRange<Int>, outputs: ClosedRange<Int>, attributes: [AttributeSpec],
         defaults: Attributes, doc: String, isDeterministic: Bool = true, plugin: String, gradient: GradientRule?,
         infer: plx_infer_fn?, inferUser: UnsafeMutableRawPointer?) {
        self.key = key
        self.sinceVersion = sinceVersion
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.defaults = defaults
        self.doc = doc
        self.isDeterministic = isDeterministic
        self.plugin = plugin
        self.gradient = gradient
        self.infer = infer
        self.inferUser = inferUser
    }

    /// True when the schema has a shape inference function.
    public var canInfer: Bool { infer != nil }
}

/// "No upper limit" for `OpSchema.inputs`/`outputs`.
public let unboundedArity = Int(Int32.max)
