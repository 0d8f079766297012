import PlexusPluginKit

/// Add, Sub, Mul, Div, Pow and Mod with numpy broadcasting, for every numeric dtype
/// (half-precision types through float32).
enum ElementwiseBinary {
    enum Operation { case add, sub, mul, div, pow, mod, fmod }

    static var definitions: [OpDefinition] {
        [("Add", Operation.add, 14), ("Sub", .sub, 14), ("Mul", .mul, 14), ("Div", .div, 14), ("Pow", .pow, 15)].map { name, operation, since in
            OpDefinition(name, since: since, inputs: 2...2, doc: "elementwise \(name.lowercased()) with numpy broadcasting",
                         supports: DTypes.first(DTypes.numeric.union(DTypes.halfs)),
                         infer: Inference.broadcast(),
                         compute: { try compute($0, operation) })
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
            case .add: broadcastBinary(plan, pa, pb, po, T.add)
            case .sub: broadcastBinary(plan, pa, pb, po, T.sub)
            case .mul: broadcastBinary(plan, pa, pb, po, T.mul)
            case .div: broadcastBinary(plan, pa, pb, po, T.div)
            case .pow: broadcastBinary(plan, pa, pb, po, T.power)
            case .mod: broadcastBinary(plan, pa, pb, po, T.floorMod)
            case .fmod: broadcastBinary(plan, pa, pb, po, T.truncMod)
            }
        }
    }

    static func compute(_ context: KernelContext, _ operation: Operation) throws {
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
