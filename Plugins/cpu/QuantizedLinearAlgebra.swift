import PlexusPluginKit

/// Integer and quantized matrix products and convolutions, composed of float64 op calls (exact
/// for the 8/16-bit integer ranges): MatMulInteger and ConvInteger (opset 10, int32 results),
/// QLinearMatMul (opset 21) and QLinearConv (opset 10), which requantize with half-to-even
/// rounding and saturation. Scales and zero points are per tensor, per row of A / per column
/// of B (matrix products) or per output channel of W (convolutions).
enum QuantizedLinearAlgebra {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        let eightBit = DTypes.first([.int8, .uint8])
        let convolution = [AttributeDeclaration("auto_pad", .string, default: .string("NOTSET")), AttributeDeclaration("dilations", .ints),
                           AttributeDeclaration("group", .int, default: .int(1)), AttributeDeclaration("kernel_shape", .ints),
                           AttributeDeclaration("pads", .ints), AttributeDeclaration("strides", .ints)]
        return [
            OpDefinition.composed("MatMulInteger", since: 10, inputs: 2...4, doc: "(A - a_zero_point) @ (B - b_zero_point) in int32",
                                  supports: eightBit) { s in
                let a = try s.input(0), b = try s.input(1)
                let product = try s.call("MatMul", [try centered(s, a, zeroPoint: s.optionalInput(2), rowsOf: a),
                                                    try centered(s, b, zeroPoint: s.optionalInput(3), rowsOf: nil)])
                return [try s.call("Cast", [product], [("to", .int(Int(DType.int32.rawValue)))])]
            },
            OpDefinition.composed("ConvInteger", since: 10, inputs: 2...4, attributes: convolution,
                                  doc: "Conv(x - x_zero_point, w - w_zero_point) in int32", supports: eightBit) { s in
                let x = try s.input(0), w = try s.input(1)
                let result = try s.call("Conv", [try centered(s, x, zeroPoint: s.optionalInput(2), rowsOf: nil),
                                                 try centered(s, w, zeroPoint: s.optionalInput(3), channelsOf: w)],
                                        try AttributeForwarding.given(s.attributes, convolution))
                return [try s.call("Cast", [result], [("to", .int(Int(DType.int32.rawValue)))])]
            },
            OpDefinition.composed("QLinearMatMul", since: 21, inputs: 8...8,
                                  doc: "quantize(dequantize(A) @ dequantize(B), y_scale, y_zero_point)", supports: eightBit) { s in
                let a = try s.input(0), b = try s.input(3)
                let left = try s.call("Mul", [try centered(s, a, zeroPoint: s.optionalInput(2), rowsOf: a),
                                              try widened(s, try s.input(1), rowsOf: a)])
                let right = try s.call("Mul", [try centered(s, b, zeroPoint: s.optionalInput(5), rowsOf: nil),
                                               try widened(s, try s.input(4), rowsOf: nil)])
                return [try requantized(s, try s.call("MatMul", [left, right]), scale: try s.input(6), zeroPoint: try s.input(7))]
            },
            OpDefinition.composed("QLinearConv", since: 10, inputs: 8...9, attributes: convolution,
                                  doc: "quantize(Conv(dequantize(x), dequantize(w)) + B · x_scale · w_scale)", supports: eightBit) { s in
                let x = try s.input(0), w = try s.input(3)
                let xScale = try widened(s, try s.input(1), rowsOf: nil), wScale = try widened(s, try s.input(4), rowsOf: nil)
                let input = try s.call("Mul", [try centered(s, x, zeroPoint: s.optionalInput(2), rowsOf: nil), xScale])
                let weightScale = try s.input(4).count > 1 ? try s.reshape(wScale, [w.shape[0]] + Array(repeating: 1, count: w.rank - 1)) : wScale
                let weight = try s.call("Mul", [try centered(s, w, zeroPoint: s.optionalInput(5), channelsOf: w), weightScale])
                let bias = try s.optionalInput(8).map { bias in
                    try s.call("Mul", [try s.call("Mul", [try widened(s, bias, rowsOf: nil), xScale]), wScale])
                }
                let result = try s.call("Conv", [input, weight, bias], try AttributeForwarding.given(s.attributes, convolution))
                return [try requantized(s, result, scale: try s.input(6), zeroPoint: try s.input(7))]
            },
        ]
    }

    /// `tensor` as float64; a 1-D tensor of several values is made a column when `rowsOf`
    /// (a matrix whose rows it indexes) is given.
    static func widened(_ s: OpSequence, _ tensor: KernelTensor, rowsOf matrix: KernelTensor?) throws -> KernelTensor {
        let wide = try s.call("Cast", [tensor], [("to", .int(Int(DType.float64.rawValue)))])
        guard let matrix, tensor.rank == 1, tensor.count > 1 else { return wide }
        guard matrix.rank >= 2, tensor.count == matrix.shape[matrix.rank - 2] else {
            throw PlexusError(.shapeMismatch, "\(s.op): a per-row parameter of shape \(tensor.shape) does not fit \(matrix.shape)")
        }
        return try s.reshape(wide, [tensor.count, 1])
    }

    /// `tensor - zeroPoint` in float64 (the zero point per row of `rowsOf` when 1-D).
    static func centered(_ s: OpSequence, _ tensor: KernelTensor, zeroPoint: KernelTensor?, rowsOf matrix: KernelTensor?) throws -> KernelTensor {
        let wide = try widened(s, tensor, rowsOf: nil)
        guard let zeroPoint else { return wide }
        guard zeroPoint.dtype == tensor.dtype else {
            throw PlexusError(.dtypeMismatch, "\(s.op): zero point dtype \(zeroPoint.dtype) differs from \(tensor.dtype)")
        }
        return try s.call("Sub", [wide, try widened(s, zeroPoint, rowsOf: matrix)])
    }

    /// `weight - zeroPoint` in float64, a 1-D zero point giving one value per output channel.
    static func centered(_ s: OpSequence, _ weight: KernelTensor, zeroPoint: KernelTensor?, channelsOf: KernelTensor) throws -> KernelTensor {
        guard let zeroPoint, zeroPoint.count > 1 else { return try centered(s, weight, zeroPoint: zeroPoint, rowsOf: nil) }
        guard zeroPoint.count == weight.shape[0] else {
            throw PlexusError(.shapeMismatch, "\(s.op): w_zero_point has \(zeroPoint.count) values for \(weight.shape[0]) output channels")
        }
        let perChannel = try s.reshape(try widened(s, zeroPoint, rowsOf: nil), [weight.shape[0]] + Array(repeating: 1, count: weight.rank - 1))
        return try s.call("Sub", [try widened(s, weight, rowsOf: nil), perChannel])
    }

    /// round(value / scale) + zeroPoint, saturated to the zero point's dtype.
    static func requantized(_ s: OpSequence, _ value: KernelTensor, scale: KernelTensor, zeroPoint: KernelTensor) throws -> KernelTensor {
        guard LinearQuantization.quantizedTypes.contains(zeroPoint.dtype) else {
            throw PlexusError(.dtypeMismatch, "\(s.op): unsupported output zero point dtype \(zeroPoint.dtype)")
        }
        let rounded = try s.call("Round", [try s.call("Div", [value, try widened(s, scale, rowsOf: nil)])])
        let shifted = try s.call("Add", [rounded, try widened(s, zeroPoint, rowsOf: nil)])
        let bounds = LinearQuantization.range(of: zeroPoint.dtype)
        let clipped = try s.call("Clip", [shifted, try s.scalar(bounds.lowerBound, .float64), try s.scalar(bounds.upperBound, .float64)])
        return try s.call("Cast", [clipped], [("to", .int(Int(zeroPoint.dtype.rawValue)))])
    }
}
