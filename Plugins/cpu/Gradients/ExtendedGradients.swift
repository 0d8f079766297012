import PlexusPluginKit

extension GradientRules {
    /// CastLike, the extra activations, the trigonometric and hyperbolic functions, the sum
    /// reductions, NegativeLogLikelihoodLoss, and the index-addressed movements (GatherND,
    /// ScatterND, Compress, ReverseSequence) and CumProd. (SoftmaxCrossEntropyLoss, Einsum,
    /// LpNormalization and MeanVarianceNormalization train through their decompositions.)
    static let extended: [String: Rule] = extendedActivations.merging(extendedMath) { a, _ in a }
        .merging(extendedReductions) { a, _ in a }.merging(extendedMovement) { a, _ in a }

    /// Activations and the negative log-likelihood.
    static let extendedActivations: [String: Rule] = [
        "CastLike": { g in
            guard g.needs(0), let d = g.upstream else { return }
            try g.set(0, try g.call1("Cast", [d], [("to", .int(Int(try g.input(0).dtype.rawValue)))]))
        },
        "Hardmax": { g in try g.unary { try g.zeros(like: $0) } },
        "Celu": { g in try g.unary { d in
            let x = try g.input(0), alpha = try g.attributes.float("alpha") ?? 1
            let slope = try g.call1("Exp", [try g.scale(x, 1 / alpha)])
            return try g.call1("Where", [try g.call1("Greater", [x, try g.scalar(0, d.dtype)]), d, try g.mul(d, slope)])
        } },
        "Softsign": { g in try g.unary { d in
            let denominator = try g.add(try g.scalar(1, d.dtype), try g.call1("Abs", [try g.input(0)]))
            return try g.div(d, try g.mul(denominator, denominator))
        } },
        "Mish": { g in try g.unary { d in
            // y = x·t with t = tanh(softplus(x)): y' = t + x·(1 - t²)·sigmoid(x).
            let x = try g.input(0)
            let t = try g.call1("Tanh", [try g.call1("Softplus", [x])])
            let inner = try g.mul(try g.mul(x, try g.sub(try g.scalar(1, d.dtype), try g.mul(t, t))), try g.call1("Sigmoid", [x]))
            return try g.mul(d, try g.add(t, inner))
        } },
        "Swish": { g in try g.unary { d in
            // y = x·s with s = sigmoid(αx): y' = s + αx·s·(1 - s).
            let x = try g.input(0), alpha = try g.attributes.float("alpha") ?? 1
            let s = try g.call1("Sigmoid", [try g.scale(x, alpha)])
            let tail = try g.mul(try g.scale(x, alpha), try g.mul(s, try g.sub(try g.scalar(1, d.dtype), s)))
            return try g.mul(d, try g.add(s, tail))
        } },
        "ThresholdedRelu": { g in try g.unary { d in
            try g.mask(try g.call1("Greater", [try g.input(0), try g.scalar(try g.attributes.float("alpha") ?? 1, d.dtype)]), d)
        } },
        "Shrink": { g in try g.unary { d in
            let x = try g.input(0), lambda = try g.attributes.float("lambd") ?? 0.5
            let outside = try g.call1("Or", [try g.call1("Less", [x, try g.scalar(-lambda, d.dtype)]),
                                             try g.call1("Greater", [x, try g.scalar(lambda, d.dtype)])])
            return try g.mask(outside, d)
        } },
        "PRelu": { g in
            guard let d = g.upstream else { return }
            let x = try g.input(0), slope = try g.input(1)
            let negative = try g.call1("Less", [x, try g.scalar(0, d.dtype)])
            if g.needs(0) { try g.set(0, try g.call1("Where", [negative, try g.mul(d, slope), d])) }
            if g.needs(1) { try g.setReduced(1, try g.mask(negative, try g.mul(d, x))) }
        },
        "NegativeLogLikelihoodLoss": negativeLogLikelihood,
    ]

    /// The inverse trigonometric and the hyperbolic functions.
    static let extendedMath: [String: Rule] = [
        "Acos": { g in try g.unary { try g.neg(try g.div($0, try squareRoot(g, of: 1, minusSquareOf: try g.input(0)))) } },
        "Asin": { g in try g.unary { try g.div($0, try squareRoot(g, of: 1, minusSquareOf: try g.input(0))) } },
        "Atan": { g in try g.unary { d in
            let x = try g.input(0)
            return try g.div(d, try g.add(try g.scalar(1, d.dtype), try g.mul(x, x)))
        } },
        "Sinh": { g in try g.unary { try g.mul($0, try g.call1("Cosh", [try g.input(0)])) } },
        "Cosh": { g in try g.unary { try g.mul($0, try g.call1("Sinh", [try g.input(0)])) } },
        "Asinh": { g in try g.unary { d in
            let x = try g.input(0)
            return try g.div(d, try g.call1("Sqrt", [try g.add(try g.mul(x, x), try g.scalar(1, d.dtype))]))
        } },
        "Acosh": { g in try g.unary { d in
            let x = try g.input(0)
            return try g.div(d, try g.call1("Sqrt", [try g.sub(try g.mul(x, x), try g.scalar(1, d.dtype))]))
        } },
        "Atanh": { g in try g.unary { d in
            let x = try g.input(0)
            return try g.div(d, try g.sub(try g.scalar(1, d.dtype), try g.mul(x, x)))
        } },
    ]

    /// ReduceL1, ReduceSumSquare, ReduceLogSum and ReduceLogSumExp, through the shared
    /// broadcasting of `reduce`.
    static let extendedReductions: [String: Rule] = [
        "ReduceL1": { g in try reduce(g) { d, x, _, _ in try g.mul(d, try g.call1("Sign", [x])) } },
        "ReduceSumSquare": { g in try reduce(g) { d, x, _, _ in try g.mul(d, try g.scale(x, 2)) } },
        "ReduceLogSum": { g in try reduce(g) { d, _, _, y in try g.div(d, try g.call1("Exp", [try y()])) } },
        "ReduceLogSumExp": { g in try reduce(g) { d, x, _, y in try g.mul(d, try g.call1("Exp", [try g.sub(x, try y())])) } },
    ]

    /// Index-addressed movements and the running product.
    static let extendedMovement: [String: Rule] = [
        "GatherND": routeThroughIndices("GatherND"),
        "Compress": routeThroughIndices("Compress"),
        "ReverseSequence": routeThroughIndices("ReverseSequence"),
        // Overwritten data positions get no gradient; each update gets the gradient where it
        // landed. (mul/max/min reductions depend on values in ways this rule does not model.)
        "ScatterND": { g in
            guard let d = g.upstream else { return }
            let reduction = try g.attributes.string("reduction") ?? "none"
            guard reduction == "none" || reduction == "add" else {
                throw PlexusError(.unsupported, "ScatterND with reduction '\(reduction)' has no gradient")
            }
            let indices = try g.input(1)
            if g.needs(0) { try g.set(0, reduction == "add" ? d : try g.call1("ScatterND", [d, indices, try g.zeros(like: try g.input(2))])) }
            if g.needs(2) { try g.set(2, try g.call1("GatherND", [d, indices])) }
        },
        // y_i = Π x_j over the prefix: dx_j = Σ_{i ⊇ j} d_i·y_i / x_j, a running sum the other
        // way (exact where x ≠ 0).
        "CumProd": { g in try g.unary { d in
            let suffix = try g.call1("CumSum", [try g.mul(d, try g.output(0)), try g.input(1)],
                                     [("exclusive", .int(try g.attributes.int("exclusive") ?? 0)),
                                      ("reverse", .int(try g.attributes.int("reverse") == 1 ? 0 : 1))])
            return try g.div(suffix, try g.input(0))
        } },
    ]

    /// √(value - x²) (for the arcsine and arccosine).
    static func squareRoot(_ g: Gradient, of value: Double, minusSquareOf x: KernelTensor) throws -> KernelTensor {
        try g.call1("Sqrt", [try g.sub(try g.scalar(value, x.dtype), try g.mul(x, x))])
    }

    /// NegativeLogLikelihoodLoss: d input[n, c, …] = -w[n, …]·d[n, …] where c is the target
    /// (divided by Σw for "mean"), and 0 elsewhere. The per-target weights w (0 where ignored)
    /// are the unreduced loss of an input of -1s. The class weights get no gradient.
    static let negativeLogLikelihood: Rule = { g in
        guard g.needs(0), let d = g.upstream else { return }
        if g.inputs.count > 2, g.inputs[2] != nil, g.needs(2) {
            throw PlexusError(.unsupported, "NegativeLogLikelihoodLoss has no gradient for its weight input")
        }
        let x = try g.input(0), target = try g.input(1)
        var attributes: [(String, AttributeValue)] = [("reduction", .string("none"))]
        if let ignored = try g.attributes.int("ignore_index") { attributes.append(("ignore_index", .int(ignored))) }
        let minusOnes = try g.call1("Expand", [try g.scalar(-1, x.dtype), try g.int64s(x.shape)])
        let weights = try g.call1("NegativeLogLikelihoodLoss", [minusOnes, target, g.inputs.count > 2 ? g.inputs[2] : nil], attributes)
        var scale = try g.mul(d, weights)
        if try g.attributes.string("reduction") == "mean" { scale = try g.div(scale, try g.call1("ReduceSum", [weights], [("keepdims", .int(0))])) }
        // Scatter -scale to each position's target class: a one-hot mask over axis 1.
        var unsqueezed = target.shape
        unsqueezed.insert(1, at: 1)
        var classShape = [Int](repeating: 1, count: x.rank)
        classShape[1] = x.shape[1]
        let bounds = try [0, x.shape[1], 1].map { try g.reshape(try g.int64s([$0]), []) }
        let classes = try g.reshape(try g.call1("Range", bounds), classShape)
        let targets = try g.reshape(try g.call1("Cast", [target], [("to", .int(Int(DType.int64.rawValue)))]), unsqueezed)
        let hits = try g.call1("Equal", [targets, classes])
        try g.set(0, try g.mask(hits, try g.neg(try g.reshape(scale, unsqueezed))))
    }
}
