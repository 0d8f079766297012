import PlexusPluginKit

/// The sizes of a pooling op: X [N, C, spatial] with 1 to 3 spatial dims and its window axes.
struct PoolGeometry {
    let inputShape: [Int]
    let axes: [WindowAxis]

    /// N·C planes.
    var planes: Int { inputShape[0] * inputShape[1] }
    /// [N, C, output lengths].
    var outputShape: [Int] { Array(inputShape.prefix(2)) + axes.map(\.output) }

    /// Reads kernel_shape, strides, dilations, pads, auto_pad and ceil_mode for X of `shape`.
    static func read(input shape: [Int], attributes: AttributeReader, op: String) throws -> PoolGeometry {
        guard (3...5).contains(shape.count) else {
            throw PlexusError.invalid("\(op): X must be [N, C, spatial...] with 1 to 3 spatial dims, got shape \(shape)")
        }
        let window = try WindowAttributes.read(attributes, rank: shape.count - 2, op: op)
        guard let kernel = window.kernel else { throw PlexusError.invalid("\(op): kernel_shape is required") }
        let ceil = try attributes.int("ceil_mode") ?? 0
        guard ceil == 0 || ceil == 1 else { throw PlexusError.invalid("\(op): ceil_mode must be 0 or 1, got \(ceil)") }
        for (index, pad) in (window.padsBegin + window.padsEnd).enumerated() where pad >= kernel[index % kernel.count] {
            throw PlexusError.invalid("\(op): pads \(window.padsBegin + window.padsEnd) must be smaller than kernel_shape \(kernel)")
        }
        return PoolGeometry(inputShape: shape,
                            axes: try window.axes(input: Array(shape.dropFirst(2)), kernel: kernel, ceil: ceil == 1, op: op))
    }
}
