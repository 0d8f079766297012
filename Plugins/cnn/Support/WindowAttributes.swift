import PlexusPluginKit

/// The attributes Conv, ConvTranspose and the pools share (kernel_shape, strides, dilations,
/// pads, auto_pad), read and checked against the number of spatial dims.
struct WindowAttributes {
    /// `kernel_shape`, when given.
    var kernel: [Int]?
    var strides: [Int]
    var dilations: [Int]
    var padsBegin: [Int]
    var padsEnd: [Int]
    var autoPad: AutoPad

    /// Reads the attributes for an op with `rank` spatial dims (defaults: stride 1, dilation 1,
    /// no padding).
    static func read(_ attributes: AttributeReader, rank: Int, op: String) throws -> WindowAttributes {
        func list(_ name: String, count: Int, default value: Int, minimum: Int) throws -> [Int] {
            let values = try attributes.ints(name) ?? Array(repeating: value, count: count)
            guard values.count == count else {
                throw PlexusError.invalid("\(op): \(name) needs \(count) values for \(rank) spatial dims, got \(values)")
            }
            guard values.allSatisfy({ $0 >= minimum && $0 <= Int(Int32.max) }) else {
                throw PlexusError.invalid("\(op): \(name) must be in [\(minimum), 2³¹), got \(values)")
            }
            return values
        }
        let kernel = try attributes.ints("kernel_shape") == nil ? nil : try list("kernel_shape", count: rank, default: 1, minimum: 1)
        let pads = try list("pads", count: 2 * rank, default: 0, minimum: 0)
        return WindowAttributes(kernel: kernel, strides: try list("strides", count: rank, default: 1, minimum: 1),
                                dilations: try list("dilations", count: rank, default: 1, minimum: 1),
                                padsBegin: Array(pads.prefix(rank)), padsEnd: Array(pads.suffix(rank)),
                                autoPad: try AutoPad.read(attributes, op: op))
    }

    /// The axes of a window of `kernel` sliding over `input` (spatial lengths).
    func axes(input: [Int], kernel: [Int], ceil: Bool = false, op: String) throws -> [WindowAxis] {
        try input.indices.map { i in
            try WindowAxis.resolve(input: input[i], kernel: kernel[i], stride: strides[i], dilation: dilations[i],
                                   pads: (padsBegin[i], padsEnd[i]), autoPad: autoPad, ceil: ceil, op: op)
        }
    }
}
