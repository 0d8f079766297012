import PlexusPluginKit

/// LpPool (opset 18): the p-norm of each window, (Σ |x|^p)^(1/p), with zero padding; composed
/// of Abs, Pow and AveragePool (count_include_pad) so autograd differentiates it.
enum LpPool {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        let attributes = [AttributeDeclaration("auto_pad", .string, default: .string("NOTSET")),
                          AttributeDeclaration("ceil_mode", .int, default: .int(0)), AttributeDeclaration("dilations", .ints),
                          .required("kernel_shape", .ints), AttributeDeclaration("p", .int, default: .int(2)),
                          AttributeDeclaration("pads", .ints), AttributeDeclaration("strides", .ints)]
        return [OpDefinition.composed("LpPool", since: 18, inputs: 1...1, attributes: attributes, doc: "p-norm of each window",
                                      supports: DTypes.first(DTypes.floats.union(DTypes.halfs))) { s in
            let x = try s.input(0)
            let p = try s.attributes.int("p") ?? 2
            guard p > 0 else { throw PlexusError.invalid("LpPool: p must be positive, got \(p)") }
            let kernel = try s.attributes.ints("kernel_shape") ?? []
            guard !kernel.isEmpty, kernel.allSatisfy({ $0 > 0 }) else {
                throw PlexusError.invalid("LpPool: kernel_shape must hold positive sizes, got \(kernel)")
            }
            let pooling = try AttributeForwarding.given(s.attributes, attributes.filter { $0.name != "p" })
            let powered = try s.call("Pow", [try s.call("Abs", [x]), try s.scalar(Double(p), x.dtype)])
            let mean = try s.call("AveragePool", [powered], pooling + [("count_include_pad", .int(1))])
            let sum = try s.call("Mul", [mean, try s.scalar(Double(kernel.reduce(1, *)), x.dtype)])
            return [try s.call("Pow", [sum, try s.scalar(1 / Double(p), x.dtype)])]
        }]
    }
}
