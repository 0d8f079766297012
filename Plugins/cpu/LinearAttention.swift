import PlexusPluginKit

/// LinearAttention (opset 27): recurrent linear attention over a [d_k, d_v] state per batch
/// and key/value head. Per step t: the state decays by exp(decay_t) ("gated" rules), the value
/// is replaced by β·(v − Sᵀk) ("delta" rules), the state gains k vᵀ, and each query head of the
/// group reads scale · qᵀS. Inputs are packed [batch, time, heads·dim]; computed in float64.
enum LinearAttention {
    /// The schema and kernel (inference only: the recurrence has no gradient rule).
    static var definition: OpDefinition {
        OpDefinition("LinearAttention", since: 27, inputs: 3...6, outputs: 1...2,
                     attributes: [AttributeDeclaration("chunk_size", .int, default: .int(64)),
                                  .required("kv_num_heads", .int), .required("q_num_heads", .int),
                                  AttributeDeclaration("scale", .float, default: .float(0)),
                                  AttributeDeclaration("update_rule", .string, default: .string("gated_delta"))],
                     doc: "linear attention with an optional gated and/or delta-rule state update",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), infer: infer, compute: compute)
    }

    /// output is [batch, time, q_num_heads·d_v] in the query's dtype; present_state is
    /// [batch, kv_num_heads, d_k, d_v] in past_state's dtype (else the query's).
    static func infer(_ context: InferenceContext) throws {
        guard let query = context.input(0), let value = context.input(2) else {
            throw PlexusError.invalid("LinearAttention: query, key and value are required")
        }
        let queryHeads = try context.attributes.int("q_num_heads") ?? 0, keyHeads = try context.attributes.int("kv_num_heads") ?? 0
        func dim(_ shape: [Int?]?, _ index: Int) -> Int? { shape.flatMap { index < $0.count ? $0[index] : nil } }
        let keyDim = queryHeads > 0 ? dim(query.shape, 2).map { $0 / queryHeads } : nil
        let valueDim = keyHeads > 0 ? dim(value.shape, 2).map { $0 / keyHeads } : nil
        try context.setOutput(0, query.dtype, [dim(query.shape, 0), dim(query.shape, 1), valueDim.map { $0 * queryHeads }])
        if context.outputCount > 1 {
            try context.setOutput(1, context.input(3)?.dtype ?? query.dtype, [dim(query.shape, 0), keyHeads, keyDim, valueDim])
        }
    }

    /// The validated sizes of one call.
    struct Geometry {
        let batch: Int, time: Int, queryHeads: Int, keyHeads: Int, keyDim: Int, valueDim: Int
        /// Decay values per step and head: 1 (per head) or keyDim (per key feature).
        let decayWidth: Int
        /// Beta values per step: 1 (shared) or keyHeads.
        let betaWidth: Int
    }

    /// The kernel: validates, runs the recurrence in float64 and stores both outputs.
    static func compute(_ context: KernelContext) throws {
        let query = try context.input(0), key = try context.input(1), value = try context.input(2)
        let rule = try context.attributes.string("update_rule") ?? "gated_delta"
        guard ["linear", "gated", "delta", "gated_delta"].contains(rule) else {
            throw PlexusError.invalid("LinearAttention: update_rule must be linear, gated, delta or gated_delta, got \(rule)")
        }
        let gated = rule.hasPrefix("gated"), delta = rule.hasSuffix("delta")
        let decay = context.optionalInput(4), beta = context.optionalInput(5)
        guard (decay != nil) == gated else { throw PlexusError.invalid("LinearAttention: decay is \(gated ? "required" : "not allowed") with update_rule \(rule)") }
        guard (beta != nil) == delta else { throw PlexusError.invalid("LinearAttention: beta is \(delta ? "required" : "not allowed") with update_rule \(rule)") }
        let geometry = try validated(context, query: query, key: key, value: value, decay: decay, beta: beta)
        let past = context.optionalInput(3)
        if let past, past.shape != [geometry.batch, geometry.keyHeads, geometry.keyDim, geometry.valueDim] {
            throw PlexusError.invalid("LinearAttention: past_state must be [\(geometry.batch), \(geometry.keyHeads), \(geometry.keyDim), \(geometry.valueDim)], got \(past.shape)")
        }
        let scaleAttribute = try context.attributes.float("scale") ?? 0
        let scale = scaleAttribute == 0 ? 1 / Double(geometry.keyDim).squareRoot() : scaleAttribute
        var state = try past.map(Casting.doubles)
            ?? [Double](repeating: 0, count: geometry.batch * geometry.keyHeads * geometry.keyDim * geometry.valueDim)
        var output = [Double](repeating: 0, count: geometry.batch * geometry.time * geometry.queryHeads * geometry.valueDim)
        try recur(geometry, scale: scale, query: Casting.doubles(query), key: Casting.doubles(key), value: Casting.doubles(value),
                  decay: decay.map(Casting.doubles), beta: beta.map(Casting.doubles), state: &state, output: &output)
        try store(output, into: try context.output(0, query.dtype, [geometry.batch, geometry.time, geometry.queryHeads * geometry.valueDim]))
        if context.outputCount > 1 {
            try store(state, into: try context.output(1, past?.dtype ?? query.dtype, [geometry.batch, geometry.keyHeads, geometry.keyDim, geometry.valueDim]))
        }
    }

    /// The sizes implied by the inputs and head counts, with every shape checked.
    static func validated(_ context: KernelContext, query: KernelTensor, key: KernelTensor, value: KernelTensor,
                          decay: KernelTensor?, beta: KernelTensor?) throws -> Geometry {
        let queryHeads = try context.attributes.int("q_num_heads") ?? 0, keyHeads = try context.attributes.int("kv_num_heads") ?? 0
        guard queryHeads > 0, keyHeads > 0, queryHeads % keyHeads == 0 else {
            throw PlexusError.invalid("LinearAttention: q_num_heads (\(queryHeads)) must be a positive multiple of kv_num_heads (\(keyHeads))")
        }
        for (name, tensor) in [("query", query), ("key", key), ("value", value)] where tensor.rank != 3 {
            throw PlexusError.invalid("LinearAttention: \(name) must be [batch, time, heads*dim], got \(tensor.shape)")
        }
        let batch = query.shape[0], time = query.shape[1]
        guard query.shape[2] % queryHeads == 0, value.shape[2] % keyHeads == 0,
              key.shape == [batch, time, keyHeads * (query.shape[2] / queryHeads)], Array(value.shape[0..<2]) == [batch, time] else {
            throw PlexusError.invalid("LinearAttention: query \(query.shape), key \(key.shape) and value \(value.shape) do not fit \(queryHeads) query and \(keyHeads) key/value heads")
        }
        let keyDim = query.shape[2] / queryHeads
        var decayWidth = 1, betaWidth = 1
        if let decay {
            guard decay.rank == 3, Array(decay.shape[0..<2]) == [batch, time], [keyHeads, keyHeads * keyDim].contains(decay.shape[2]) else {
                throw PlexusError.invalid("LinearAttention: decay must be [\(batch), \(time), \(keyHeads) or \(keyHeads * keyDim)], got \(decay.shape)")
            }
            decayWidth = decay.shape[2] / keyHeads
        }
        if let beta {
            guard beta.rank == 3, Array(beta.shape[0..<2]) == [batch, time], [keyHeads, 1].contains(beta.shape[2]) else {
                throw PlexusError.invalid("LinearAttention: beta must be [\(batch), \(time), \(keyHeads) or 1], got \(beta.shape)")
            }
            betaWidth = beta.shape[2]
        }
        return Geometry(batch: batch, time: time, queryHeads: queryHeads, keyHeads: keyHeads, keyDim: keyDim,
                        valueDim: value.shape[2] / keyHeads, decayWidth: decayWidth, betaWidth: betaWidth)
    }

    /// Runs the recurrence for every (batch, key/value head) pair in parallel, updating `state`
    /// and filling `output` ([batch, time, queryHeads·valueDim]).
    static func recur(_ g: Geometry, scale: Double, query: [Double], key: [Double], value: [Double],
                      decay: [Double]?, beta: [Double]?, state: inout [Double], output: inout [Double]) {
        let group = g.queryHeads / g.keyHeads
        let (dk, dv) = (g.keyDim, g.valueDim)
        guard dk > 0, dv > 0 else { return }
        state.withUnsafeMutableBufferPointer { states in
            output.withUnsafeMutableBufferPointer { outputs in
                Host.parallelFor(g.batch * g.keyHeads) { range in
                    var corrected = [Double](repeating: 0, count: dv)
                    for pair in range {
                        let b = pair / g.keyHeads, h = pair % g.keyHeads
                        let s = states.baseAddress! + pair * dk * dv
                        for t in 0..<g.time {
                            let row = b * g.time + t
                            let k = row * g.keyHeads * dk + h * dk, v = row * g.keyHeads * dv + h * dv
                            if let decay {
                                for d in 0..<dk {
                                    let factor = Double.exp(decay[(row * g.keyHeads + h) * g.decayWidth + (g.decayWidth == 1 ? 0 : d)])
                                    for m in 0..<dv { s[d * dv + m] *= factor }
                                }
                            }
                            for m in 0..<dv { corrected[m] = value[v + m] }
                            if let beta {
                                let weight = beta[row * g.betaWidth + (g.betaWidth == 1 ? 0 : h)]
                                for m in 0..<dv {
                                    var retrieved = 0.0
                                    for d in 0..<dk { retrieved += s[d * dv + m] * key[k + d] }
                                    corrected[m] = weight * (value[v + m] - retrieved)
                                }
                            }
                            for d in 0..<dk { for m in 0..<dv { s[d * dv + m] += key[k + d] * corrected[m] } }
                            for headInGroup in 0..<group {
                                let qh = h * group + headInGroup
                                let q = (row * g.queryHeads + qh) * dk, o = (row * g.queryHeads + qh) * dv
                                for m in 0..<dv {
                                    var sum = 0.0
                                    for d in 0..<dk { sum += query[q + d] * s[d * dv + m] }
                                    outputs[o + m] = scale * sum
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Converts float64 `values` into `tensor`'s dtype.
    static func store(_ values: [Double], into tensor: KernelTensor) throws {
        let source = try OwnedTensor.create(.float64, tensor.shape)
        guard !values.isEmpty else { return }
        values.withUnsafeBufferPointer { source.view.pointer(as: Double.self).update(from: $0.baseAddress!, count: values.count) }
        try Casting.convert(source.view, into: tensor)
    }
}
