import PlexusPluginKit

/// Slice with starts/ends/axes/steps inputs (negative steps walk backwards; out-of-range
/// bounds are clamped as in numpy).
enum Slicing: OperatorFamily {
    static var definitions: [OpDefinition] {
        [OpDefinition("Slice", since: 13, inputs: 3...5, doc: "numpy-style slicing", compute: compute)]
    }

    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0)
        let starts = try context.input(1).integers(), ends = try context.input(2).integers()
        let axes = try context.optionalInput(3)?.integers().map { try normalizedAxis($0, rank: input.rank, op: "Slice") }
            ?? Array(0..<starts.count)
        let steps = try context.optionalInput(4)?.integers() ?? Array(repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count, Set(axes).count == axes.count,
              axes.allSatisfy({ $0 < input.rank }) else {
            throw PlexusError.invalid("Slice: starts, ends, axes and steps must have one entry per distinct axis")
        }
        var shape = input.shape
        let inputStrides = contiguousStrides(input.shape)
        var strides = inputStrides
        var base = 0
        for (index, axis) in axes.enumerated() {
            let dim = input.shape[axis]
            guard steps[index] != 0 else { throw PlexusError.invalid("Slice: step must not be 0") }
            // A step longer than the dim takes at most one element, like a step of the dim's
            // length: clamped so that the arithmetic below cannot overflow (steps of ±2⁶³).
            let step = min(max(steps[index], -max(dim, 1)), max(dim, 1))
            var start = starts[index], end = ends[index]
            if start < 0 { start += dim }
            if end < 0 { end += dim }
            if step > 0 {
                start = min(max(start, 0), dim)
                end = min(max(end, 0), dim)
                shape[axis] = end > start ? (end - start + step - 1) / step : 0
            } else {
                start = min(max(start, -1), dim - 1)
                end = min(max(end, -1), dim - 1)
                shape[axis] = start > end ? (start - end - step - 1) / -step : 0
            }
            if shape[axis] > 0 { base += start * inputStrides[axis] }
            strides[axis] = inputStrides[axis] * step
        }
        let output = try context.output(0, input.dtype, shape)
        try StridedCopy.copy(from: input, to: output, strides: strides, base: base)
    }
}
