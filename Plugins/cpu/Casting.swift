import PlexusPluginKit

/// Cast between numeric, bool, half-precision and narrow (float8, float4, int4, int2) dtypes
/// (ONNX Cast): float→integer truncates toward zero and saturates out of range; integer→integer
/// wraps; anything nonzero is true; narrow types follow NarrowNumbers (`saturate` for float8,
/// `round_mode` for float8e8m0).
enum Casting: OperatorFamily {
    static var definitions: [OpDefinition] {
        [OpDefinition("Cast", since: 21, inputs: 1...1,
                             attributes: [.required("to", .int), AttributeDeclaration("saturate", .int, default: .int(1)),
                                          AttributeDeclaration("round_mode", .string, default: .string("up"))],
                             doc: "convert to the dtype `to`", supports: DTypes.first(DTypes.castable),
                             infer: { context in
                                 guard let input = context.input(0) else { throw PlexusError.invalid("Cast needs an input") }
                                 try context.setOutput(0, try target(context.attributes), input.shape)
                             },
                             compute: { context in
                                 let input = try context.input(0)
                                 let output = try context.output(0, try target(context.attributes), input.shape)
                                 try convert(input, into: output, rules: try Rules(context.attributes))
                             })]
    }

    /// How out-of-range values reach the float8 types: ONNX's `saturate` and `round_mode`.
    struct Rules {
        var saturate = true
        var rounding = NarrowNumbers.PowerRounding.up

        init() {}

        init(_ attributes: AttributeReader) throws {
            saturate = try (attributes.int("saturate") ?? 1) != 0
            let mode = try attributes.string("round_mode") ?? "up"
            guard let rounding = NarrowNumbers.PowerRounding(rawValue: mode) else {
                throw PlexusError.invalid("round_mode must be up, down or nearest, not '\(mode)'")
            }
            self.rounding = rounding
        }
    }

    static func target(_ attributes: AttributeReader) throws -> DType {
        let raw = try attributes.int("to") ?? 0
        guard let dtype = DType(rawValue: Int32(clamping: raw)), dtype != .string else {
            throw PlexusError(.unsupported, "Cast: unsupported target dtype \(raw)")
        }
        return dtype
    }

    /// A new tensor holding `input` converted to `dtype`.
    static func cast(_ input: KernelTensor, to dtype: DType) throws -> OwnedTensor {
        let output = try OwnedTensor.create(dtype, input.shape)
        try convert(input, into: output.view)
        return output
    }

    /// The elements of a numeric/bool tensor as Double (exact for integers up to 2^53).
    static func doubles(_ t: KernelTensor) throws -> [Double] {
        func read<T>(_ type: T.Type, _ f: (T) -> Double) -> [Double] {
            let p = t.pointer(as: T.self)
            return (0..<t.count).map { f(p[$0]) }
        }
        switch t.dtype {
        case .float32: return read(Float.self) { Double($0) }
        case .float64: return read(Double.self) { $0 }
        case .float16, .bfloat16: return HalfPrecision.widened(t).map(Double.init)
        case .bool: return read(UInt8.self) { $0 != 0 ? 1 : 0 }
        case .int8: return read(Int8.self) { Double($0) }
        case .int16: return read(Int16.self) { Double($0) }
        case .int32: return read(Int32.self) { Double($0) }
        case .int64: return read(Int64.self) { Double($0) }
        case .uint8: return read(UInt8.self) { Double($0) }
        case .uint16: return read(UInt16.self) { Double($0) }
        case .uint32: return read(UInt32.self) { Double($0) }
        case .uint64: return read(UInt64.self) { Double($0) }
        case .string: throw PlexusError(.unsupported, "Cast from string is not supported")
        default:
            let p = t.pointer(as: UInt8.self)
            return (0..<t.count).map { NarrowNumbers.decode(p[$0], t.dtype) }
        }
    }

    /// The elements of an integer/bool tensor as Int64 (uint64 by bit pattern).
    static func integers(_ t: KernelTensor) -> [Int64] {
        func read<T: BinaryInteger>(_ type: T.Type) -> [Int64] {
            let p = t.pointer(as: T.self)
            return (0..<t.count).map { Int64(truncatingIfNeeded: p[$0]) }
        }
        switch t.dtype {
        case .int8: return read(Int8.self)
        case .int16: return read(Int16.self)
        case .int32: return read(Int32.self)
        case .int64: return read(Int64.self)
        case .uint8, .bool: return read(UInt8.self).map { t.dtype == .bool ? ($0 != 0 ? 1 : 0) : $0 }
        case .uint16: return read(UInt16.self)
        case .uint32: return read(UInt32.self)
        default: return read(UInt64.self)
        }
    }

    static func convert(_ input: KernelTensor, into output: KernelTensor, rules: Rules = Rules()) throws {
        if input.dtype == output.dtype {
            output.data.copyMemory(from: input.data, byteCount: input.count * input.dtype.elementSize)
            return
        }
        let count = input.count
        if (input.dtype.isInteger || input.dtype == .bool) && output.dtype.isInteger {
            return try TypeDispatch.integer(output.dtype, op: "Cast", TruncatingWrite(values: integers(input), output: output))
        }
        if (input.dtype.isInteger || input.dtype == .bool), let bits = output.dtype.packedBits, NarrowNumbers.integerRange(output.dtype) != nil {
            // integer → int4/int2 wraps too (through Double, 64-bit values would lose their low bits)
            let p = output.pointer(as: UInt8.self), mask = UInt8((1 << bits) - 1)
            for (i, value) in integers(input).enumerated() { p[i] = UInt8(truncatingIfNeeded: value) & mask }
            return
        }
        let values = try doubles(input)
        switch output.dtype {
        case .float32, .float64, .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64:
            try TypeDispatch.numeric(output.dtype, op: "Cast", ConvertingWrite(values: values, output: output))
        case .bool:
            let p = output.pointer(as: Bool.self)
            for i in 0..<count { p[i] = values[i] != 0 }
        case .float16, .bfloat16:
            let floats = values.map { Float($0) }
            floats.withUnsafeBufferPointer { HalfPrecision.store($0, into: output) }
        case .string:
            throw PlexusError(.unsupported, "Cast to string is not supported")
        default:  // the narrow types
            let p = output.pointer(as: UInt8.self)
            for i in 0..<count {
                p[i] = NarrowNumbers.encode(values[i], output.dtype, saturate: rules.saturate, rounding: rules.rounding)
            }
        }
    }

    /// Integers written to an integer output, wrapping like C casts.
    struct TruncatingWrite: IntegerBody {
        let values: [Int64], output: KernelTensor
        func run<T: CPUInteger>(_ type: T.Type) {
            let p = output.pointer(as: T.self)
            for i in values.indices { p[i] = T(truncatingIfNeeded: values[i]) }
        }
    }

    /// Doubles written to a numeric output with the element type's conversion.
    struct ConvertingWrite: NumericBody {
        let values: [Double], output: KernelTensor
        func run<T: CPUNumber>(_ type: T.Type) {
            let p = output.pointer(as: T.self)
            for i in values.indices { p[i] = T(double: values[i]) }
        }
    }
}
