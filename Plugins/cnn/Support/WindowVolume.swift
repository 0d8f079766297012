/// The window axes of a 1-, 2- or 3-D op as depth × height × width; missing leading axes are
/// `WindowAxis.unit`, so one set of 3-D loops serves every spatial rank.
struct WindowVolume {
    let depth: WindowAxis
    let height: WindowAxis
    let width: WindowAxis

    /// Lifts 1 to 3 spatial axes to three.
    init(_ axes: [WindowAxis]) {
        precondition((1...3).contains(axes.count), "window ops have 1 to 3 spatial dims")
        let lifted = Array(repeating: WindowAxis.unit, count: 3 - axes.count) + axes
        depth = lifted[0]
        height = lifted[1]
        width = lifted[2]
    }

    /// Elements of one input plane.
    var inputCount: Int { depth.input * height.input * width.input }
    /// Elements of one output plane.
    var outputCount: Int { depth.output * height.output * width.output }
    /// Taps of one window.
    var kernelCount: Int { depth.kernel * height.kernel * width.kernel }
}

extension WindowVolume {
    /// The column-major index (first axis fastest) of row-major input index `index`: MaxPool's
    /// Indices with storage_order 1.
    func columnMajor(_ index: Int) -> Int {
        let w = index % width.input, h = (index / width.input) % height.input, d = index / (width.input * height.input)
        return d + depth.input * (h + height.input * w)
    }
}
