import CPlexus
import PlexusABI

/// The identity of an operator: an ONNX domain ("" is ai.onnx) and a name.
public struct OpKey: Hashable, Sendable, CustomStringConvertible, Comparable {
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
    public var name: String
    public var type: AttributeType
    public var required: Bool

    public init(name: String, type: AttributeType, required: Bool) {
        self.name = name
        self.type = type
        self.required = required
    }
}

/// What shape inference knows about one value: a dtype and dims (nil = unknown dim), or no
/// rank at all.
public struct TensorType: Sendable, Equatable, CustomStringConvertible {
    public var dtype: DType
    /// Dimensions; nil entries are unknown; the whole array is nil when the rank is unknown.
    public var shape: [Int?]?

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
    public var type: TensorType
    public var value: Tensor?

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
/// a gradient rule. Registered by plugins; looked up by `OpKey`.
public struct OpSchema: @unchecked Sendable {
    public var key: OpKey
    public var sinceVersion: Int
    public var inputs: ClosedRange<Int>
    public var outputs: ClosedRange<Int>
    public var attributes: [AttributeSpec]
    public var defaults: Attributes
    public var doc: String
    /// Name of the plugin that registered the schema.
    public var plugin: String
    /// The gradient slot (see `GradientRule`); nil when the op is not differentiable.
    public var gradient: GradientRule?
    let infer: plx_infer_fn?
    let inferUser: UnsafeMutableRawPointer?

    /// True when the schema has a shape inference function.
    public var canInfer: Bool { infer != nil }
}

/// "No upper limit" for `OpSchema.inputs`/`outputs`.
public let unboundedArity = Int(Int32.max)
