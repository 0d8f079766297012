import PlexusPluginKit

/// TopK: the k largest (or smallest) elements along an axis and their indices. Ties keep the
/// lower index first, as ONNX specifies.
enum Sorting: OperatorFamily {
    static var definitions: [OpDefinition] {
        [OpDefinition("TopK", since: 11, inputs: 2...2, outputs: 2...2,
                      attributes: [AttributeDeclaration("axis", .int, default: .int(-1)), AttributeDeclaration("largest", .int, default: .int(1)),
                                   AttributeDeclaration("sorted", .int, default: .int(1))],
                      doc: "k largest/smallest values and their indices", supports: DTypes.first(DTypes.numeric), compute: compute)]
    }

    struct Body: NumericBody {
        let input: KernelTensor, values: KernelTensor, indices: KernelTensor, axis: Int, k: Int, largest: Bool
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let x = input.pointer(as: T.self), v = values.pointer(as: T.self), ix = indices.pointer(as: Int64.self)
            let outer = product(input.shape, 0..<axis), length = input.shape[axis], inner = product(input.shape, (axis + 1)..<input.rank)
            var order = [Int](repeating: 0, count: length)
            for o in 0..<outer {
                for i in 0..<inner {
                    let element = { (position: Int) in x[(o * length + position) * inner + i] }
                    for position in 0..<length { order[position] = position }
                    // NaN sorts as the largest value, as numpy and onnxruntime do.
                    func before(_ a: Int, _ b: Int) -> Bool {
                        let xa = element(a), xb = element(b)
                        if xa.isNaNValue || xb.isNaNValue {
                            if xa.isNaNValue && xb.isNaNValue { return a < b }
                            return largest ? xa.isNaNValue : xb.isNaNValue
                        }
                        if xa == xb { return a < b }
                        return largest ? xa > xb : xa < xb
                    }
                    order.sort(by: before)
                    for rank in 0..<k {
                        let target = (o * k + rank) * inner + i
                        v[target] = element(order[rank])
                        ix[target] = Int64(order[rank])
                    }
                }
            }
        }
    }

    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0)
        let kTensor = try context.input(1)
        guard kTensor.count == 1 else { throw PlexusError.invalid("TopK: K must hold one value") }
        let axis = try normalizedAxis(try context.attributes.int("axis") ?? -1, rank: input.rank, op: "TopK")
        let k = try kTensor.integers()[0]
        guard k >= 0 && k <= input.shape[axis] else {
            throw PlexusError.invalid("TopK: k = \(k) is out of range for a dim of size \(input.shape[axis])")
        }
        var shape = input.shape
        shape[axis] = k
        let values = try context.output(0, input.dtype, shape), indices = try context.output(1, .int64, shape)
        try TypeDispatch.numeric(input.dtype, op: "TopK", Body(input: input, values: values, indices: indices, axis: axis, k: k,
                                                             largest: try context.attributes.flag("largest", default: true, op: "TopK")))
    }
}
