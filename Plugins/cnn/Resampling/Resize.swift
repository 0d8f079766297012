import PlexusPluginKit

/// Resize (opset 19: nearest, linear and cubic modes, every coordinate transformation,
/// `axes`, keep_aspect_ratio_policy; no antialias), Upsample (opset 9, the deprecated form:
/// nearest or linear with asymmetric coordinates), and their shared adjoint, the helper
/// ResizeGradient(dY, X, roi, scales, sizes) with Resize's attributes.
enum Resize: OperatorFamily {
    /// Resize, Upsample and the ResizeGradient helper.
    static var definitions: [OpDefinition] { [
        OpDefinition("Resize", since: 19, inputs: 1...4, attributes: ResizeSettings.attributes,
                     doc: "resample X by scales or to sizes (nearest, linear or cubic)", supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                     infer: { context in
                         try inferShape(context, op: "Resize", settings: try ResizeSettings(context.attributes, op: "Resize"), roi: 1, scales: 2, sizes: 3)
                     },
                     gradient: { g in
                         guard g.needs(0), let d = g.upstream else { return }
                         try g.set(0, try g.call1("ResizeGradient", domain: HelperOps.domain, [d] + g.inputs, attributes: g.attributes.handle))
                     },
                     compute: { context in
                         let settings = try ResizeSettings(context.attributes, op: "Resize")
                         try compute(context, settings: settings, inputs: try ResizeInputs(roi: context.optionalInput(1), scales: context.optionalInput(2),
                                                                                            sizes: context.optionalInput(3)))
                     }),
        OpDefinition("Upsample", since: 9, inputs: 2...2, attributes: [AttributeDeclaration("mode", .string, default: .string("nearest"))],
                     doc: "deprecated: resample X by scales (nearest or linear, asymmetric coordinates)",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                     infer: { context in
                         try inferShape(context, op: "Upsample", settings: try upsampleSettings(context.attributes), roi: nil, scales: 1, sizes: nil)
                     },
                     gradient: { g in
                         guard g.needs(0), let d = g.upstream else { return }
                         let settings = try upsampleSettings(g.attributes)
                         try g.set(0, try g.call1("ResizeGradient", domain: HelperOps.domain, [d, try g.input(0), nil, try g.input(1)],
                                                  [("mode", .string(settings.mode.rawValue)),
                                                   ("coordinate_transformation_mode", .string(settings.coordinates.rawValue)),
                                                   ("nearest_mode", .string(settings.rounding.rawValue))]))
                     },
                     compute: { context in
                         let inputs = try ResizeInputs(roi: nil, scales: try context.input(1), sizes: nil)
                         guard let scales = inputs.scales, scales.allSatisfy({ $0 >= 1 }) else {
                             throw PlexusError.invalid("Upsample: scales must be at least 1, got \(inputs.scales ?? [])")
                         }
                         try compute(context, settings: try upsampleSettings(context.attributes), inputs: inputs)
                     }),
        OpDefinition("ResizeGradient", domain: HelperOps.domain, since: 1, inputs: 2...5, attributes: ResizeSettings.attributes,
                     doc: "gradient of Resize with respect to X, given dY, X and Resize's other inputs",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), compute: computeGradient),
    ] }

    /// Upsample's mode as Resize settings: asymmetric coordinates, nearest rounding down.
    static func upsampleSettings(_ attributes: AttributeReader) throws -> ResizeSettings {
        let text = try attributes.string("mode") ?? "nearest"
        guard let mode = ResizeSettings.Mode(rawValue: text), mode != .cubic else {
            throw PlexusError.invalid("Upsample: mode must be 'nearest' or 'linear', got '\(text)'")
        }
        return ResizeSettings(mode: mode, coordinates: .asymmetric, rounding: .floor)
    }

    /// The kernel of Resize and Upsample: plans the resize, then runs it.
    static func compute(_ context: KernelContext, settings: ResizeSettings, inputs: ResizeInputs) throws {
        let x = try context.input(0)
        let plan = try ResizePlan(inputShape: x.shape, inputs: inputs, settings: settings, op: context.op)
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context) }
        let y = try context.output(0, x.dtype, plan.outputShape)
        try TypeDispatch.float(x.dtype, op: context.op, Body(plan: plan, source: x, target: y, adjoint: false))
    }

    /// The gradient helper's kernel: checks that dY matches the resize of X, then runs the adjoint.
    static func computeGradient(_ context: KernelContext) throws {
        let dy = try context.input(0), x = try context.input(1)
        let dtype = try requireSameDType([dy, x], op: "ResizeGradient")
        let plan = try ResizePlan(inputShape: x.shape, inputs: try ResizeInputs(roi: context.optionalInput(2), scales: context.optionalInput(3),
                                                                                sizes: context.optionalInput(4)),
                                  settings: try ResizeSettings(context.attributes, op: "ResizeGradient"), op: "ResizeGradient")
        guard dy.shape == plan.outputShape else {
            throw PlexusError(.shapeMismatch, "ResizeGradient: dY has shape \(dy.shape), the resize gives \(plan.outputShape)")
        }
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context, domain: HelperOps.domain) }
        let dx = try context.output(0, dtype, x.shape)
        try TypeDispatch.float(dtype, op: "ResizeGradient", Body(plan: plan, source: dy, target: dx, adjoint: true))
    }

    /// The output shape when X's shape and the sizing inputs are known constants; otherwise X's rank.
    static func inferShape(_ context: InferenceContext, op: String, settings: ResizeSettings, roi: Int?, scales: Int?, sizes: Int?) throws {
        guard let x = context.input(0) else { throw PlexusError.invalid("\(op) needs X") }
        let indices = [roi, scales, sizes]
        let unknown = indices.contains { index in index.map { context.input($0) != nil && context.value($0) == nil } ?? false }
        guard let shape = ShapeInference.known(context, 0), !unknown else {
            return try context.setOutput(0, x.dtype, x.shape.map { Array(repeating: nil, count: $0.count) })
        }
        let values = indices.map { $0.flatMap { context.value($0) } }
        let plan = try ResizePlan(inputShape: shape, inputs: try ResizeInputs(roi: values[0], scales: values[1], sizes: values[2]),
                                  settings: settings, op: op)
        try context.setOutput(0, x.dtype, plan.outputShape)
    }

    /// Runs the plan forward, or its adjoint.
    struct Body: FloatBody {
        let plan: ResizePlan, source: KernelTensor, target: KernelTensor, adjoint: Bool

        func run<T: CPUFloat>(_ type: T.Type) throws {
            if adjoint {
                plan.applyAdjoint(source.pointer(as: T.self), into: target.pointer(as: T.self))
            } else {
                plan.apply(source.pointer(as: T.self), into: target.pointer(as: T.self))
            }
        }
    }
}
