import PlexusPluginKit

/// Shape, Size, ConstantOfShape and Range: operators that make new tensors from sizes.
enum Generators: OperatorFamily {
    static var definitions: [OpDefinition] {
        [
            OpDefinition("Shape", since: 21, inputs: 1...1,
                         attributes: [AttributeDeclaration("start", .int, default: .int(0)), AttributeDeclaration("end", .int)],
                         doc: "the input's dims as int64", compute: { context in
                             let input = try context.input(0)
                             let rank = input.rank
                             func clamp(_ value: Int) -> Int { min(max(value < 0 ? value + rank : value, 0), rank) }
                             let start = clamp(try context.attributes.int("start") ?? 0)
                             let end = clamp(try context.attributes.int("end") ?? rank)
                             let dims = start < end ? Array(input.shape[start..<end]) : []
                             let output = try context.output(0, .int64, [dims.count])
                             for (index, dim) in dims.enumerated() { output.pointer(as: Int64.self)[index] = Int64(dim) }
                         }),
            OpDefinition("Size", since: 21, inputs: 1...1, doc: "the input's element count as int64", compute: { context in
                let input = try context.input(0)
                try context.output(0, .int64, []).pointer(as: Int64.self)[0] = Int64(input.count)
            }),
            OpDefinition("ConstantOfShape", since: 21, inputs: 1...1, attributes: [AttributeDeclaration("value", .tensor)],
                         doc: "a tensor of the given shape filled with `value` (float 0 by default)", compute: { context in
                             let shape = try context.input(0).integers()
                             guard shape.allSatisfy({ $0 >= 0 }) else { throw PlexusError.invalid("ConstantOfShape: negative dim in \(shape)") }
                             let value = try context.attributes.tensor("value")
                             if let value, value.count != 1 || value.dtype == .string {
                                 throw PlexusError.invalid("ConstantOfShape: value must be a one-element numeric tensor")
                             }
                             let dtype = value?.dtype ?? .float32
                             let output = try context.output(0, dtype, shape)
                             let size = dtype.elementSize
                             for index in 0..<output.count {
                                 if let value {
                                     (output.data + index * size).copyMemory(from: value.data, byteCount: size)
                                 } else {
                                     (output.data + index * size).initializeMemory(as: UInt8.self, repeating: 0, count: size)
                                 }
                             }
                         }),
            OpDefinition("Range", since: 11, inputs: 3...3, doc: "start, start+delta, ... up to (excluding) limit",
                         supports: DTypes.first([.float32, .float64, .int16, .int32, .int64]), compute: range),
        ]
    }

    struct RangeBody: NumericBody {
        let context: KernelContext
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let start = try context.input(0).pointer(as: T.self)[0]
            let limit = try context.input(1).pointer(as: T.self)[0]
            let delta = try context.input(2).pointer(as: T.self)[0]
            let count = try Generators.rangeCount(start: start, limit: limit, delta: delta)
            let output = try context.output(0, T.dtype, [count]).pointer(as: T.self)
            for index in 0..<count { output[index] = T.add(start, T.mul(T(double: Double(index)), delta)) }
        }
    }

    /// The number of Range elements, max(ceil((limit - start) / delta), 0): exact for integers
    /// (in 128 bits, so Int64.min..<Int64.max does not wrap to empty), in Double for floats.
    /// Throws for a zero or NaN delta, NaN/infinite bounds and counts of 2⁴⁰ or more.
    static func rangeCount<T: CPUNumber>(start: T, limit: T, delta: T) throws -> Int {
        let exact: Double
        if let s = start as? any BinaryInteger, let l = limit as? any BinaryInteger, let d = delta as? any BinaryInteger {
            let (s, l, d) = (Int128(s), Int128(l), Int128(d))
            guard d != 0 else { throw PlexusError.invalid("Range: delta must not be 0") }
            let span = l - s
            var quotient = span / d
            if span % d != 0 && (span > 0) == (d > 0) { quotient += 1 }
            exact = Double(max(quotient, 0))
        } else {
            let (s, l, d) = (start.double, limit.double, delta.double)
            guard d != 0 else { throw PlexusError.invalid("Range: delta must not be 0") }
            exact = max(((l - s) / d).rounded(.up), 0)
            guard exact.isFinite else { throw PlexusError.invalid("Range: start \(s), limit \(l) and delta \(d) give no finite count") }
        }
        guard exact < Double(1 << 40) else {
            throw PlexusError.invalid("Range: start \(start), limit \(limit) and delta \(delta) give \(exact) elements, too many")
        }
        return Int(exact)
    }

    static func range(_ context: KernelContext) throws {
        let inputs = try (0..<3).map { try context.input($0) }
        let dtype = try requireSameDType(inputs, op: "Range")
        guard inputs.allSatisfy({ $0.count == 1 }) else { throw PlexusError.invalid("Range: start, limit and delta must be scalars") }
        try TypeDispatch.numeric(dtype, op: "Range", RangeBody(context: context))
    }
}
