/// A computation graph in the form ONNX import produces and sessions run: named values
/// flowing between operator nodes, with constant initializers.
public struct Graph: Sendable {
    /// A value's declared type: element type and dims, each a number, a symbolic name or unknown.
    public struct ValueInfo: Sendable, Equatable {
        /// One dimension of a declared shape.
        public enum Dimension: Sendable, Equatable, CustomStringConvertible {
            case fixed(Int)
            case symbolic(String)
            case unknown

            public var description: String {
                switch self {
                case .fixed(let value): return "\(value)"
                case .symbolic(let name): return name
                case .unknown: return "?"
                }
            }
        }

        /// The value's name.
        public var name: String
        /// Element type; nil when the graph does not say (or it is not a tensor).
        public var dtype: DType?
        /// Dims; nil when the rank is unknown.
        public var shape: [Dimension]?

        public init(name: String, dtype: DType?, shape: [Dimension]?) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
        }

        /// Whether `tensor` fits the declared type (symbolic and unknown dims match anything).
        func admits(_ tensor: Tensor) -> Bool {
            if let dtype, dtype != tensor.dtype { return false }
            guard let shape else { return true }
            guard shape.count == tensor.rank else { return false }
            return zip(shape, tensor.shape).allSatisfy { declared, actual in
                if case .fixed(let value) = declared { return value == actual }
                return true
            }
        }
    }

    /// One operator application: inputs and outputs by value name ("" = omitted optional).
    public struct Node: Sendable {
        public var op: OpKey
        public var name: String
        public var inputs: [String]
        public var outputs: [String]
        public var attributes: Attributes

        public init(op: OpKey, name: String = "", inputs: [String], outputs: [String], attributes: Attributes = Attributes()) {
            self.op = op
            self.name = name
            self.inputs = inputs
            self.outputs = outputs
            self.attributes = attributes
        }

        /// "name (Op)" or "Op" for messages.
        public var label: String { name.isEmpty ? "\(op)" : "\(name) (\(op))" }
    }

    /// Inputs the caller feeds (initializers with the same name are defaults, as ONNX allows).
    public var inputs: [ValueInfo]
    /// Outputs the graph produces.
    public var outputs: [ValueInfo]
    /// Nodes, in any order (sessions sort them).
    public var nodes: [Node]
    /// Constant values by name.
    public var initializers: [String: Tensor]

    public init(inputs: [ValueInfo], outputs: [ValueInfo], nodes: [Node], initializers: [String: Tensor]) {
        self.inputs = inputs
        self.outputs = outputs
        self.nodes = nodes
        self.initializers = initializers
    }
}
