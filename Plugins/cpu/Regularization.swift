import PlexusPluginKit

/// Dropout (opset 13): in training mode zeroes each element with probability `ratio` and
/// scales the rest by 1/(1-ratio); otherwise passes data through. The mask comes from a
/// counter-based generator keyed by `seed`, so a node run again with the same attributes (as
/// its gradient rule does) draws the same mask.
enum Regularization: OperatorFamily {
    static var definitions: [OpDefinition] {
        [OpDefinition("Dropout", since: 13, inputs: 1...3, outputs: 1...2, attributes: [AttributeDeclaration("seed", .int)],
                      doc: "random zeroing during training", supports: DTypes.first(DTypes.floats),
                      compute: compute)
            .nondeterministic()  // a fresh mask per call when no seed is given: never folded
            .differentiable { g in
                guard g.needs(0), let d = g.upstream else { return }
                try g.set(0, try g.rerun("Dropout", [d] + g.inputs.dropFirst()))
            }]
    }

    struct Body: FloatBody {
        let input: KernelTensor, output: KernelTensor, mask: UnsafeMutablePointer<Bool>?, ratio: Double, seed: UInt64
        func run<T: CPUFloat>(_ type: T.Type) throws {
            let x = input.pointer(as: T.self), y = output.pointer(as: T.self)
            let scale = T(1 / (1 - ratio)), threshold = UInt64(ratio * Double(UInt64.max >> 11)) 
            let (seed, mask) = (self.seed, self.mask)
            Host.parallelFor(input.count, grain: 16_384) { range in
                for index in range {
                    var state = seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
                    let keep = (SplitMix.next(&state) >> 11) >= threshold
                    y[index] = keep ? x[index] * scale : 0
                    mask?[index] = keep
                }
            }
        }
    }

    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0)
        let ratio = try context.optionalInput(1).map { try $0.scalar("Dropout: ratio") } ?? 0.5
        let training = try context.optionalInput(2).map { try $0.scalar("Dropout: training_mode") != 0 } ?? false
        guard ratio >= 0 && ratio < 1 else { throw PlexusError.invalid("Dropout: ratio must be in [0, 1), got \(ratio)") }
        let output = try context.output(0, input.dtype, input.shape)
        let mask = context.outputCount > 1 ? try context.output(1, .bool, input.shape).pointer(as: Bool.self) : nil
        guard training && ratio > 0 else {
            output.data.copyMemory(from: input.data, byteCount: input.count * input.dtype.elementSize)
            mask?.initialize(repeating: true, count: input.count)
            return
        }
        let seed = try context.attributes.int("seed").map { UInt64(bitPattern: Int64($0)) } ?? UInt64.random(in: 0...UInt64.max)
        try TypeDispatch.float(input.dtype, op: "Dropout", Body(input: input, output: output, mask: mask, ratio: ratio, seed: seed))
    }
}

/// The SplitMix64 step (a small, well-mixed counter-based generator).
enum SplitMix {
    static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
