import CPlexusCPUKernels
import PlexusPluginKit

/// Add, Sub, Mul, Div, Pow and Mod with numpy broadcasting, for every numeric dtype
/// (half-precision types through float32).
enum ElementwiseBinary: OperatorFamily {
    enum Operation { case add, sub, mul, div, pow, mod, fmod }

    static var definitions: [OpDefinition] {
        [("Add", Operation.add, 14), ("Sub", .sub, 14), ("Mul", .mul, 14), ("Div", .div, 14), ("Pow", .pow, 15)].map { name, operation, since in
            OpDefinition(name, since: since, inputs: 2...2, doc: "elementwise \(name.lowercased()) with numpy broadcasting",
                         supports: DTypes.first(DTypes.numeric.union(DTypes.halfs)),
                         infer: Inference.broadcast(),
                         compute: { try compute($0, operation) })
                // Element i of the output reads element i of an input of the output's size (or
                // a broadcast value), so either operand may take the output; Pow's exponent may
                // have another type and is cast first.
                .inPlace(operation == .pow ? [0] : [0, 1])
        } + [
            OpDefinition("Mod", since: 13, inputs: 2...2, attributes: [AttributeDeclaration("fmod", .int, default: .int(0))],
                         doc: "elementwise remainder (fmod=0: sign of divisor; fmod=1: sign of dividend)",
                         supports: DTypes.first(DTypes.numeric.union(DTypes.halfs)),
                         infer: Inference.broadcast(),
                         compute: { context in
                             // fmod = 0 on floats is numpy's floor remainder, as the ONNX reference computes it.
                             try compute(context, try context.attributes.int("fmod") == 1 ? .fmod : .mod)
                         }),
        ]
    }

    struct Body: NumericBody {
        let plan: Broadcast, a: KernelTensor, b: KernelTensor, out: KernelTensor, operation: Operation

        func run<T: CPUNumber>(_ type: T.Type) throws {
            let pa = UnsafePointer(a.pointer(as: T.self)), pb = UnsafePointer(b.pointer(as: T.self))
            let po = out.pointer(as: T.self)
            switch operation {
            case .add, .sub, .mul, .div: broadcastArithmetic(plan, pa, pb, po, operation)
            case .pow: broadcastBinary(plan, pa, pb, po, T.power)
            case .mod: broadcastBinary(plan, pa, pb, po, T.floorMod)
            case .fmod: broadcastBinary(plan, pa, pb, po, T.truncMod)
            }
        }
    }

    static func compute(_ context: KernelContext, _ operation: Operation) throws {
        if try smallFloat(context, operation) { return }
        let a = try context.input(0)
        var b = try context.input(1)
        var converted: OwnedTensor?
        if operation == .pow && b.dtype != a.dtype {
            converted = try Casting.cast(b, to: a.dtype)  // ONNX Pow allows another exponent type
            b = converted!.view
        }
        _ = try requireSameDType([a, b], op: context.op)
        let plan = try Broadcast([a.shape, b.shape], op: context.op)
        let out = try context.output(0, a.dtype, plan.shape)
        if HalfPrecision.isHalf(a.dtype) {
            let wa = HalfPrecision.widened(a), wb = HalfPrecision.widened(b)
            var result = [Float](repeating: 0, count: plan.count)
            wa.withUnsafeBufferPointer { pa in
                wb.withUnsafeBufferPointer { pb in
                    result.withUnsafeMutableBufferPointer { po in
                        let float = Body(plan: plan, a: a, b: b, out: out, operation: operation)
                        float.runFloat(plan, pa.baseAddress!, pb.baseAddress!, po.baseAddress!)
                    }
                }
            }
            result.withUnsafeBufferPointer { HalfPrecision.store($0, into: out) }
        } else {
            try TypeDispatch.numeric(a.dtype, op: context.op, Body(plan: plan, a: a, b: b, out: out, operation: operation))
        }
        withExtendedLifetime(converted) {}
    }
}

extension ElementwiseBinary {
    /// Below this many elements a float32 Add, Sub, Mul or Div of equal shapes (or by a single
    /// value) runs on the calling thread without a broadcast plan: for small tensors the plan
    /// and the thread hand-off cost more than the arithmetic.
    static let smallCount = 1 << 14

    /// The small float32 fast path, read through views (no shape arrays); false when it does
    /// not apply.
    static func smallFloat(_ context: KernelContext, _ operation: Operation) throws -> Bool {
        guard let code = operation.kernelCode, let a = context.view(0), let b = context.view(1),
              a.dtype == .float32, b.dtype == .float32, a.count <= smallCount else { return false }
        let strideB: Int
        if a.hasShape(of: b) {
            strideB = 1
        } else if b.count == 1, b.rank <= a.rank {
            strideB = 0
        } else {
            return false
        }
        let out = try context.output(0, .float32, shapeOf: a)
        plx_cpu_arithmetic(code, a.data.assumingMemoryBound(to: Float.self), 1, b.data.assumingMemoryBound(to: Float.self), strideB,
                           out.assumingMemoryBound(to: Float.self), a.count)
        return true
    }
}

/// Add, Sub, Mul or Div over two broadcast inputs. The operation is chosen once per run and the
/// inner loops call the element type's operators directly, so they inline and vectorise (a
/// function value passed down would be an indirect call per element). Float32 runs whose inputs
/// are arrays or repeated values go to `plx_cpu_arithmetic`'s AVX-512/AVX2 loops, which the
/// compiler's own vectorisation did not reach for an in-place output.
func broadcastArithmetic<T: CPUNumber>(_ plan: Broadcast, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
                                       _ operation: ElementwiseBinary.Operation) {
    let n = plan.runLength, sa = plan.innerStride(0), sb = plan.innerStride(1)
    if T.self == Float.self, sa <= 1, sb <= 1, let code = operation.kernelCode {
        let a = UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), b = UnsafeRawPointer(b).assumingMemoryBound(to: Float.self)
        let out = UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self)
        plan.parallelRuns { offsets, o in plx_cpu_arithmetic(code, a + offsets[0], sa, b + offsets[1], sb, out + o, n) }
        return
    }
    plan.parallelRuns { offsets, o in
        let pa = a + offsets[0], pb = b + offsets[1], po = out + o
        switch (operation, sa, sb) {
        case (.add, 1, 1): for i in 0..<n { po[i] = T.add(pa[i], pb[i]) }
        case (.sub, 1, 1): for i in 0..<n { po[i] = T.sub(pa[i], pb[i]) }
        case (.mul, 1, 1): for i in 0..<n { po[i] = T.mul(pa[i], pb[i]) }
        case (.div, 1, 1): for i in 0..<n { po[i] = T.div(pa[i], pb[i]) }
        case (.add, 1, 0): let y = pb[0]; for i in 0..<n { po[i] = T.add(pa[i], y) }
        case (.sub, 1, 0): let y = pb[0]; for i in 0..<n { po[i] = T.sub(pa[i], y) }
        case (.mul, 1, 0): let y = pb[0]; for i in 0..<n { po[i] = T.mul(pa[i], y) }
        case (.div, 1, 0): let y = pb[0]; for i in 0..<n { po[i] = T.div(pa[i], y) }
        case (.add, 0, 1): let x = pa[0]; for i in 0..<n { po[i] = T.add(x, pb[i]) }
        case (.sub, 0, 1): let x = pa[0]; for i in 0..<n { po[i] = T.sub(x, pb[i]) }
        case (.mul, 0, 1): let x = pa[0]; for i in 0..<n { po[i] = T.mul(x, pb[i]) }
        case (.div, 0, 1): let x = pa[0]; for i in 0..<n { po[i] = T.div(x, pb[i]) }
        case (.add, _, _): for i in 0..<n { po[i] = T.add(pa[i &* sa], pb[i &* sb]) }
        case (.sub, _, _): for i in 0..<n { po[i] = T.sub(pa[i &* sa], pb[i &* sb]) }
        case (.mul, _, _): for i in 0..<n { po[i] = T.mul(pa[i &* sa], pb[i &* sb]) }
        default: for i in 0..<n { po[i] = T.div(pa[i &* sa], pb[i &* sb]) }
        }
    }
}

extension ElementwiseBinary.Operation {
    /// The operation's code for plx_cpu_arithmetic (Add, Sub, Mul and Div only).
    var kernelCode: Int32? {
        switch self {
        case .add: Int32(PLX_CPU_ADD)
        case .sub: Int32(PLX_CPU_SUB)
        case .mul: Int32(PLX_CPU_MUL)
        case .div: Int32(PLX_CPU_DIV)
        default: nil
        }
    }
}

extension ElementwiseBinary.Body {
    /// The float32 path used for half-precision inputs.
    func runFloat(_ plan: Broadcast, _ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>, _ po: UnsafeMutablePointer<Float>) {
        switch operation {
        case .add: broadcastBinary(plan, pa, pb, po, Float.add)
        case .sub: broadcastBinary(plan, pa, pb, po, Float.sub)
        case .mul: broadcastBinary(plan, pa, pb, po, Float.mul)
        case .div: broadcastBinary(plan, pa, pb, po, Float.div)
        case .pow: broadcastBinary(plan, pa, pb, po, Float.power)
        case .mod: broadcastBinary(plan, pa, pb, po, Float.floorMod)
        case .fmod: broadcastBinary(plan, pa, pb, po, Float.truncMod)
        }
    }
}
