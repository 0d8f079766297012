import PlexusPluginKit

/// How one axis is resampled: for each output position, the input positions it reads with
/// their weights, or nothing when it lies outside a tf_crop_and_resize crop (then it gets the
/// extrapolation value). Resize is separable: resampling axis by axis gives the N-D result.
struct ResampleAxis {
    let inputLength: Int
    let outputLength: Int
    /// Taps of output o are `taps[starts[o]..<starts[o + 1]]`.
    let starts: [Int]
    let taps: [(index: Int, weight: Double)]
    let extrapolated: [Bool]

    /// The taps for `settings`, an input of `inputLength`, `outputLength` outputs, the
    /// coordinate `scale` and the crop (roi start and end, as fractions of the input).
    init(inputLength: Int, outputLength: Int, scale: Double, crop: (Double, Double), settings: ResizeSettings) {
        var starts = [0], taps: [(index: Int, weight: Double)] = [], extrapolated: [Bool] = []
        let last = Double(inputLength - 1)
        for o in 0..<outputLength {
            let position = Self.sourcePosition(o, inputLength: inputLength, outputLength: outputLength, scale: scale, crop: crop,
                                               coordinates: settings.coordinates)
            // A NaN or infinite position (from a roi of NaN or ±inf) reads nothing and gets the
            // extrapolation value; finite ones are clamped near the input before they become
            // indices (every tap is clamped into it anyway), so a huge roi cannot trap.
            let outside = settings.coordinates == .tfCropAndResize ? !(position >= 0 && position <= last) : !position.isFinite
            extrapolated.append(outside)
            if !outside { taps += Self.taps(at: min(max(position, -4), last + 4), inputLength: inputLength, settings: settings) }
            starts.append(taps.count)
        }
        (self.inputLength, self.outputLength, self.starts, self.taps, self.extrapolated) = (inputLength, outputLength, starts, taps, extrapolated)
    }

    /// True when resampling changes nothing (each output reads only its own input position).
    var isIdentity: Bool {
        guard inputLength == outputLength, !extrapolated.contains(true) else { return false }
        return (0..<outputLength).allSatisfy { o in
            taps[starts[o]..<starts[o + 1]].allSatisfy { $0.index == o ? $0.weight == 1 : $0.weight == 0 }
        }
    }

    /// The input coordinate output position `o` maps to. Computed in float32 (the symmetric
    /// half-pixel sum in float64) as ONNX Runtime does, so ties of nearest rounding fall its way.
    static func sourcePosition(_ o: Int, inputLength: Int, outputLength: Int, scale: Double, crop: (Double, Double),
                               coordinates: ResizeSettings.Coordinates) -> Double {
        let x = Float(o), input = Float(inputLength), output = Float(outputLength), scale = Float(scale)
        let position: Float
        switch coordinates {
        case .halfPixel: position = (x + 0.5) / scale - 0.5
        case .pytorchHalfPixel: position = outputLength > 1 ? (x + 0.5) / scale - 0.5 : 0
        case .halfPixelSymmetric:
            let adjustment = output / (scale * input), center = input / 2, offset = center * (1 - adjustment)
            position = Float(Double(offset) + (Double(x) + 0.5) / Double(scale) - 0.5)
        case .alignCorners: position = outputLength == 1 ? 0 : x * (input - 1) / (output - 1)
        case .asymmetric: position = x / scale
        case .tfCropAndResize:
            let (start, end) = (Float(crop.0), Float(crop.1))
            position = outputLength > 1 ? start * (input - 1) + x * (end - start) * (input - 1) / (output - 1) : 0.5 * (start + end) * (input - 1)
        }
        return Double(position)
    }

    /// The interpolation taps at input coordinate `position`.
    static func taps(at position: Double, inputLength: Int, settings: ResizeSettings) -> [(index: Int, weight: Double)] {
        let last = inputLength - 1
        func clamped(_ i: Int) -> Int { min(max(i, 0), last) }
        switch settings.mode {
        case .nearest:
            let base = position.rounded(.down), isHalf = position - base == 0.5
            let index: Double = switch settings.rounding {
            case .roundPreferFloor: isHalf ? base : position.rounded()
            case .roundPreferCeil: isHalf ? base + 1 : position.rounded()
            case .floor: base
            case .ceil: position.rounded(.up)
            }
            return [(clamped(Int(index)), 1)]
        case .linear:
            let x = min(max(position, 0), Double(last)), low = Int(x.rounded(.down)), weight = x - Double(low)
            return [(low, 1 - weight), (min(low + 1, last), weight)]
        case .cubic:
            let base = Int(position.rounded(.down)), s = position - Double(base), a = settings.cubicCoefficient
            let distances = [1 + s, s, 1 - s, 2 - s]
            var weights = distances.map { d in
                d <= 1 ? ((a + 2) * d - (a + 3)) * d * d + 1 : ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
            }
            let indices = (0..<4).map { base - 1 + $0 }
            if settings.excludeOutside {
                for k in 0..<4 where indices[k] < 0 || indices[k] > last { weights[k] = 0 }
                let total = weights.reduce(0, +)
                weights = weights.map { $0 / total }
            }
            return (0..<4).map { (clamped(indices[$0]), weights[$0]) }
        }
    }
}
