import PlexusPluginKit

/// A resize as a chain of per-axis resamplings (only the axes that change): the output shape,
/// the forward map and its adjoint (the gradient).
struct ResizePlan {
    let inputShape: [Int]
    let outputShape: [Int]
    let passes: [(dim: Int, axis: ResampleAxis)]
    let extrapolation: Double

    /// Plans the resize of X of `inputShape` by `scales` or `sizes` (exactly one), cropping by
    /// `roi` for tf_crop_and_resize.
    init(inputShape: [Int], inputs: ResizeInputs, settings: ResizeSettings, op: String) throws {
        let rank = inputShape.count
        guard rank >= 1 else { throw PlexusError.invalid("\(op): X must have at least one dim") }
        let axes = try (settings.axes ?? Array(0..<rank)).map { try normalizedAxis($0, rank: rank, op: op) }
        guard Set(axes).count == axes.count else { throw PlexusError.invalid("\(op): axes has repeats: \(axes)") }
        for dim in axes where inputShape[dim] < 1 { throw PlexusError.invalid("\(op): cannot resize the empty dim \(dim) of \(inputShape)") }
        var scales = [Double](repeating: 1, count: rank), output = inputShape
        switch (inputs.scales, inputs.sizes) {
        case (let given?, nil):
            guard given.count == axes.count, given.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw PlexusError.invalid("\(op): scales must hold \(axes.count) positive values, got \(given)")
            }
            for (k, dim) in axes.enumerated() {
                let length = (Float(inputShape[dim]) * Float(given[k])).rounded(.down)
                guard length < Float(Int32.max) else { throw PlexusError.invalid("\(op): scale \(given[k]) makes dim \(dim) too large") }
                scales[dim] = given[k]
                output[dim] = Int(length)
            }
        case (nil, let sizes?):
            guard sizes.count == axes.count, sizes.allSatisfy({ $0 >= 1 && $0 < Int(Int32.max) }) else {
                throw PlexusError.invalid("\(op): sizes must hold \(axes.count) positive values below 2³¹, got \(sizes)")
            }
            let ratios = axes.enumerated().map { Double(sizes[$0.offset]) / Double(inputShape[$0.element]) }
            for (k, dim) in axes.enumerated() {
                switch settings.policy {
                case .stretch: (scales[dim], output[dim]) = (ratios[k], sizes[k])
                case .notLarger, .notSmaller:
                    let common = settings.policy == .notLarger ? ratios.min()! : ratios.max()!
                    (scales[dim], output[dim]) = (common, try CheckedConversion.integer((common * Double(inputShape[dim])).rounded(),
                                                                                      "\(op): the output length of dim \(dim)"))
                }
            }
        default:
            throw PlexusError.invalid("\(op): exactly one of scales and sizes must be given")
        }
        for dim in axes where output[dim] < 1 { throw PlexusError.invalid("\(op): the output would be empty along dim \(dim)") }
        // The passes hold scratch of the output's size and taps for each output position.
        let total = try CheckedSize.count(output, "\(op): output")
        _ = try CheckedSize.scratch(total, of: Double.self, "\(op): output of shape \(output)")
        for dim in axes { _ = try CheckedSize.scratch(output[dim], of: (Int, Double, Int, Double, Int, Double, Int, Double).self, "\(op): taps of dim \(dim)") }
        var crops = [(Double, Double)](repeating: (0, 1), count: rank)
        if settings.coordinates == .tfCropAndResize {
            guard let roi = inputs.roi, roi.count == 2 * axes.count else {
                throw PlexusError.invalid("\(op): tf_crop_and_resize needs roi with \(2 * axes.count) values")
            }
            for (k, dim) in axes.enumerated() { crops[dim] = (roi[k], roi[k + axes.count]) }
        }
        passes = (0..<rank).compactMap { dim in
            let axis = ResampleAxis(inputLength: inputShape[dim], outputLength: output[dim], scale: scales[dim], crop: crops[dim], settings: settings)
            return axis.isIdentity ? nil : (dim, axis)
        }
        self.inputShape = inputShape
        self.outputShape = output
        extrapolation = settings.extrapolation
    }

    /// Resizes `source` (of the input shape) into `target` (of the output shape).
    func apply<T: CPUFloat>(_ source: UnsafePointer<T>, into target: UnsafeMutablePointer<T>) {
        chain(passes, from: inputShape, forward: true, source, into: target) { axis, from, to, outer, inner in
            resample(axis, from, to, outer: outer, inner: inner)
        }
    }

    /// The adjoint: sends `gradient` (of the output shape) back to the input shape in `target`.
    func applyAdjoint<T: CPUFloat>(_ gradient: UnsafePointer<T>, into target: UnsafeMutablePointer<T>) {
        chain(passes.reversed(), from: outputShape, forward: false, gradient, into: target) { axis, from, to, outer, inner in
            ResizePlan.gather(axis, from, to, outer: outer, inner: inner)
        }
    }

    /// Runs one pass per entry of `passes` through scratch arrays, each changing one dim to its
    /// output length (`forward`) or back to its input length; `pass(axis, from, to, outer, inner)`
    /// maps the data of that dim.
    private func chain<T: CPUFloat>(_ passes: [(dim: Int, axis: ResampleAxis)], from shape: [Int], forward: Bool, _ source: UnsafePointer<T>,
                                    into target: UnsafeMutablePointer<T>,
                                    _ pass: (ResampleAxis, UnsafePointer<T>, UnsafeMutablePointer<T>, Int, Int) -> Void) {
        var shape = shape
        var current = Array(UnsafeBufferPointer(start: source, count: shape.reduce(1, *)))
        for (dim, axis) in passes {
            shape[dim] = forward ? axis.outputLength : axis.inputLength
            var next = [T](repeating: T.zero, count: shape.reduce(1, *))
            let outer = product(shape, 0..<dim), inner = product(shape, (dim + 1)..<shape.count)
            current.withUnsafeBufferPointer { from in
                next.withUnsafeMutableBufferPointer { to in pass(axis, from.baseAddress!, to.baseAddress!, outer, inner) }
            }
            current = next
        }
        current.withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: $0.count) }
    }

    /// Forward pass along one dim: [outer, in, inner] → [outer, out, inner].
    private func resample<T: CPUFloat>(_ axis: ResampleAxis, _ from: UnsafePointer<T>, _ to: UnsafeMutablePointer<T>, outer: Int, inner: Int) {
        let fill = T(extrapolation), inputLength = axis.inputLength, outputLength = axis.outputLength
        Host.parallelFor(outer * outputLength, grain: WorkGrain.items(cost: inner * 2)) { rows in
            for row in rows {
                let o = row % outputLength, base = row / outputLength * inputLength
                let target = to + row &* inner
                if axis.extrapolated[o] {
                    target.update(repeating: fill, count: inner)
                    continue
                }
                for t in axis.starts[o]..<axis.starts[o + 1] {
                    let (index, weight) = axis.taps[t]
                    let w = T(weight), source = from + (base &+ index) &* inner
                    for i in 0..<inner { target[i] += w * source[i] }
                }
            }
        }
    }

    /// Adjoint pass along one dim: [outer, out, inner] → [outer, in, inner], each output's
    /// gradient added back to the taps it read.
    private static func gather<T: CPUFloat>(_ axis: ResampleAxis, _ from: UnsafePointer<T>, _ to: UnsafeMutablePointer<T>, outer: Int, inner: Int) {
        let inputLength = axis.inputLength, outputLength = axis.outputLength
        Host.parallelFor(outer, grain: WorkGrain.items(cost: inner * outputLength * 2)) { blocks in
            for block in blocks {
                for o in 0..<outputLength where !axis.extrapolated[o] {
                    let source = from + (block &* outputLength &+ o) &* inner
                    for t in axis.starts[o]..<axis.starts[o + 1] {
                        let (index, weight) = axis.taps[t]
                        let w = T(weight), target = to + (block &* inputLength &+ index) &* inner
                        for i in 0..<inner { target[i] += w * source[i] }
                    }
                }
            }
        }
    }
}
