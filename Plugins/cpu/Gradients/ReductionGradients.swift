import PlexusPluginKit

extension GradientRules {
    /// The Reduce* family: the upstream gradient is reshaped to the kept-dims shape and
    /// broadcast back over the reduced dims.
    static let reductions: [String: Rule] = [
        "ReduceSum": { g in try reduce(g) { d, _, _, _ in d } },
        "ReduceMean": { g in try reduce(g) { d, x, y, _ in try g.scale(d, Double(y.count) / Double(max(x.count, 1))) } },
        "ReduceMax": { g in try reduce(g) { d, x, _, y in try g.mask(try g.call1("Equal", [x, try y()]), d) } },
        "ReduceMin": { g in try reduce(g) { d, x, _, y in try g.mask(try g.call1("Equal", [x, try y()]), d) } },
        "ReduceProd": { g in try reduce(g) { d, x, _, y in try g.div(try g.mul(d, try y()), x) } },
        "ReduceL2": { g in try reduce(g) { d, x, _, y in try g.div(try g.mul(d, x), try y()) } },
    ]

    /// Shared shape handling: calls `local(dExpanded, x, y, yExpanded)` with the upstream
    /// gradient broadcast to the input's shape and a function that broadcasts the output (only
    /// the rules that need it pay for it).
    static func reduce(_ g: Gradient, _ local: (KernelTensor, KernelTensor, KernelTensor, () throws -> KernelTensor) throws -> KernelTensor) throws {
        guard g.needs(0), let d = g.upstream else { return }
        let x = try g.input(0), y = try g.output(0)
        var axes = try (g.inputs.count > 1 ? g.inputs[1] : nil)?.integers() ?? g.attributes.ints("axes") ?? []
        if axes.isEmpty {
            if try g.attributes.int("noop_with_empty_axes") == 1 { axes = [] } else { axes = Array(0..<x.rank) }
        }
        let normalized = Set(axes.map { $0 < 0 ? $0 + x.rank : $0 })
        let kept = x.shape.enumerated().map { normalized.contains($0.offset) ? 1 : $0.element }
        let shape = try g.int64s(x.shape)
        let dExpanded = try g.call1("Expand", [try g.reshape(d, kept), shape])
        try g.set(0, try local(dExpanded, x, y) { try g.call1("Expand", [try g.reshape(y, kept), shape]) })
    }
}
