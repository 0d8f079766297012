import PlexusPluginKit

extension GradientRules {
    /// Arithmetic, math functions and selection.
    static let elementwise: [String: Rule] = [
        "Add": { g in
            guard let d = g.upstream else { return }
            try g.setReduced(0, d)
            try g.setReduced(1, d)
        },
        "Sub": { g in
            guard let d = g.upstream else { return }
            try g.setReduced(0, d)
            if g.needs(1) { try g.setReduced(1, try g.neg(d)) }
        },
        "Mul": { g in
            guard let d = g.upstream else { return }
            let a = try g.input(0), b = try g.input(1)
            if g.needs(0) { try g.setReduced(0, try g.mul(d, b)) }
            if g.needs(1) { try g.setReduced(1, try g.mul(d, a)) }
        },
        "Div": { g in
            guard let d = g.upstream else { return }
            let b = try g.input(1)
            if g.needs(0) { try g.setReduced(0, try g.div(d, b)) }
            if g.needs(1) { try g.setReduced(1, try g.neg(try g.div(try g.mul(d, try g.output(0)), b))) }
        },
        "Pow": { g in
            guard let d = g.upstream else { return }
            let a = try g.input(0)
            var b = try g.input(1)
            if b.dtype != a.dtype { b = try g.call1("Cast", [b], [("to", .int(Int(a.dtype.rawValue)))]) }
            if g.needs(0) {
                let power = try g.call1("Pow", [a, try g.sub(b, try g.scalar(1, a.dtype))])
                try g.setReduced(0, try g.mul(d, try g.mul(b, power)))
            }
            if g.needs(1) { try g.setReduced(1, try g.mul(d, try g.mul(try g.output(0), try g.call1("Log", [a])))) }
        },
        "Mod": { g in
            guard let d = g.upstream else { return }
            let a = try g.input(0), b = try g.input(1)
            try g.setReduced(0, d)
            if g.needs(1) {
                // a = q·b + r with q = floor(a/b) (fmod 0) or trunc(a/b) (fmod 1): dr/db = -q.
                let ratio = try g.div(a, b)
                let q = try g.attributes.int("fmod") == 1
                    ? try g.mul(try g.call1("Sign", [ratio]), try g.call1("Floor", [try g.call1("Abs", [ratio])]))
                    : try g.call1("Floor", [ratio])
                try g.setReduced(1, try g.neg(try g.mul(d, q)))
            }
        },
        "Neg": { g in try g.unary { try g.neg($0) } },
        "Abs": { g in try g.unary { try g.mul($0, try g.call1("Sign", [try g.input(0)])) } },
        "Sign": { g in try g.unary { try g.zeros(like: $0) } },
        "Floor": { g in try g.unary { try g.zeros(like: $0) } },
        "Ceil": { g in try g.unary { try g.zeros(like: $0) } },
        "Round": { g in try g.unary { try g.zeros(like: $0) } },
        "Exp": { g in try g.unary { try g.mul($0, try g.output(0)) } },
        "Log": { g in try g.unary { try g.div($0, try g.input(0)) } },
        "Sqrt": { g in try g.unary { try g.div($0, try g.scale(try g.output(0), 2)) } },
        "Reciprocal": { g in try g.unary { d in let y = try g.output(0); return try g.neg(try g.mul(d, try g.mul(y, y))) } },
        "Sin": { g in try g.unary { try g.mul($0, try g.call1("Cos", [try g.input(0)])) } },
        "Cos": { g in try g.unary { try g.neg(try g.mul($0, try g.call1("Sin", [try g.input(0)]))) } },
        "Tan": { g in try g.unary { d in
            let y = try g.output(0)
            return try g.mul(d, try g.add(try g.scalar(1, d.dtype), try g.mul(y, y)))
        } },
        "Tanh": { g in try g.unary { d in
            let y = try g.output(0)
            return try g.mul(d, try g.sub(try g.scalar(1, d.dtype), try g.mul(y, y)))
        } },
        "Sigmoid": { g in try g.unary { d in
            let y = try g.output(0)
            return try g.mul(d, try g.mul(y, try g.sub(try g.scalar(1, d.dtype), y)))
        } },
        "Erf": { g in try g.unary { d in
            let x = try g.input(0)
            let bell = try g.call1("Exp", [try g.neg(try g.mul(x, x))])
            return try g.mul(d, try g.scale(bell, 1.1283791670955126))  // 2/√π
        } },
        "Identity": { g in try g.unary { $0 } },
        "Cast": { g in
            guard g.needs(0), let d = g.upstream else { return }
            try g.set(0, try g.call1("Cast", [d], [("to", .int(Int(try g.input(0).dtype.rawValue)))]))
        },
        "Where": { g in
            guard let d = g.upstream else { return }
            let condition = try g.input(0)
            if g.needs(1) { try g.setReduced(1, try g.mask(condition, d)) }
            if g.needs(2) { try g.setReduced(2, try g.mask(try g.call1("Not", [condition]), d)) }
        },
        "Sum": { g in
            guard let d = g.upstream else { return }
            for index in g.inputs.indices { try g.setReduced(index, d) }
        },
        "Mean": { g in
            guard let d = g.upstream else { return }
            let share = try g.scale(d, 1 / Double(g.inputs.count))
            for index in g.inputs.indices { try g.setReduced(index, share) }
        },
        "Max": extremum,
        "Min": extremum,
    ]

    /// Max/Min over inputs: the gradient goes to the input(s) equal to the result.
    static let extremum: Rule = { g in
        guard let d = g.upstream else { return }
        let y = try g.output(0)
        for index in g.inputs.indices where g.needs(index) {
            let winner = try g.call1("Equal", [try g.input(index), y])
            try g.setReduced(index, try g.mask(winner, d))
        }
    }
}
