import PlexusPluginKit

/// The sizes of a convolution seen as "filters sliding over an image": batch, image channels,
/// filters, groups and one `WindowAxis` per spatial dim.
///
/// Conv slides over its input X. ConvTranspose is described by the convolution it is the
/// adjoint of, which slides over ConvTranspose's *output*: its image is Y and its output
/// positions are X's. So both share im2col/col2im, and each one's gradient is the other op.
struct ConvolutionGeometry {
    let batch: Int
    /// Channels of the image the filters slide over.
    let channels: Int
    /// Number of filters: the convolution's output channels.
    let filters: Int
    let group: Int
    let axes: [WindowAxis]

    /// Columns matrices hold at most this many elements; larger batches run in chunks.
    static let columnBudget = 1 << 24

    /// The axes lifted to depth × height × width.
    var volume: WindowVolume { WindowVolume(axes) }
    /// Image channels each group of filters reads.
    var channelsPerGroup: Int { channels / group }
    /// Filters in each group.
    var filtersPerGroup: Int { filters / group }
    /// Rows of one group's columns matrix: image channels of the group × window taps.
    var rowsPerGroup: Int { channelsPerGroup * volume.kernelCount }

    /// True for 1×…×1 kernels with stride 1 and no padding: every output position reads
    /// exactly its own input position, so the im2col matrix is the image itself.
    var isPointwise: Bool { axes.allSatisfy { $0.kernel == 1 && $0.stride == 1 && $0.padBegin == 0 && $0.padEnd == 0 } }
    /// Shape of the image: [N, channels, input lengths].
    var imageShape: [Int] { [batch, channels] + axes.map(\.input) }
    /// Shape of the convolution's output: [N, filters, output lengths].
    var outputShape: [Int] { [batch, filters] + axes.map(\.output) }

    /// Attributes that reproduce this geometry in a call of Conv, ConvTranspose or the filter
    /// gradient (explicit pads, no auto_pad).
    var explicitAttributes: [(String, AttributeValue)] {
        [("kernel_shape", .ints(axes.map(\.kernel))), ("strides", .ints(axes.map(\.stride))),
         ("dilations", .ints(axes.map(\.dilation))), ("pads", .ints(axes.map(\.padBegin) + axes.map(\.padEnd))),
         ("group", .int(group))]
    }

    /// The output_padding with which ConvTranspose maps this convolution's output back to the
    /// full image length (the input elements the last stride step skipped).
    var outputPadding: [Int] { axes.map { ($0.input + $0.padBegin + $0.padEnd - $0.extent) % $0.stride } }

    /// Batch ranges small enough that a columns matrix of `elementsPerItem` per batch item
    /// stays within `columnBudget`.
    func batchChunks(elementsPerItem: Int) -> [Range<Int>] {
        let size = max(1, Self.columnBudget / max(elementsPerItem, 1))
        return stride(from: 0, to: batch, by: size).map { $0..<min($0 + size, batch) }
    }

    /// Conv's geometry: X [N, C, spatial] convolved with W [M, C/group, kernel].
    static func convolution(input x: [Int], weight w: [Int], attributes: AttributeReader, op: String) throws -> ConvolutionGeometry {
        let (rank, group) = try checkRanks(x, w, attributes, op: op)
        guard w[0] % group == 0 else { throw PlexusError.invalid("\(op): \(w[0]) filters cannot be split into \(group) groups") }
        guard x[1] == w[1] * group else {
            throw PlexusError(.shapeMismatch, "\(op): X has \(x[1]) channels but W \(w) with group \(group) expects \(w[1] * group)")
        }
        let window = try WindowAttributes.read(attributes, rank: rank, op: op)
        let kernel = try checkedKernel(w, window, op: op)
        return ConvolutionGeometry(batch: x[0], channels: x[1], filters: w[0], group: group,
                                   axes: try window.axes(input: Array(x.dropFirst(2)), kernel: kernel, op: op))
    }

    /// The geometry of the convolution ConvTranspose is the adjoint of: X [N, C_in, spatial]
    /// with W [C_in, C_out/group, kernel] gives Y [N, C_out, output lengths], where the output
    /// lengths come from `output_shape`, `auto_pad` or the pads and `output_padding`.
    static func transposed(input x: [Int], weight w: [Int], attributes: AttributeReader, op: String) throws -> ConvolutionGeometry {
        let (rank, group) = try checkRanks(x, w, attributes, op: op)
        guard x[1] == w[0] else { throw PlexusError(.shapeMismatch, "\(op): X has \(x[1]) channels but W \(w) has \(w[0])") }
        guard w[0] % group == 0 else { throw PlexusError.invalid("\(op): \(w[0]) input channels cannot be split into \(group) groups") }
        let window = try WindowAttributes.read(attributes, rank: rank, op: op)
        let kernel = try checkedKernel(w, window, op: op)
        let outputPadding = try attributes.ints("output_padding") ?? Array(repeating: 0, count: rank)
        guard outputPadding.count == rank else { throw PlexusError.invalid("\(op): output_padding needs \(rank) values, got \(outputPadding)") }
        var outputShape = try attributes.ints("output_shape")
        if let shape = outputShape, shape.count == rank + 2 { outputShape = Array(shape.suffix(rank)) }
        if let shape = outputShape, shape.count != rank { throw PlexusError.invalid("\(op): output_shape needs \(rank) values, got \(shape)") }
        let axes = try (0..<rank).map { i -> WindowAxis in
            let input = x[i + 2], stride = window.strides[i], padding = outputPadding[i]
            guard padding >= 0 && padding < stride else {
                throw PlexusError.invalid("\(op): output_padding must be in [0, stride), got \(padding) with stride \(stride)")
            }
            var axis = WindowAxis(input: 0, output: input, kernel: kernel[i], stride: stride, dilation: window.dilations[i],
                                  padBegin: window.padsBegin[i], padEnd: window.padsEnd[i])
            let natural = stride * (input - 1) + padding + axis.extent
            if outputShape != nil || window.autoPad == .sameUpper || window.autoPad == .sameLower {
                axis.input = outputShape?[i] ?? input * stride
                let total = natural - axis.input
                let half = total / 2
                (axis.padBegin, axis.padEnd) = window.autoPad == .sameUpper ? (half, total - half) : (total - half, half)
                guard total >= 0 else {
                    throw PlexusError(.unsupported, "\(op): an output length of \(axis.input) needs negative padding (at most \(natural) is reachable)")
                }
            } else {
                if window.autoPad == .valid { (axis.padBegin, axis.padEnd) = (0, 0) }
                axis.input = natural - axis.padBegin - axis.padEnd
            }
            guard axis.input >= 1 else { throw PlexusError(.shapeMismatch, "\(op): the output would be empty for an input of \(input)") }
            return axis
        }
        return ConvolutionGeometry(batch: x[0], channels: w[1] * group, filters: w[0], group: group, axes: axes)
    }

    /// Checks X and W ranks and reads `group`; returns the spatial rank and the group.
    private static func checkRanks(_ x: [Int], _ w: [Int], _ attributes: AttributeReader, op: String) throws -> (Int, Int) {
        guard (3...5).contains(x.count) else {
            throw PlexusError.invalid("\(op): X must be [N, C, spatial...] with 1 to 3 spatial dims, got shape \(x)")
        }
        guard w.count == x.count else { throw PlexusError(.shapeMismatch, "\(op): W must have X's rank \(x.count), got shape \(w)") }
        guard w.dropFirst(2).allSatisfy({ $0 >= 1 }), w[0] >= 1, w[1] >= 1 else { throw PlexusError.invalid("\(op): W has an empty dim: \(w)") }
        let group = try attributes.int("group") ?? 1
        guard group >= 1 else { throw PlexusError.invalid("\(op): group must be positive, got \(group)") }
        return (x.count - 2, group)
    }

    /// W's spatial dims, which `kernel_shape` must repeat when given.
    private static func checkedKernel(_ w: [Int], _ window: WindowAttributes, op: String) throws -> [Int] {
        let kernel = Array(w.dropFirst(2))
        if let given = window.kernel, given != kernel {
            throw PlexusError(.shapeMismatch, "\(op): kernel_shape \(given) differs from W's spatial dims \(kernel)")
        }
        return kernel
    }
}
