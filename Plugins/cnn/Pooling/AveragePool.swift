import PlexusPluginKit

/// AveragePool (opset 19) over 1 to 3 spatial dims, with dilations, pads or auto_pad,
/// ceil_mode and count_include_pad; and its adjoint, the helper AveragePoolGradient(X, dY),
/// which spreads each gradient evenly over its window.
enum AveragePool: OperatorFamily {
    /// The attributes of AveragePool and of its gradient helper.
    static var attributes: [AttributeDeclaration] { [
        AttributeDeclaration("auto_pad", .string, default: .string("NOTSET")), AttributeDeclaration("ceil_mode", .int, default: .int(0)),
        AttributeDeclaration("count_include_pad", .int, default: .int(0)), AttributeDeclaration("dilations", .ints),
        .required("kernel_shape", .ints), AttributeDeclaration("pads", .ints), AttributeDeclaration("strides", .ints),
    ] }

    /// AveragePool and the AveragePoolGradient helper.
    static var definitions: [OpDefinition] { [
        OpDefinition("AveragePool", since: 19, inputs: 1...1, attributes: attributes, doc: "mean of each window",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                     infer: ShapeInference.derived { context, shapes in
                         try PoolGeometry.read(input: shapes[0], attributes: context.attributes, op: "AveragePool").outputShape
                     },
                     gradient: { g in
                         guard g.needs(0), let d = g.upstream else { return }
                         try g.set(0, try g.call1("AveragePoolGradient", domain: HelperOps.domain, [try g.input(0), d],
                                                  attributes: g.attributes.handle))
                     },
                     compute: compute),
        OpDefinition("AveragePoolGradient", domain: HelperOps.domain, since: 1, inputs: 2...2, attributes: attributes,
                     doc: "gradient of AveragePool with respect to X, given X and dY",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), compute: computeGradient),
    ] }

    /// The geometry and count_include_pad, checked.
    static func read(_ context: KernelContext, shape: [Int]) throws -> (PoolGeometry, Bool) {
        let geometry = try PoolGeometry.read(input: shape, attributes: context.attributes, op: context.op)
        let include = try context.attributes.int("count_include_pad") ?? 0
        guard include == 0 || include == 1 else { throw PlexusError.invalid("\(context.op): count_include_pad must be 0 or 1, got \(include)") }
        return (geometry, include == 1)
    }

    /// The forward kernel.
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0)
        let (geometry, includePad) = try read(context, shape: x.shape)
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context) }
        let y = try context.output(0, x.dtype, geometry.outputShape)
        try TypeDispatch.float(x.dtype, op: "AveragePool", Forward(plan: PoolPlan(geometry.axes), planes: geometry.planes, includePad: includePad,
                                                                 x: x, y: y))
    }

    /// The gradient helper's kernel: checks that dY matches the pooling of X.
    static func computeGradient(_ context: KernelContext) throws {
        let x = try context.input(0), dy = try context.input(1)
        let dtype = try requireSameDType([x, dy], op: "AveragePoolGradient")
        let (geometry, includePad) = try read(context, shape: x.shape)
        guard dy.shape == geometry.outputShape else {
            throw PlexusError(.shapeMismatch, "AveragePoolGradient: dY has shape \(dy.shape), the pooling gives \(geometry.outputShape)")
        }
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context, domain: HelperOps.domain) }
        let dx = try context.output(0, dtype, x.shape)
        try TypeDispatch.float(dtype, op: "AveragePoolGradient", Backward(plan: PoolPlan(geometry.axes), planes: geometry.planes,
                                                                          includePad: includePad, dy: dy, dx: dx))
    }

    /// Each output is the sum of its window's taps over the divisor.
    struct Forward: FloatBody {
        let plan: PoolPlan, planes: Int, includePad: Bool, x: KernelTensor, y: KernelTensor

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let source = x.pointer(as: T.self), target = y.pointer(as: T.self)
            let (plan, includePad) = (self.plan, self.includePad)
            let inputSize = plan.volume.inputCount, outputSize = plan.volume.outputCount
            Host.parallelFor(planes, grain: plan.grain) { range in
                for p in range {
                    let plane = source + p &* inputSize, out = target + p &* outputSize
                    plan.forEachOutput { o, od, oh, ow in
                        var sum = T.zero
                        plan.forEachTap(od, oh, ow) { sum += plane[$0] }
                        let count = plan.divisor(od, oh, ow, includePad: includePad)
                        out[o] = count > 0 ? sum / T(count) : T.zero
                    }
                }
            }
        }
    }

    /// Each window's gradient, over its divisor, is added to every tap.
    struct Backward: FloatBody {
        let plan: PoolPlan, planes: Int, includePad: Bool, dy: KernelTensor, dx: KernelTensor

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let gradient = dy.pointer(as: T.self), target = dx.pointer(as: T.self)
            let (plan, includePad) = (self.plan, self.includePad)
            let inputSize = plan.volume.inputCount, outputSize = plan.volume.outputCount
            target.initialize(repeating: T.zero, count: dx.count)
            Host.parallelFor(planes, grain: plan.grain) { range in
                for p in range {
                    let into = target + p &* inputSize, from = gradient + p &* outputSize
                    plan.forEachOutput { o, od, oh, ow in
                        let count = plan.divisor(od, oh, ow, includePad: includePad)
                        guard count > 0 else { return }
                        let share = from[o] / T(count)
                        plan.forEachTap(od, oh, ow) { into[$0] += share }
                    }
                }
            }
        }
    }
}
