/// How a loss combines per-element values: keep them, average them, or add them up.
public enum Reduction: String, Sendable, CaseIterable {
    case none, mean, sum
}

/// Loss functions with PyTorch's definitions, built from ops so that autograd differentiates
/// them and every backend computes them. `input` is the prediction; `target` the truth.
public enum Loss {
    /// The losses by the names the C ABI and the CLI use.
    public static let names = ["mse", "l1", "smooth_l1", "huber", "cross_entropy", "nll", "bce", "bce_with_logits"]

    /// Mean squared error: (input − target)².
    public static func mse(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        let difference = try F.sub(input, target)
        return try reduce(try F.mul(difference, difference), reduction)
    }

    /// Mean absolute error: |input − target|.
    public static func l1(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try reduce(try F.abs(try F.sub(input, target)), reduction)
    }

    /// Smooth L1: 0.5·d²/β where |d| < β, else |d| − 0.5·β.
    public static func smoothL1(_ input: Tensor, _ target: Tensor, beta: Double = 1, reduction: Reduction = .mean) throws -> Tensor {
        guard beta > 0 else { return try l1(input, target, reduction: reduction) }
        let d = try F.abs(try F.sub(input, target))
        let quadratic = try F.mul(try F.mul(d, d), try F.scalar(0.5 / beta, like: d))
        let linear = try F.sub(d, try F.scalar(0.5 * beta, like: d))
        return try reduce(try F.op("Where", [try F.op("Less", [d, try F.scalar(beta, like: d)]), quadratic, linear]), reduction)
    }

    /// Huber: 0.5·d² where |d| ≤ δ, else δ·(|d| − 0.5·δ).
    public static func huber(_ input: Tensor, _ target: Tensor, delta: Double = 1, reduction: Reduction = .mean) throws -> Tensor {
        let d = try F.abs(try F.sub(input, target))
        let quadratic = try F.mul(try F.mul(d, d), try F.scalar(0.5, like: d))
        let linear = try F.mul(try F.sub(d, try F.scalar(0.5 * delta, like: d)), try F.scalar(delta, like: d))
        return try reduce(try F.op("Where", [try F.op("LessOrEqual", [d, try F.scalar(delta, like: d)]), quadratic, linear]), reduction)
    }

    /// Cross entropy of logits [N, C, …] against class indices [N, …] (int64/int32): LogSoftmax
    /// over dim 1, then the negative log-likelihood, with optional per-class `weight`, an
    /// `ignoreIndex` whose samples count for nothing, and label smoothing ε (the target becomes
    /// (1−ε)·one-hot + ε/C). The mean divides by the total weight of counted samples.
    public static func crossEntropy(_ logits: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                                    labelSmoothing: Double = 0, reduction: Reduction = .mean) throws -> Tensor {
        guard labelSmoothing >= 0 && labelSmoothing <= 1 else { throw PlexusError.invalid("label smoothing must be in [0, 1]") }
        let logProbabilities = try F.op("LogSoftmax", [logits], ["axis": .int(1)])
        return try negativeLogLikelihood(logProbabilities, target, weight: weight, ignoreIndex: ignoreIndex,
                                         labelSmoothing: labelSmoothing, reduction: reduction)
    }

    /// Negative log-likelihood of log-probabilities [N, C, …] at class indices [N, …].
    public static func nll(_ logProbabilities: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                           reduction: Reduction = .mean) throws -> Tensor {
        try negativeLogLikelihood(logProbabilities, target, weight: weight, ignoreIndex: ignoreIndex, labelSmoothing: 0, reduction: reduction)
    }

    static func negativeLogLikelihood(_ logp: Tensor, _ target: Tensor, weight: Tensor?, ignoreIndex: Int,
                                      labelSmoothing: Double, reduction: Reduction) throws -> Tensor {
        guard logp.rank >= 2 else { throw PlexusError.invalid("class scores must be [N, C, …], got \(logp.shape)") }
        guard target.dtype == .int64 || target.dtype == .int32 else {
            throw PlexusError(.dtypeMismatch, "targets must be int64 or int32 class indices, got \(target.dtype)")
        }
        var expected = logp.shape
        let classes = expected.remove(at: 1)
        guard target.shape == expected else {
            throw PlexusError(.shapeMismatch, "targets \(target.shape) do not match scores \(logp.shape) (expected \(expected))")
        }
        if let weight, weight.shape != [classes] || weight.dtype != logp.dtype {
            throw PlexusError(.shapeMismatch, "class weights must be \(logp.dtype)[\(classes)], got \(weight.dtype)\(weight.shape)")
        }
        let indices = try F.cast(target, to: .int64)
        // Validate the targets and find ignored ones with one pass over their memory.
        let raw = indices.data.assumingMemoryBound(to: Int64.self)
        var ignored = 0
        for i in 0..<indices.count {
            if raw[i] == Int64(ignoreIndex) { ignored += 1; continue }
            guard raw[i] >= 0 && raw[i] < Int64(classes) else {
                throw PlexusError.invalid("target class index \(raw[i]) is outside 0..<\(classes)")
            }
        }
        let axis1 = try Tensor([Int64(1)], shape: [1])
        // Ignored samples pick class 0 and get weight 0.
        let safe = ignored == 0 ? indices
            : try F.op("Where", [try F.op("Equal", [indices, try Tensor([Int64(ignoreIndex)], shape: [])]), try Tensor([Int64(0)], shape: []), indices])
        let mask: Tensor? = ignored == 0 ? nil : try F.cast(try F.op("Not", [try F.op("Equal", [indices, try Tensor([Int64(ignoreIndex)], shape: [])])]), to: logp.dtype)
        var sampleWeight = try weight.map { try F.op("Gather", [$0, safe]) }
        if let mask { sampleWeight = try sampleWeight.map { try F.mul($0, mask) } ?? mask }
        let picked = try F.op("Squeeze", [try F.op("GatherElements", [logp, try safe.reshaped(expectedUnsqueezed(safe.shape))], ["axis": .int(1)]), axis1])
        var perSample = try F.neg(try sampleWeight.map { try F.mul(picked, $0) } ?? picked)
        if labelSmoothing > 0 {
            var shape = [Int](repeating: 1, count: logp.rank)
            shape[1] = classes
            let weighted = try weight.map { try F.mul(logp, try $0.reshaped(shape)) } ?? logp
            var smooth = try F.neg(try F.sum(weighted, axes: [1]))
            if let mask { smooth = try F.mul(smooth, mask) }
            perSample = try F.add(try F.mul(perSample, try F.scalar(1 - labelSmoothing, like: logp)),
                                  try F.mul(smooth, try F.scalar(labelSmoothing / Double(classes), like: logp)))
        }
        if reduction == .mean && sampleWeight == nil {
            return try F.op("ReduceMean", [perSample], ["keepdims": .int(0)])
        }
        switch reduction {
        case .none: return perSample
        case .sum: return try F.sum(perSample)
        case .mean: return try F.div(try F.sum(perSample), try F.sum(sampleWeight!))
        }
    }

    /// [N, d…] → [N, 1, d…]: the targets as GatherElements indices along the class axis.
    static func expectedUnsqueezed(_ shape: [Int]) -> [Int] {
        var result = shape
        result.insert(1, at: 1)
        return result
    }

    /// Binary cross entropy of probabilities: −w·(t·log p + (1−t)·log(1−p)), logs clamped at
    /// −100 as PyTorch does.
    public static func bce(_ probabilities: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean) throws -> Tensor {
        let floor = try F.scalar(-100, like: probabilities), one = try F.scalar(1, like: probabilities)
        let logP = try F.op("Max", [try F.op("Log", [probabilities]), floor])
        let logQ = try F.op("Max", [try F.op("Log", [try F.sub(one, probabilities)]), floor])
        var loss = try F.neg(try F.add(try F.mul(target, logP), try F.mul(try F.sub(one, target), logQ)))
        if let weight { loss = try F.mul(loss, weight) }
        return try reduce(loss, reduction)
    }

    /// Binary cross entropy of logits, computed stably: max(x,0) − x·t + log(1 + e^−|x|);
    /// `positiveWeight` scales the positive term as PyTorch's `pos_weight`.
    public static func bceWithLogits(_ logits: Tensor, _ target: Tensor, weight: Tensor? = nil, positiveWeight: Tensor? = nil,
                                     reduction: Reduction = .mean) throws -> Tensor {
        let zero = try F.scalar(0, like: logits), one = try F.scalar(1, like: logits)
        // log σ(x) = −(max(−x, 0) + log(1 + e^−|x|)); log(1 − σ(x)) = log σ(x) − x
        let softplusTail = try F.op("Log", [try F.add(one, try F.op("Exp", [try F.neg(try F.abs(logits))]))])
        let logSigmoid = try F.neg(try F.add(try F.op("Max", [try F.neg(logits), zero]), softplusTail))
        let logComplement = try F.sub(logSigmoid, logits)
        var positive = try F.mul(target, logSigmoid)
        if let positiveWeight { positive = try F.mul(positive, positiveWeight) }
        var loss = try F.neg(try F.add(positive, try F.mul(try F.sub(one, target), logComplement)))
        if let weight { loss = try F.mul(loss, weight) }
        return try reduce(loss, reduction)
    }

    static func reduce(_ loss: Tensor, _ reduction: Reduction) throws -> Tensor {
        switch reduction {
        case .none: return loss
        case .sum: return try F.sum(loss)
        case .mean: return try F.op("ReduceMean", [loss], ["keepdims": .int(0)])
        }
    }

    /// A loss by name (see `names`) with PyTorch-style options: `reduction` ("none", "mean",
    /// "sum"), `beta`, `delta`, `ignore_index`, `label_smoothing`, and tensors `weight` and
    /// `pos_weight`.
    public static func named(_ name: String, _ input: Tensor, _ target: Tensor, options: Attributes = Attributes()) throws -> Tensor {
        func number(_ key: String, _ fallback: Double) throws -> Double { try options.number(key, default: fallback, what: "loss option") }
        func tensor(_ key: String) throws -> Tensor? {
            switch options[key] {
            case nil: return nil
            case .tensor(let t)?: return t
            default: throw PlexusError.invalid("loss option '\(key)' must be a tensor")
            }
        }
        let allowed: Set<String> = ["reduction", "beta", "delta", "ignore_index", "label_smoothing", "weight", "pos_weight"]
        if let unknown = options.names.first(where: { !allowed.contains($0) }) {
            throw PlexusError.invalid("unknown loss option '\(unknown)'")
        }
        var reduction = Reduction.mean
        if let value = options["reduction"] {
            guard case .string(let text) = value, let parsed = Reduction(rawValue: text) else {
                throw PlexusError.invalid("reduction must be 'none', 'mean' or 'sum'")
            }
            reduction = parsed
        }
        let weight = try tensor("weight")
        switch name {
        case "mse": return try mse(input, target, reduction: reduction)
        case "l1": return try l1(input, target, reduction: reduction)
        case "smooth_l1": return try smoothL1(input, target, beta: try number("beta", 1), reduction: reduction)
        case "huber": return try huber(input, target, delta: try number("delta", 1), reduction: reduction)
        case "cross_entropy":
            return try crossEntropy(input, target, weight: weight, ignoreIndex: Int(try number("ignore_index", -100)),
                                    labelSmoothing: try number("label_smoothing", 0), reduction: reduction)
        case "nll": return try nll(input, target, weight: weight, ignoreIndex: Int(try number("ignore_index", -100)), reduction: reduction)
        case "bce": return try bce(input, target, weight: weight, reduction: reduction)
        case "bce_with_logits":
            return try bceWithLogits(input, target, weight: weight, positiveWeight: try tensor("pos_weight"), reduction: reduction)
        default: throw PlexusError(.notFound, "unknown loss '\(name)' (known: \(names.joined(separator: ", ")))")
        }
    }
}
