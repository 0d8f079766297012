import PlexusPluginKit

/// The windows of a pooling op over one [D, H, W] plane (1-D and 2-D pools are lifted to 3-D).
/// Per axis and output position it knows the first input position inside the input, how many
/// taps land inside, and how many land inside the padded input (count_include_pad's divisor).
struct PoolPlan {
    /// The window sizes of one axis, per output position.
    struct AxisWindows {
        let first: [Int]
        let inside: [Int]
        let padded: [Int]
        let dilation: Int

        /// The windows of `axis`.
        init(_ axis: WindowAxis) {
            var first = [Int](), inside = [Int](), padded = [Int]()
            for o in 0..<axis.output {
                let start = o * axis.stride - axis.padBegin
                let low = start < 0 ? (-start + axis.dilation - 1) / axis.dilation : 0
                let high = start > axis.input - 1 ? -1 : min(axis.kernel - 1, (axis.input - 1 - start) / axis.dilation)
                first.append(start + low * axis.dilation)
                inside.append(max(0, high - low + 1))
                let paddedEnd = axis.input + axis.padEnd - 1 - start
                padded.append(paddedEnd < 0 ? 0 : min(axis.kernel, paddedEnd / axis.dilation + 1))
            }
            (self.first, self.inside, self.padded, dilation) = (first, inside, padded, axis.dilation)
        }
    }

    let volume: WindowVolume
    let depth: AxisWindows
    let height: AxisWindows
    let width: AxisWindows

    /// The plan for 1 to 3 spatial axes.
    init(_ axes: [WindowAxis]) {
        volume = WindowVolume(axes)
        depth = AxisWindows(volume.depth)
        height = AxisWindows(volume.height)
        width = AxisWindows(volume.width)
    }

    /// Planes per parallel chunk: each plane visits every tap of every window.
    var grain: Int { WorkGrain.items(cost: volume.outputCount * volume.kernelCount) }

    /// Calls `body(o, od, oh, ow)` for every output position, `o` being its index in the plane.
    @inline(__always)
    func forEachOutput(_ body: (Int, Int, Int, Int) -> Void) {
        var o = 0
        for od in 0..<volume.depth.output {
            for oh in 0..<volume.height.output {
                for ow in 0..<volume.width.output {
                    body(o, od, oh, ow)
                    o &+= 1
                }
            }
        }
    }

    /// Calls `body(i)` with the plane index `i` of every tap of window (od, oh, ow) that lies
    /// inside the input.
    @inline(__always)
    func forEachTap(_ od: Int, _ oh: Int, _ ow: Int, _ body: (Int) -> Void) {
        let rowLength = volume.width.input, sliceSize = volume.height.input * rowLength
        let firstWidth = width.first[ow], widthTaps = width.inside[ow], widthStep = width.dilation
        var id = depth.first[od]
        for _ in 0..<depth.inside[od] {
            var ih = height.first[oh]
            for _ in 0..<height.inside[oh] {
                var i = id &* sliceSize &+ ih &* rowLength &+ firstWidth
                for _ in 0..<widthTaps {
                    body(i)
                    i &+= widthStep
                }
                ih &+= height.dilation
            }
            id &+= depth.dilation
        }
    }

    /// The averaging divisor of window (od, oh, ow): its taps inside the input, or inside the
    /// padded input when `includePad`.
    func divisor(_ od: Int, _ oh: Int, _ ow: Int, includePad: Bool) -> Int {
        includePad ? depth.padded[od] * height.padded[oh] * width.padded[ow]
                   : depth.inside[od] * height.inside[oh] * width.inside[ow]
    }

    /// The tap of window (od, oh, ow) holding the largest value of `plane` (the first one on
    /// ties; the first NaN when the window has one) and that value; index -1 for a window
    /// entirely in the padding.
    @inline(__always)
    func argmax<T: CPUNumber>(_ plane: UnsafePointer<T>, _ od: Int, _ oh: Int, _ ow: Int) -> (T, Int) {
        var best = T.lowest, at = -1
        forEachTap(od, oh, ow) { i in
            let value = plane[i]
            if at < 0 || value > best || (value != value && best == best) {  // the first NaN wins, as numpy's argmax
                best = value
                at = i
            }
        }
        return (best, at)
    }
}
