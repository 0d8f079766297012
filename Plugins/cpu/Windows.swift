import PlexusPluginKit
#if canImport(Glibc)
import Glibc
#endif

/// The window generators HannWindow, HammingWindow and BlackmanWindow (opset 17): `size` samples
/// of a cosine-sum window, periodic (denominator `size`) or symmetric (`size - 1`).
enum Windows {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        [("HannWindow", [0.5, 0.5]), ("HammingWindow", [25.0 / 46.0, 21.0 / 46.0]), ("BlackmanWindow", [0.42, 0.5, 0.08])]
            .map { name, coefficients in
                OpDefinition(name, since: 17, inputs: 1...1,
                             attributes: [AttributeDeclaration("periodic", .int, default: .int(1)),
                                          AttributeDeclaration("output_datatype", .int, default: .int(1))],
                             doc: "cosine-sum window with coefficients \(coefficients)", supports: DTypes.first(DTypes.indices),
                             infer: { context in
                                 let size = context.value(0).flatMap { try? $0.integers().first }
                                 try context.setOutput(0, try outputType(context.attributes, op: name), [size])
                             },
                             compute: { try compute($0, coefficients: coefficients) })
            }
    }

    /// The dtype chosen by `output_datatype`.
    static func outputType(_ attributes: AttributeReader, op: String) throws -> DType {
        let raw = try attributes.int("output_datatype") ?? 1
        guard let dtype = DType(rawValue: Int32(clamping: raw)), dtype != .string, dtype != .bool else {
            throw PlexusError(.unsupported, "\(op): unsupported output_datatype \(raw)")
        }
        return dtype
    }

    /// Sum over k of (-1)^k · coefficients[k] · cos(2πkn / denominator), for n in 0..<size.
    static func compute(_ context: KernelContext, coefficients: [Double]) throws {
        let sizeInput = try context.input(0)
        guard sizeInput.count == 1, let size = try sizeInput.integers().first, size >= 0 else {
            throw PlexusError.invalid("\(context.op): size must be one non-negative integer")
        }
        let periodic = try context.attributes.int("periodic") ?? 1 != 0
        let output = try context.output(0, try outputType(context.attributes, op: context.op), [size])
        let denominator = Double(periodic ? size : size - 1)
        let values = (0..<size).map { n in
            coefficients.enumerated().reduce(0.0) { sum, term in
                let sign: Double = term.offset % 2 == 0 ? 1 : -1
                let angle = denominator > 0 ? 2 * Double.pi * Double(term.offset * n) / denominator : 0
                return sum + sign * term.element * cos(angle)
            }
        }
        try DoubleStaging.write(values, into: output)
    }
}
