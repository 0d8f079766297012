import CPlexusCPUKernels
import PlexusPluginKit

/// MaxPool (opset 12) over 1 to 3 spatial dims, with dilations, pads or auto_pad, ceil_mode and
/// the optional Indices output (flat indices into X, row-major or with storage_order 1
/// column-major over the spatial dims); and its adjoint, the helper MaxPoolGradient(X, dY),
/// which sends each gradient to its window's maximum.
enum MaxPool: OperatorFamily {
    /// The attributes of MaxPool and of its gradient helper.
    static var attributes: [AttributeDeclaration] { [
        AttributeDeclaration("auto_pad", .string, default: .string("NOTSET")), AttributeDeclaration("ceil_mode", .int, default: .int(0)),
        AttributeDeclaration("dilations", .ints), .required("kernel_shape", .ints), AttributeDeclaration("pads", .ints),
        AttributeDeclaration("storage_order", .int, default: .int(0)), AttributeDeclaration("strides", .ints),
    ] }

    /// MaxPool and the MaxPoolGradient helper.
    static var definitions: [OpDefinition] { [
        OpDefinition("MaxPool", since: 12, inputs: 1...1, outputs: 1...2, attributes: attributes, doc: "largest value of each window",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs).union([.int8, .uint8])),
                     infer: ShapeInference.derived { context, shapes in
                         try PoolGeometry.read(input: shapes[0], attributes: context.attributes, op: "MaxPool").outputShape
                     },
                     gradient: { g in
                         guard g.needs(0), let d = g.upstream else { return }
                         try g.set(0, try g.call1("MaxPoolGradient", domain: HelperOps.domain, [try g.input(0), d], attributes: g.attributes.handle))
                     },
                     compute: compute),
        OpDefinition("MaxPoolGradient", domain: HelperOps.domain, since: 1, inputs: 2...2, attributes: attributes,
                     doc: "gradient of MaxPool with respect to X, given X and dY", supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                     compute: computeGradient),
    ] }

    /// The forward kernel (values and, when asked for, indices).
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0)
        let geometry = try PoolGeometry.read(input: x.shape, attributes: context.attributes, op: "MaxPool")
        let order = try context.attributes.int("storage_order") ?? 0
        guard order == 0 || order == 1 else { throw PlexusError.invalid("MaxPool: storage_order must be 0 or 1, got \(order)") }
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context) }
        let y = try context.output(0, x.dtype, geometry.outputShape)
        let indices = context.outputCount > 1 ? try context.output(1, .int64, geometry.outputShape) : nil
        try TypeDispatch.numeric(x.dtype, op: "MaxPool", Forward(plan: PoolPlan(geometry.axes), planes: geometry.planes, x: x, y: y,
                                                                 indices: indices, columnMajor: order == 1))
    }

    /// The gradient helper's kernel: checks that dY matches the pooling of X.
    static func computeGradient(_ context: KernelContext) throws {
        let x = try context.input(0), dy = try context.input(1)
        let dtype = try requireSameDType([x, dy], op: "MaxPoolGradient")
        let geometry = try PoolGeometry.read(input: x.shape, attributes: context.attributes, op: "MaxPoolGradient")
        guard dy.shape == geometry.outputShape else {
            throw PlexusError(.shapeMismatch, "MaxPoolGradient: dY has shape \(dy.shape), the pooling gives \(geometry.outputShape)")
        }
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context, domain: HelperOps.domain) }
        let dx = try context.output(0, dtype, x.shape)
        try TypeDispatch.float(dtype, op: "MaxPoolGradient", Backward(plan: PoolPlan(geometry.axes), planes: geometry.planes, x: x, dy: dy, dx: dx))
    }

    /// Each output is its window's maximum; Indices hold where it was found.
    struct Forward: NumericBody {
        let plan: PoolPlan, planes: Int, x: KernelTensor, y: KernelTensor, indices: KernelTensor?, columnMajor: Bool

        func run<T: CPUNumber>(_ type: T.Type) throws {
            let source = x.pointer(as: T.self), target = y.pointer(as: T.self), index = indices?.pointer(as: Int64.self)
            let (plan, columnMajor) = (self.plan, self.columnMajor)
            let inputSize = plan.volume.inputCount, outputSize = plan.volume.outputCount
            if index == nil && plan.volume.depth.output == 1 && plan.volume.depth.kernel == 1
                && plan.height.dilation == 1 && plan.width.dilation == 1 {
                let vectorized = T.self == Float.self && VectorKernels.available
                return Host.parallelFor(planes, grain: plan.grain) { range in
                    for p in range {
                        if vectorized {
                            Self.vectorMaxima(plan.volume, UnsafeRawPointer(source + p &* inputSize).assumingMemoryBound(to: Float.self),
                                              into: UnsafeMutableRawPointer(target + p &* outputSize).assumingMemoryBound(to: Float.self))
                        } else {
                            Self.planeMaxima(plan, source + p &* inputSize, into: target + p &* outputSize)
                        }
                    }
                }
            }
            Host.parallelFor(planes, grain: plan.grain) { range in
                for p in range {
                    let plane = source + p &* inputSize, out = target + p &* outputSize
                    plan.forEachOutput { o, od, oh, ow in
                        let (value, at) = plan.argmax(plane, od, oh, ow)
                        out[o] = value
                        index?[p &* outputSize &+ o] = Int64(p &* inputSize &+ (columnMajor && at >= 0 ? plan.volume.columnMajor(at) : at))
                    }
                }
            }
        }

        /// One float32 plane, as planeMaxima, by the AVX-512 kernel (sixteen outputs at a time).
        static func vectorMaxima(_ volume: WindowVolume, _ plane: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
            let rows = volume.height, columns = volume.width
            plx_cpu_maxpool_plane_avx512(plane, Int32(rows.input), Int32(columns.input), Int32(rows.kernel), Int32(columns.kernel),
                                         Int32(rows.stride), Int32(columns.stride), Int32(rows.padBegin), Int32(columns.padBegin), out,
                                         Int32(rows.output), Int32(columns.output))
        }

        /// One 1-D or 2-D plane without indices or dilation: the window loops written out, the
        /// rows of a window read directly (the general path visits taps through closures). Same
        /// rule as `PoolPlan.argmax`: the first tap, then any larger value, and NaN once one is met.
        @inline(__always)
        static func planeMaxima<T: CPUNumber>(_ plan: PoolPlan, _ plane: UnsafePointer<T>, into out: UnsafeMutablePointer<T>) {
            let rowLength = plan.volume.width.input, columns = plan.volume.width.output
            for oh in 0..<plan.volume.height.output {
                let top = plane + plan.height.first[oh] &* rowLength, rows = plan.height.inside[oh]
                let target = out + oh &* columns
                for ow in 0..<columns {
                    let start = top + plan.width.first[ow], taps = plan.width.inside[ow]
                    guard rows > 0 && taps > 0 else {
                        target[ow] = T.lowest
                        continue
                    }
                    var best = start[0]
                    for r in 0..<rows {
                        let row = start + r &* rowLength
                        for c in 0..<taps where row[c] > best || row[c] != row[c] { best = row[c] }  // a NaN stays
                    }
                    target[ow] = best
                }
            }
        }
    }

    /// Each window's gradient goes to the tap holding its maximum.
    struct Backward: FloatBody {
        let plan: PoolPlan, planes: Int, x: KernelTensor, dy: KernelTensor, dx: KernelTensor

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let source = x.pointer(as: T.self), gradient = dy.pointer(as: T.self), target = dx.pointer(as: T.self)
            let plan = self.plan, inputSize = plan.volume.inputCount, outputSize = plan.volume.outputCount
            target.initialize(repeating: T.zero, count: dx.count)
            Host.parallelFor(planes, grain: plan.grain) { range in
                for p in range {
                    let plane = source + p &* inputSize, into = target + p &* inputSize, from = gradient + p &* outputSize
                    plan.forEachOutput { o, od, oh, ow in
                        let at = plan.argmax(plane, od, oh, ow).1
                        if at >= 0 { into[at] += from[o] }
                    }
                }
            }
        }
    }
}
