import PlexusPluginKit

/// NegativeLogLikelihoodLoss (opset 22): for input [N, C, d1…dk] (log-probabilities) and
/// target [N, d1…dk] of class indices, loss[n, d…] = -weight[t]·input[n, t, d…] with
/// t = target[n, d…] (weight 1 when no weight input is given). Targets equal to
/// `ignore_index` contribute nothing and count for nothing. Reduction "none" keeps the
/// target's shape, "sum" adds everything, "mean" divides the sum by the summed weights of the
/// counted targets (NaN when there are none, as in the reference).
enum NegativeLogLikelihood: OperatorFamily {
    /// The reduction attribute's values.
    enum Reduction: String { case none, sum, mean }

    /// The NegativeLogLikelihoodLoss schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("NegativeLogLikelihoodLoss", since: 22, inputs: 2...3, attributes: attributes,
                      doc: "negative log-likelihood of the targets' classes, optionally weighted and reduced",
                      supports: DTypes.first(DTypes.floats), infer: infer, compute: compute)]
    }

    /// The attributes shared with SoftmaxCrossEntropyLoss.
    static var attributes: [AttributeDeclaration] {
        [AttributeDeclaration("ignore_index", .int), AttributeDeclaration("reduction", .string, default: .string("mean"))]
    }

    /// The reduction attribute, checked.
    static func reduction(_ attributes: AttributeReader, op: String) throws -> Reduction {
        let name = try attributes.string("reduction") ?? "mean"
        guard let reduction = Reduction(rawValue: name) else {
            throw PlexusError.invalid("\(op): reduction must be 'none', 'sum' or 'mean', got '\(name)'")
        }
        return reduction
    }

    /// The loss has the target's shape without reduction, else it is a scalar.
    static func infer(_ context: InferenceContext) throws {
        guard let input = context.input(0), let target = context.input(1) else {
            throw PlexusError.invalid("NegativeLogLikelihoodLoss needs input and target")
        }
        let reduction = try reduction(context.attributes, op: "NegativeLogLikelihoodLoss")
        try context.setOutput(0, input.dtype, reduction == .none ? target.shape : [])
    }

    /// The checked geometry of one call: the classes C and the positions per sample.
    struct Geometry {
        /// C, and the product of the dims after C.
        let classes: Int, positions: Int

        /// Checks the shapes and dtypes of input, target and weight against each other.
        init(input: KernelTensor, target: KernelTensor, weight: KernelTensor?, op: String) throws {
            guard input.rank >= 2 else { throw PlexusError.invalid("\(op): input must be [N, C, ...], got shape \(input.shape)") }
            var expected = input.shape
            expected.remove(at: 1)
            guard target.shape == expected else {
                throw PlexusError(.shapeMismatch, "\(op): target must have shape \(expected) for input \(input.shape), got \(target.shape)")
            }
            guard DTypes.indices.contains(target.dtype) else {
                throw PlexusError(.dtypeMismatch, "\(op): target must be int32 or int64, got \(target.dtype)")
            }
            if let weight {
                guard weight.dtype == input.dtype, weight.shape == [input.shape[1]] else {
                    throw PlexusError(.shapeMismatch, "\(op): weight must be a \(input.dtype) vector of \(input.shape[1]) classes, got \(weight.dtype)\(weight.shape)")
                }
            }
            classes = input.shape[1]
            positions = product(input.shape, 2..<input.rank)
        }
    }

    /// The per-position losses (in double precision for the reductions), per element type.
    struct Body: FloatBody {
        let input: KernelTensor, targets: [Int], weight: KernelTensor?, output: KernelTensor
        let geometry: Geometry, ignoreIndex: Int?, reduction: Reduction

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let x = input.pointer(as: T.self), weights = weight.map { UnsafePointer($0.pointer(as: T.self)) }
            let out = output.pointer(as: T.self)
            let (classes, positions) = (geometry.classes, geometry.positions)
            var total = 0.0, totalWeight = 0.0
            for (index, target) in targets.enumerated() {
                var loss = T.zero
                if target != ignoreIndex {
                    guard target >= 0 && target < classes else {
                        throw PlexusError.invalid("NegativeLogLikelihoodLoss: target \(target) is out of range for \(classes) classes")
                    }
                    let sample = index / positions, position = index % positions
                    let w = weights?[target] ?? T.one
                    loss = -w * x[(sample &* classes &+ target) &* positions &+ position]
                    totalWeight += w.double
                }
                if reduction == .none { out[index] = loss } else { total += loss.double }
            }
            switch reduction {
            case .none: break
            case .sum: out[0] = T(total)
            case .mean: out[0] = T(total / totalWeight)
            }
        }
    }

    /// The kernel.
    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0), target = try context.input(1), weight = context.optionalInput(2)
        let geometry = try Geometry(input: input, target: target, weight: weight, op: context.op)
        let reduction = try reduction(context.attributes, op: context.op)
        let output = try context.output(0, input.dtype, reduction == .none ? target.shape : [])
        try TypeDispatch.float(input.dtype, op: context.op,
                               Body(input: input, targets: try target.integers(), weight: weight, output: output, geometry: geometry,
                                    ignoreIndex: try context.attributes.int("ignore_index"), reduction: reduction))
    }
}
