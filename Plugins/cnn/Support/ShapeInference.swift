import PlexusPluginKit

/// Shape-inference helpers shared by the plugin's ops.
enum ShapeInference {
    /// Output 0 has input 0's dtype and shape.
    static func sameAsInput(_ context: InferenceContext) throws {
        guard let input = context.input(0) else { throw PlexusError.invalid("input 0 is required") }
        try context.setOutput(0, input.dtype, input.shape)
    }

    /// The shape of input `index` when every dim is known.
    static func known(_ context: InferenceContext, _ index: Int) -> [Int]? {
        guard let shape = context.input(index)?.shape else { return nil }
        let dims = shape.compactMap { $0 }
        return dims.count == shape.count ? dims : nil
    }

    /// Output 0 gets input 0's dtype and the shape `compute` derives from the fully known
    /// shapes of inputs `needed`; otherwise input 0's rank with unknown dims. Further outputs,
    /// if asked for, get the same shape and `indexType` (MaxPool's Indices).
    static func derived(needing needed: [Int] = [0], indexType: DType = .int64,
                        _ compute: @escaping (InferenceContext, [[Int]]) throws -> [Int]) -> (InferenceContext) throws -> Void {
        { context in
            guard let input = context.input(0) else { throw PlexusError.invalid("input 0 is required") }
            let shapes = needed.compactMap { known(context, $0) }
            let shape: [Int?]? = shapes.count == needed.count
                ? try compute(context, shapes) : input.shape.map { Array(repeating: nil, count: $0.count) }
            for index in 0..<context.outputCount { try context.setOutput(index, index == 0 ? input.dtype : indexType, shape) }
        }
    }
}
