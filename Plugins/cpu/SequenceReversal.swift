import PlexusPluginKit

/// ReverseSequence (opset 28, unchanged since 10): for each batch entry b, the first sequence_lens[b]
/// steps along the time axis are reversed and the rest are copied. The time and batch axes
/// are dims 0 and 1 (in either order).
enum SequenceReversal: OperatorFamily {
    /// The ReverseSequence schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("ReverseSequence", since: 28, inputs: 2...2,
                      attributes: [AttributeDeclaration("batch_axis", .int, default: .int(1)), AttributeDeclaration("time_axis", .int, default: .int(0))],
                      doc: "reverse the first sequence_lens[b] time steps of each batch entry", infer: Inference.sameAsInput(), compute: compute)]
    }

    /// The kernel: one slice copy per (time step, batch entry), for every dtype.
    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0), lengthsTensor = try context.input(1)
        let batchAxis = try context.attributes.int("batch_axis") ?? 1, timeAxis = try context.attributes.int("time_axis") ?? 0
        guard input.rank >= 2, Set([batchAxis, timeAxis]) == [0, 1] else {
            throw PlexusError.invalid("ReverseSequence: batch_axis and time_axis must be 0 and 1 of an input of rank >= 2 (got \(batchAxis), \(timeAxis) for shape \(input.shape))")
        }
        let batch = input.shape[batchAxis], steps = input.shape[timeAxis]
        let lengths = try lengthsTensor.integers()
        guard lengthsTensor.dtype == .int64, lengths.count == batch, lengths.allSatisfy({ $0 >= 0 && $0 <= steps }) else {
            throw PlexusError.invalid("ReverseSequence: sequence_lens must be \(batch) int64 values in 0...\(steps), got \(lengths)")
        }
        let output = try context.output(0, input.dtype, input.shape)
        let slice = product(input.shape, 2..<input.rank) * input.dtype.elementSize
        func offset(step: Int, entry: Int) -> Int { (timeAxis == 0 ? step * batch + entry : entry * steps + step) * slice }
        for entry in 0..<batch {
            for step in 0..<steps {
                let source = step < lengths[entry] ? lengths[entry] - 1 - step : step
                (output.data + offset(step: step, entry: entry)).copyMemory(from: input.data + offset(step: source, entry: entry), byteCount: slice)
            }
        }
        Movement.ownStrings(output)
    }
}
