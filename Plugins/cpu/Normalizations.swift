import PlexusPluginKit

/// LpNormalization (opset 22) and MeanVarianceNormalization (opset 13), composed of
/// reductions and arithmetic so they train through those ops' gradients.
enum Normalizations: OperatorFamily {
    /// The two schemas, each with its kernel and decomposition (one body).
    static var definitions: [OpDefinition] {
        let floats = DTypes.first(DTypes.floats)
        return [
            .composed("LpNormalization", since: 22, inputs: 1...1,
                      attributes: [AttributeDeclaration("axis", .int, default: .int(-1)), AttributeDeclaration("p", .int, default: .int(2))],
                      doc: "x divided by its L1 or L2 norm along `axis`", supports: floats, infer: Inference.sameAsInput(), lpNormalization),
            .composed("MeanVarianceNormalization", since: 13, inputs: 1...1,
                      attributes: [AttributeDeclaration("axes", .ints, default: .ints([0, 2, 3]))],
                      doc: "(x - mean) / (standard deviation + 1e-9) over `axes`", supports: floats, infer: Inference.sameAsInput(),
                      meanVarianceNormalization),
        ]
    }

    /// x / ‖x‖ₚ along the axis, p = 1 or 2; 0 where the norm is 0 (x is 0 there, and the
    /// norm is replaced by 1).
    static func lpNormalization(_ ops: OpSequence) throws -> [KernelTensor] {
        let x = try ops.input(0)
        let p = try ops.attributes.int("p") ?? 2
        guard p == 1 || p == 2 else { throw PlexusError.invalid("LpNormalization: p must be 1 or 2, got \(p)") }
        let axis = try normalizedAxis(try ops.attributes.int("axis") ?? -1, rank: x.rank, op: "LpNormalization")
        let norm = try ops.call(p == 1 ? "ReduceL1" : "ReduceL2", [x, try ops.int64s([axis])], [("keepdims", .int(1))])
        let zero = try ops.call("Equal", [norm, try ops.scalar(0, x.dtype)])
        return [try ops.call("Div", [x, try ops.call("Where", [zero, try ops.scalar(1, x.dtype), norm])])]
    }

    /// (x - E[x]) / (√E[(x - E[x])²] + 1e-9) over the axes (ONNX's function body, with the
    /// variance taken around the mean, which is the same value computed more accurately).
    static func meanVarianceNormalization(_ ops: OpSequence) throws -> [KernelTensor] {
        let x = try ops.input(0)
        let axes = try ops.int64s(try ops.attributes.ints("axes") ?? [0, 2, 3])
        let keep: [(String, AttributeValue)] = [("keepdims", .int(1))]
        let centered = try ops.call("Sub", [x, try ops.call("ReduceMean", [x, axes], keep)])
        let variance = try ops.call("ReduceMean", [try ops.call("Mul", [centered, centered]), axes], keep)
        let deviation = try ops.call("Add", [try ops.call("Sqrt", [variance]), try ops.scalar(1e-9, x.dtype)])
        return [try ops.call("Div", [centered, deviation])]
    }
}
