import PlexusPluginKit

/// GridSample (opset 22): samples X (N, C, D1..Dk) at the normalised coordinates of `grid`
/// (N, O1..Ok, k; last axis ordered x, y[, z], i.e. innermost dim first), for k = 2 or 3.
/// Modes linear / nearest (half-to-even) / cubic (A = -0.75, 2-D only); padding zeros / border /
/// reflection; `align_corners` maps -1 and 1 to the centres (1) or outer edges (0) of the corner pixels.
enum GridSample {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        [OpDefinition("GridSample", since: 22, inputs: 2...2,
                      attributes: [AttributeDeclaration("align_corners", .int, default: .int(0)),
                                   AttributeDeclaration("mode", .string, default: .string("linear")),
                                   AttributeDeclaration("padding_mode", .string, default: .string("zeros"))],
                      doc: "sample X at the grid's normalised coordinates", supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                      infer: { context in
                          guard let x = context.input(0), let grid = context.input(1) else { throw PlexusError.invalid("GridSample needs X and grid") }
                          let shape = x.shape.flatMap { xs in grid.shape.map { gs in [xs.first ?? nil, xs.count > 1 ? xs[1] : nil] + gs.dropFirst().dropLast() } }
                          try context.setOutput(0, x.dtype, shape)
                      },
                      compute: compute)]
    }

    /// The sampling settings shared by every output element.
    struct Sampler {
        let sizes: [Int], mode: String, padding: String, alignCorners: Bool

        /// The lowest and highest coordinate inside the image along dim `d` (pixel centres or edges).
        func border(_ d: Int) -> (Double, Double) {
            alignCorners ? (0, Double(sizes[d] - 1)) : (-0.5, Double(sizes[d]) - 0.5)
        }

        /// `x` folded back into [low, high] by repeated reflection (clamped there, as rounding
        /// far from the image could leave it slightly outside; NaN and infinities stay as they are).
        static func reflect(_ x: Double, _ low: Double, _ high: Double) -> Double {
            let range = high - low
            guard range > 0 else { return low }
            guard x.isFinite else { return x }
            var folded = x
            if x < low {
                let distance = low - x, folds = (distance / range).rounded(.towardZero), rest = distance - folds * range
                folded = folds.truncatingRemainder(dividingBy: 2) == 0 ? low + rest : high - rest
            } else if x > high {
                let distance = x - high, folds = (distance / range).rounded(.towardZero), rest = distance - folds * range
                folded = folds.truncatingRemainder(dividingBy: 2) == 0 ? high - rest : low + rest
            }
            return min(max(folded, low), high)
        }

        /// The index read for integer position `i` along dim `d`, or nil for a zero (outside, zero padding).
        func index(_ i: Int, _ d: Int) -> Int? {
            let size = sizes[d]
            if i >= 0 && i < size { return i }
            switch padding {
            case "zeros": return nil
            case "border": return min(max(i, 0), size - 1)
            default:
                let (low, high) = border(d)
                return min(max(Int(Sampler.reflect(Double(i), low, high)), 0), size - 1)
            }
        }

        /// The (index, weight) taps along dim `d` for the normalised coordinate `normalized`; nil
        /// when the sample is undefined (a NaN coordinate, or an infinite one under reflection),
        /// which makes the output NaN. Far outside the image with zero padding there are no taps.
        func taps(_ normalized: Double, _ d: Int) -> [(Int?, Double)]? {
            let size = Double(sizes[d])
            var x = alignCorners ? (normalized + 1) / 2 * (size - 1) : ((normalized + 1) * size - 1) / 2
            if mode == "nearest" { x = x.rounded(.toNearestOrEven) }
            let (low, high) = border(d)
            if x < low || x > high {
                if padding == "border" { x = min(max(x, 0), size - 1) } else if padding == "reflection" { x = Sampler.reflect(x, low, high) }
            }
            // Only now is x converted to integers: a sample more than 4 pixels outside reads nothing.
            guard !x.isNaN else { return nil }
            guard x > low - 4 && x < high + 4 else { return padding == "reflection" && x.isInfinite ? nil : [] }
            switch mode {
            case "nearest":
                return [(index(Int(x), d), 1)]
            case "linear":
                let base = x.rounded(.down), t = x - base
                return [(index(Int(base), d), 1 - t), (index(Int(base) + 1, d), t)]
            default:
                let base = x.rounded(.down), t = x - base, a = -0.75
                let weights = [((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                               ((a + 2) * t - (a + 3)) * t * t + 1,
                               ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                               ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a]
                return (0..<4).map { (index(Int(base) - 1 + $0, d), weights[$0]) }
            }
        }
    }

    /// The kernel: checks the inputs and attributes, then writes the output.
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0), grid = try context.input(1)
        let spatial = x.rank - 2
        guard spatial == 2 || spatial == 3 else { throw PlexusError(.shapeMismatch, "GridSample: X must be 4-D or 5-D, got \(x.shape)") }
        guard grid.rank == x.rank, grid.shape[0] == x.shape[0], grid.shape[x.rank - 1] == spatial else {
            throw PlexusError(.shapeMismatch, "GridSample: grid must have shape [N, ..., \(spatial)] matching X \(x.shape), got \(grid.shape)")
        }
        guard grid.dtype.isFloatingPoint else { throw PlexusError(.dtypeMismatch, "GridSample: grid must be floating point") }
        let mode = try context.attributes.string("mode") ?? "linear", padding = try context.attributes.string("padding_mode") ?? "zeros"
        guard ["linear", "nearest", "cubic"].contains(mode), ["zeros", "border", "reflection"].contains(padding) else {
            throw PlexusError.invalid("GridSample: unsupported mode \(mode) or padding_mode \(padding)")
        }
        guard mode != "cubic" || spatial == 2 else { throw PlexusError(.unsupported, "GridSample: cubic mode needs 4-D input") }
        let sampler = Sampler(sizes: Array(x.shape[2...]), mode: mode, padding: padding,
                              alignCorners: try context.attributes.int("align_corners") ?? 0 != 0)
        let (batch, channels) = (x.shape[0], x.shape[1])
        let outputSpatial = Array(grid.shape[1..<(grid.rank - 1)])
        let points = outputSpatial.reduce(1, *), pixels = sampler.sizes.reduce(1, *)
        let strides = contiguousStrides(sampler.sizes)
        let values = try Casting.doubles(x), coordinates = try Casting.doubles(grid)
        let count = try CheckedSize.count([batch, channels, points], "GridSample: output")
        guard pixels > 0 || count == 0 else {  // no pixel to sample, pad from or reflect into
            throw PlexusError.invalid("GridSample: X \(x.shape) has an empty spatial dimension, so there is nothing to sample")
        }
        var result = [Double](repeating: 0, count: try CheckedSize.scratch(count, of: Double.self, "GridSample: output"))
        for n in 0..<batch {
            for point in 0..<points {
                let base = (n * points + point) * spatial
                let taps = (0..<spatial).compactMap { d in sampler.taps(coordinates[base + spatial - 1 - d], d) }
                guard taps.count == spatial else {
                    for c in 0..<channels { result[(n * channels + c) * points + point] = .nan }
                    continue
                }
                var combinations: [(Int, Double)] = [(0, 1)]
                for d in 0..<spatial {
                    combinations = combinations.flatMap { offset, weight in
                        taps[d].compactMap { index, w in index.map { (offset + $0 * strides[d], weight * w) } }
                    }
                }
                for c in 0..<channels {
                    let image = (n * channels + c) * pixels
                    result[(n * channels + c) * points + point] = combinations.reduce(0) { $0 + $1.1 * values[image + $1.0] }
                }
            }
        }
        try DoubleStaging.write(result, into: try context.output(0, x.dtype, [batch, channels] + outputSpatial))
    }
}
