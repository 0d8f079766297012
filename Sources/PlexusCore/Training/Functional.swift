/// Short names for the ops that losses and training code are written with; each records
/// autograd like any op call.
enum F {
    static func op(_ name: String, _ inputs: [Tensor?], _ attributes: Attributes = Attributes()) throws -> Tensor {
        try Ops.call1(name, inputs, attributes: attributes)
    }
    static func add(_ a: Tensor, _ b: Tensor) throws -> Tensor { try op("Add", [a, b]) }
    static func sub(_ a: Tensor, _ b: Tensor) throws -> Tensor { try op("Sub", [a, b]) }
    static func mul(_ a: Tensor, _ b: Tensor) throws -> Tensor { try op("Mul", [a, b]) }
    static func div(_ a: Tensor, _ b: Tensor) throws -> Tensor { try op("Div", [a, b]) }
    static func neg(_ a: Tensor) throws -> Tensor { try op("Neg", [a]) }
    static func abs(_ a: Tensor) throws -> Tensor { try op("Abs", [a]) }
    static func sum(_ a: Tensor, axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try op("ReduceSum", [a, try axes.map { try Tensor($0.map(Int64.init), shape: [$0.count]) }], ["keepdims": .int(keepDims ? 1 : 0)])
    }
    /// A scalar constant of `like`'s dtype.
    static func scalar(_ value: Double, like tensor: Tensor) throws -> Tensor { try Tensor.filled(value, dtype: tensor.dtype, shape: []) }
    static func cast(_ a: Tensor, to dtype: DType) throws -> Tensor {
        a.dtype == dtype ? a : try op("Cast", [a], ["to": .int(Int64(dtype.rawValue))])
    }
}
