import PlexusPluginKit

/// ONNX linear (de)quantization (opset 21+ semantics): QuantizeLinear, DequantizeLinear and
/// DynamicQuantizeLinear, with per-tensor, per-axis and blocked (`block_size`) scales, into and
/// out of int8/uint8/int16/uint16/int32, int4/uint4/int2/uint2 (rounded half-to-even and
/// saturated) and float8/float4 (x / scale + zero point rounded to the format, saturating when
/// `saturate` is 1).
enum LinearQuantization {
    /// The dtypes a quantized tensor may have.
    static let quantizedTypes: Set<DType> = Set<DType>([.int8, .uint8, .int16, .uint16, .int32]).union(DTypes.narrow.subtracting([.float8e8m0]))

    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        let layout = [AttributeDeclaration("axis", .int, default: .int(1)), AttributeDeclaration("block_size", .int, default: .int(0))]
        return [
            OpDefinition("QuantizeLinear", since: 21, inputs: 2...3,
                         attributes: layout + [AttributeDeclaration("output_dtype", .int, default: .int(0)),
                                               AttributeDeclaration("saturate", .int, default: .int(1))],
                         doc: "saturate(round(x / y_scale) + y_zero_point)",
                         supports: DTypes.first(DTypes.floats.union(DTypes.halfs).union([.int32])),
                         infer: { context in
                             try context.setOutput(0, try quantizedType(context.input(2)?.dtype, context.attributes),
                                                   context.input(0)?.shape ?? nil)
                         },
                         compute: quantize),
            OpDefinition("DequantizeLinear", since: 21, inputs: 2...3,
                         attributes: layout + [AttributeDeclaration("output_dtype", .int, default: .int(0))],
                         doc: "(x - x_zero_point) * x_scale", supports: DTypes.first(quantizedTypes),
                         infer: { context in
                             try context.setOutput(0, try dequantizedType(context.input(1)?.dtype ?? .float32, context.attributes),
                                                   context.input(0)?.shape ?? nil)
                         },
                         compute: dequantize),
            OpDefinition("DynamicQuantizeLinear", since: 11, inputs: 1...1, outputs: 3...3,
                         doc: "uint8 quantization with scale and zero point chosen from the range of x (and 0)",
                         supports: DTypes.first([.float32]),
                         infer: { context in
                             try context.setOutput(0, .uint8, context.input(0)?.shape ?? nil)
                             try context.setOutput(1, .float32, [])
                             try context.setOutput(2, .uint8, [])
                         },
                         compute: dynamicQuantize),
        ]
    }

    /// The output dtype of QuantizeLinear: the zero point's, else `output_dtype`, else uint8.
    static func quantizedType(_ zeroPoint: DType?, _ attributes: AttributeReader) throws -> DType {
        let requested = try attributes.int("output_dtype") ?? 0
        let attribute = requested == 0 ? nil : DType(rawValue: Int32(clamping: requested))
        if requested != 0 && (attribute == nil || !quantizedTypes.contains(attribute!)) {
            throw PlexusError(.unsupported, "QuantizeLinear: unsupported output_dtype \(requested)")
        }
        if let zeroPoint, let attribute, zeroPoint != attribute {
            throw PlexusError(.dtypeMismatch, "QuantizeLinear: output_dtype \(attribute) differs from the zero point's \(zeroPoint)")
        }
        let result = zeroPoint ?? attribute ?? .uint8
        guard quantizedTypes.contains(result) else {
            throw PlexusError(.unsupported, "QuantizeLinear: unsupported quantized dtype \(result)")
        }
        return result
    }

    /// The output dtype of DequantizeLinear: `output_dtype` if set, else the scale's.
    static func dequantizedType(_ scale: DType, _ attributes: AttributeReader) throws -> DType {
        let requested = try attributes.int("output_dtype") ?? 0
        let result = requested == 0 ? scale : DType(rawValue: Int32(clamping: requested))
        guard let result, result.isFloatingPoint else {
            throw PlexusError(.unsupported, "DequantizeLinear: unsupported output_dtype \(requested)")
        }
        return result
    }

    /// Maps an element of `x` to the element of its scale / zero point.
    struct ParameterLayout {
        let inner: Int, length: Int, blockSize: Int, blocks: Int, perTensor: Bool, perAxis: Bool

        /// Checks the scale's shape against `x` (per-tensor, per-axis along `axis`, or blocked).
        init(x: [Int], scale: [Int], attributes: AttributeReader, op: String) throws {
            let blockSize = try attributes.int("block_size") ?? 0
            guard blockSize >= 0 else { throw PlexusError.invalid("\(op): block_size must be >= 0, got \(blockSize)") }
            perTensor = scale.count <= 1 && scale.reduce(1, *) == 1 && blockSize == 0
            let dims = x.isEmpty ? [1] : x
            let axis = perTensor ? 0 : try normalizedAxis(try attributes.int("axis") ?? 1, rank: x.count, op: op)
            inner = product(dims, (axis + 1)..<dims.count)
            length = dims[axis]
            perAxis = !perTensor && blockSize == 0
            if perAxis {
                guard scale.count == 1, scale[0] == length else {
                    throw PlexusError(.shapeMismatch, "\(op): a per-axis scale must be 1-D of length \(length) (axis \(axis)), got \(scale)")
                }
            }
            self.blockSize = max(blockSize, 1)
            blocks = length == 0 ? 0 : (length - 1) / self.blockSize + 1  // ⌈length / block⌉ without overflow (block_size Int64.max)
            if blockSize > 0 {
                var expected = dims
                expected[axis] = blocks
                guard scale == expected else {
                    throw PlexusError(.shapeMismatch, "\(op): a blocked scale for block_size \(blockSize) must have shape \(expected), got \(scale)")
                }
            }
        }

        /// The scale index of element `index` of `x`.
        @inline(__always) func parameter(_ index: Int) -> Int {
            if perTensor { return 0 }
            let position = (index / inner) % length
            if perAxis { return position }
            return (index / (inner * length)) * blocks * inner + (position / blockSize) * inner + index % inner
        }
    }

    /// The zero point's values, checked to have the scale's shape (zeros when omitted).
    static func zeroPoints(_ zeroPoint: KernelTensor?, scale: KernelTensor, op: String) throws -> [Double] {
        guard let zeroPoint else { return [Double](repeating: 0, count: scale.count) }
        guard zeroPoint.shape.reduce(1, *) == scale.count, zeroPoint.rank == scale.rank || scale.count == 1 else {
            throw PlexusError(.shapeMismatch, "\(op): zero point shape \(zeroPoint.shape) differs from the scale's \(scale.shape)")
        }
        return try Casting.doubles(zeroPoint)
    }

    /// The representable range of an integer dtype.
    static func range(of dtype: DType) -> ClosedRange<Double> {
        if let narrow = NarrowNumbers.integerRange(dtype) { return narrow }
        switch dtype {
        case .int8: return -128...127
        case .uint8: return 0...255
        case .int16: return -32768...32767
        case .uint16: return 0...65535
        default: return -2147483648...2147483647
        }
    }

    /// The QuantizeLinear kernel.
    static func quantize(_ context: KernelContext) throws {
        let x = try context.input(0), scale = try context.input(1), zeroPoint = context.optionalInput(2)
        guard scale.dtype.isFloatingPoint else { throw PlexusError(.dtypeMismatch, "QuantizeLinear: y_scale must be floating point") }
        let dtype = try quantizedType(zeroPoint?.dtype, context.attributes)
        let output = try context.output(0, dtype, x.shape)
        let layout = try ParameterLayout(x: x.shape, scale: scale.shape, attributes: context.attributes, op: context.op)
        let values = try Casting.doubles(x), scales = try Casting.doubles(scale)
        let zeros = try zeroPoints(zeroPoint, scale: scale, op: context.op)
        let single = scale.dtype != .float64
        let ratios = (0..<x.count).map { index -> Double in
            let p = layout.parameter(index)
            return single ? Double(Float(values[index]) / Float(scales[p])) : values[index] / scales[p]
        }
        let toFloat = MiniFloat(dtype) != nil, bounds = range(of: dtype)
        let result = ratios.indices.map { index -> Double in
            if toFloat { return ratios[index] + zeros[layout.parameter(index)] }  // float8/float4 round in the encoding
            let q = ratios[index].rounded(.toNearestOrEven) + zeros[layout.parameter(index)]
            // NaN saturates to the lowest value, as in onnxruntime (0 for uint8, -128 for int8).
            return q.isNaN ? bounds.lowerBound : min(max(q, bounds.lowerBound), bounds.upperBound)
        }
        if dtype.isNarrow {
            let saturate = try (context.attributes.int("saturate") ?? 1) != 0  // (integers are clamped above)
            let target = output.pointer(as: UInt8.self)
            for index in result.indices { target[index] = NarrowNumbers.encode(result[index], dtype, saturate: saturate) }
            return
        }
        try DoubleStaging.write(result, into: output)
    }

    /// The DequantizeLinear kernel.
    static func dequantize(_ context: KernelContext) throws {
        let x = try context.input(0), scale = try context.input(1), zeroPoint = context.optionalInput(2)
        guard scale.dtype.isFloatingPoint else { throw PlexusError(.dtypeMismatch, "DequantizeLinear: x_scale must be floating point") }
        if let zeroPoint, zeroPoint.dtype != x.dtype {
            throw PlexusError(.dtypeMismatch, "DequantizeLinear: zero point dtype \(zeroPoint.dtype) differs from x's \(x.dtype)")
        }
        let output = try context.output(0, try dequantizedType(scale.dtype, context.attributes), x.shape)
        let layout = try ParameterLayout(x: x.shape, scale: scale.shape, attributes: context.attributes, op: context.op)
        let values = try Casting.doubles(x), scales = try Casting.doubles(scale)
        let zeros = try zeroPoints(zeroPoint, scale: scale, op: context.op)
        try DoubleStaging.write((0..<x.count).map { index in
            let p = layout.parameter(index)
            return (values[index] - zeros[p]) * scales[p]
        }, into: output)
    }

    /// The DynamicQuantizeLinear kernel: scale = (max(x, 0) - min(x, 0)) / 255.
    static func dynamicQuantize(_ context: KernelContext) throws {
        let x = try context.input(0)
        let values = x.pointer(as: Float.self)
        var low: Float = 0, high: Float = 0
        for index in 0..<x.count {
            low = min(low, values[index])
            high = max(high, values[index])
        }
        let scale = (high - low) / 255
        // An infinite input makes -low / scale NaN: saturated to 255 as onnxruntime's clamp does.
        let intermediate = (-low / scale).rounded(.toNearestOrEven)
        let zeroPoint: Float = scale == 0 ? 0 : intermediate.isNaN ? 255 : min(max(intermediate, 0), 255)
        let output = try context.output(0, .uint8, x.shape)
        let quantized = output.pointer(as: UInt8.self)
        for index in 0..<x.count {
            let q = scale == 0 ? zeroPoint : (values[index] / scale).rounded(.toNearestOrEven) + zeroPoint
            quantized[index] = q.isNaN ? 0 : UInt8(min(max(q, 0), 255))
        }
        try context.output(1, .float32, []).pointer(as: Float.self).pointee = scale
        try context.output(2, .uint8, []).pointer(as: UInt8.self).pointee = UInt8(zeroPoint)
    }
}
