import PlexusPluginKit

extension GradientRules {
    /// Activations, Clip and the softmax family.
    static let activations: [String: Rule] = [
        "Relu": { g in try g.unary { try g.mask(try g.call1("Greater", [try g.input(0), try g.scalar(0, $0.dtype)]), $0) } },
        "LeakyRelu": { g in try g.unary { d in
            let alpha = try g.attributes.float("alpha") ?? 0.01
            let negative = try g.call1("Less", [try g.input(0), try g.scalar(0, d.dtype)])
            return try g.call1("Where", [negative, try g.scale(d, alpha), d])
        } },
        "Elu": { g in try g.unary { d in
            let alpha = try g.attributes.float("alpha") ?? 1
            let negative = try g.call1("Less", [try g.input(0), try g.scalar(0, d.dtype)])
            let slope = try g.add(try g.output(0), try g.scalar(alpha, d.dtype))
            return try g.call1("Where", [negative, try g.mul(d, slope), d])
        } },
        "Selu": { g in try g.unary { d in
            let alpha = try g.attributes.float("alpha")!, gamma = try g.attributes.float("gamma")!
            let positive = try g.call1("Greater", [try g.input(0), try g.scalar(0, d.dtype)])
            let slope = try g.add(try g.output(0), try g.scalar(gamma * alpha, d.dtype))
            return try g.call1("Where", [positive, try g.scale(d, gamma), try g.mul(d, slope)])
        } },
        "Gelu": { g in try g.unary { d in
            let x = try g.input(0)
            if try g.attributes.string("approximate") == "tanh" {
                // y = x/2 (1 + t), t = tanh(c (x + k x³)): y' = (1 + t)/2 + x/2 (1 - t²) c (1 + 3k x²)
                let c = 0.7978845608028654, k = 0.044715
                let x2 = try g.mul(x, x)
                let inner = try g.scale(try g.add(x, try g.scale(try g.mul(x2, x), k)), c)
                let t = try g.call1("Tanh", [inner])
                let one = try g.scalar(1, d.dtype)
                let left = try g.scale(try g.add(one, t), 0.5)
                let innerSlope = try g.scale(try g.add(one, try g.scale(x2, 3 * k)), c)
                let right = try g.mul(try g.scale(x, 0.5), try g.mul(try g.sub(one, try g.mul(t, t)), innerSlope))
                return try g.mul(d, try g.add(left, right))
            }
            // y = x Φ(x): y' = Φ(x) + x φ(x)
            let cdf = try g.scale(try g.add(try g.scalar(1, d.dtype), try g.call1("Erf", [try g.scale(x, 0.7071067811865476)])), 0.5)
            let pdf = try g.scale(try g.call1("Exp", [try g.scale(try g.mul(x, x), -0.5)]), 0.3989422804014327)
            return try g.mul(d, try g.add(cdf, try g.mul(x, pdf)))
        } },
        "Softplus": { g in try g.unary { try g.mul($0, try g.call1("Sigmoid", [try g.input(0)])) } },
        "HardSigmoid": { g in try g.unary { d in
            let alpha = try g.attributes.float("alpha")!, beta = try g.attributes.float("beta")!
            let z = try g.add(try g.scale(try g.input(0), alpha), try g.scalar(beta, d.dtype))
            let inside = try g.call1("And", [try g.call1("Greater", [z, try g.scalar(0, d.dtype)]),
                                             try g.call1("Less", [z, try g.scalar(1, d.dtype)])])
            return try g.mask(inside, try g.scale(d, alpha))
        } },
        "HardSwish": { g in try g.unary { d in
            let x = try g.input(0)
            let middle = try g.mul(d, try g.add(try g.scale(x, 1.0 / 3), try g.scalar(0.5, d.dtype)))  // (2x + 3)/6
            let ramp = try g.call1("Where", [try g.call1("Greater", [x, try g.scalar(3, d.dtype)]), d, middle])
            return try g.mask(try g.call1("GreaterOrEqual", [x, try g.scalar(-3, d.dtype)]), ramp)
        } },
        "Clip": { g in try g.unary { d in
            let x = try g.input(0)
            var inside = try g.call1("Equal", [x, x])  // all true except NaN
            if let low = g.inputs.count > 1 ? g.inputs[1] : nil {
                inside = try g.call1("And", [inside, try g.call1("GreaterOrEqual", [x, low])])
            }
            if let high = g.inputs.count > 2 ? g.inputs[2] : nil {
                inside = try g.call1("And", [inside, try g.call1("LessOrEqual", [x, high])])
            }
            return try g.mask(inside, d)
        } },
        "Softmax": { g in try g.unary { d in
            let y = try g.output(0)
            let total = try g.call1("ReduceSum", [try g.mul(d, y), try g.int64s([try g.attributes.int("axis") ?? -1])], [("keepdims", .int(1))])
            return try g.mul(y, try g.sub(d, total))
        } },
        "LogSoftmax": { g in try g.unary { d in
            let total = try g.call1("ReduceSum", [d, try g.int64s([try g.attributes.int("axis") ?? -1])], [("keepdims", .int(1))])
            return try g.sub(d, try g.mul(try g.call1("Exp", [try g.output(0)]), total))
        } },
    ]
}
