import PlexusPluginKit

extension GradientRules {
    /// Reshapes, permutations, joins and index-based selection.
    static let movement: [String: Rule] = [
        "Reshape": reshapeBack, "Flatten": reshapeBack, "Squeeze": reshapeBack, "Unsqueeze": reshapeBack,
        "Transpose": { g in try g.unary { d in
            let perm = try g.attributes.ints("perm") ?? Array((0..<d.rank).reversed())
            var inverse = perm
            for (index, axis) in perm.enumerated() { inverse[axis] = index }
            return try g.call1("Transpose", [d], [("perm", .ints(inverse))])
        } },
        "Expand": { g in
            guard let d = g.upstream else { return }
            try g.setReduced(0, d)
        },
        "Concat": { g in
            guard let d = g.upstream else { return }
            let axis = try g.attributes.int("axis")!
            let inputs = try g.inputs.indices.map { try g.input($0) }
            let rank = inputs[0].rank, positive = axis < 0 ? axis + rank : axis
            let parts = try g.call("Split", [d, try g.int64s(inputs.map { $0.shape[positive] })], [("axis", .int(positive))],
                                   outputCount: inputs.count)
            for (index, part) in parts.enumerated() where g.needs(index) { try g.set(index, part) }
        },
        "Split": { g in
            guard g.needs(0), let d0 = g.outputGradients.compactMap({ $0 }).first else { return }
            let x = try g.input(0)
            let axis = try normalizedAxis(try g.attributes.int("axis") ?? 0, rank: x.rank, op: "Split")
            // Outputs nobody used may be gone: their zero gradients take their shape from the sizes.
            let sizes = try Joining.splitSizes(length: x.shape[axis], given: try (g.inputs.count > 1 ? g.inputs[1] : nil)?.integers()
                                                   ?? g.attributes.ints("split"),
                                               numOutputs: try g.attributes.int("num_outputs"), outputCount: g.outputGradients.count)
            let parts = try g.outputGradients.indices.map { index -> KernelTensor in
                if let d = g.outputGradients[index] { return d }
                var shape = x.shape
                shape[axis] = sizes[index]
                return try g.zeros(d0.dtype, shape)
            }
            try g.set(0, try g.call1("Concat", parts, [("axis", .int(axis))]))
        },
        "CumSum": { g in try g.unary { d in
            let reverse = try g.attributes.int("reverse") == 1
            return try g.call1("CumSum", [d, try g.input(1)], [("exclusive", .int(try g.attributes.int("exclusive") ?? 0)),
                                                               ("reverse", .int(reverse ? 0 : 1))])
        } },
        "Trilu": { g in try g.unary { d in try g.rerun("Trilu", [d] + g.inputs.dropFirst()) } },
        "TopK": { g in
            guard g.needs(0), let d = g.outputGradients[0] else { return }
            let axis = try g.attributes.int("axis") ?? -1
            try g.set(0, try g.call1("ScatterElements", [try g.zeros(like: try g.input(0)), try g.output(1), d],
                                     [("axis", .int(axis)), ("reduction", .string("add"))]))
        },
        "Slice": routeThroughIndices("Slice"), "Gather": routeThroughIndices("Gather"),
        "Tile": routeThroughIndices("Tile"), "Pad": routeThroughIndices("Pad"),
        // Overwritten data positions get no gradient; each update gets the gradient where it landed.
        // (mul/max/min reductions depend on values in ways this rule does not model.)
        "ScatterElements": { g in
            guard let d = g.upstream else { return }
            let reduction = try g.attributes.string("reduction") ?? "none"
            guard reduction == "none" || reduction == "add" else {
                throw PlexusError(.unsupported, "ScatterElements with reduction '\(reduction)' has no gradient")
            }
            let axis: [(String, AttributeValue)] = [("axis", .int(try g.attributes.int("axis") ?? 0))]
            let indices = try g.input(1)
            if g.needs(0) {
                try g.set(0, reduction == "add" ? d : try g.call1("ScatterElements", [d, indices, try g.zeros(like: try g.input(2))], axis))
            }
            if g.needs(2) { try g.set(2, try g.call1("GatherElements", [d, indices], axis)) }
        },
        // GatherElements' adjoint is ScatterElements with addition, along the same axis.
        "GatherElements": { g in
            guard g.needs(0), let d = g.upstream else { return }
            let x = try g.input(0)
            try g.set(0, try g.call1("ScatterElements", [try g.zeros(like: x), try g.input(1), d],
                                     [("axis", .int(try g.attributes.int("axis") ?? 0)), ("reduction", .string("add"))]))
        },
    ]

    static let reshapeBack: Rule = { g in
        try g.unary { try g.reshape($0, try g.input(0).shape) }
    }

    /// The gradient of an op that only moves elements of input 0: run the same op on the
    /// elements' indices to learn where each output element came from, then scatter-add the
    /// upstream gradient back to those places. Padding fills get the index `count`, a slot
    /// past the end that is dropped.
    static func routeThroughIndices(_ op: String) -> Rule { { g in
        guard g.needs(0), let d = g.upstream else { return }
        let x = try g.input(0), count = x.count
        let bounds = try [0, count, 1].map { try g.reshape(try g.int64s([$0]), []) }
        let indices = try g.reshape(try g.call1("Range", bounds), x.shape)
        var others = Array(g.inputs.dropFirst())
        if op == "Pad" {
            while others.count < 2 { others.append(nil) }
            others[1] = try g.reshape(try g.int64s([count]), [])
        }
        let routes = try g.rerun(op, [indices] + others)
        let flatRoutes = try g.reshape(routes, [-1])
        let flatGradient = try g.reshape(d, [-1])
        let buffer = try g.zeros(d.dtype, [count + 1])
        let scattered = try g.call1("ScatterElements", [buffer, flatRoutes, flatGradient], [("reduction", .string("add"))])
        let kept = try g.call1("Slice", [scattered, try g.int64s([0]), try g.int64s([count])])
        try g.set(0, try g.reshape(kept, x.shape))
    } }
}
