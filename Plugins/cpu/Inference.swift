import PlexusPluginKit

/// Shape-inference rules shared by many operators.
enum Inference {
    /// Output 0 has input 0's type (or `dtype` when given).
    static func sameAsInput(_ dtype: DType? = nil) -> (InferenceContext) throws -> Void {
        { context in
            guard let input = context.input(0) else { throw PlexusError.invalid("input 0 is required") }
            try context.setOutput(0, dtype ?? input.dtype, input.shape)
        }
    }

    /// Output 0 has the numpy-broadcast shape of the present inputs (unknown dims stay unknown
    /// unless another input fixes them) and input 0's dtype (or `dtype`).
    static func broadcast(_ dtype: DType? = nil, firstInput: Int = 0) -> (InferenceContext) throws -> Void {
        { context in
            let inputs = (firstInput..<context.inputCount).compactMap { context.input($0) }
            guard let first = context.input(firstInput) else { throw PlexusError.invalid("input \(firstInput) is required") }
            try context.setOutput(0, dtype ?? first.dtype, try broadcastShape(inputs.map(\.shape)))
        }
    }

    /// Broadcast of partially known shapes; nil when some rank is unknown.
    static func broadcastShape(_ shapes: [[Int?]?]) throws -> [Int?]? {
        var known: [[Int?]] = []
        for shape in shapes {
            guard let shape else { return nil }
            known.append(shape)
        }
        let rank = known.map(\.count).max() ?? 0
        var result = [Int?](repeating: 1, count: rank)
        for shape in known {
            for (index, dim) in shape.enumerated() {
                let position = rank - shape.count + index
                switch (result[position], dim) {
                case (_, 1?): continue
                case (1?, _): result[position] = dim
                case (let a?, let b?) where a != b:
                    throw PlexusError(.shapeMismatch, "shapes cannot be broadcast: \(a) vs \(b)")
                case (nil, let b?): result[position] = b
                default: continue
                }
            }
        }
        return result
    }
}
