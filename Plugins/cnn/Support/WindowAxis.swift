import PlexusPluginKit

/// One spatial axis of a sliding-window op (convolution or pooling): the input and output
/// lengths, the window (kernel taps spaced `dilation` apart), the stride and the padding.
struct WindowAxis {
    var input: Int
    var output: Int
    var kernel: Int
    var stride: Int
    var dilation: Int
    var padBegin: Int
    var padEnd: Int

    /// The span one window covers: (kernel − 1)·dilation + 1.
    var extent: Int { (kernel - 1) * dilation + 1 }

    /// A length-1 axis with a 1-tap window: lifts 1-D and 2-D ops to the 3-D loops.
    static let unit = WindowAxis(input: 1, output: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0)

    /// Where tap `tap` of the window at output position `o` reads: `o·stride + shift(tap)`.
    @inline(__always) func shift(tap: Int) -> Int { tap &* dilation &- padBegin }

    /// The output positions whose tap `tap` lands inside the input (not in the padding).
    func validOutputs(tap: Int) -> Range<Int> {
        let shift = shift(tap: tap)
        let low = shift >= 0 ? 0 : (-shift + stride - 1) / stride
        let last = input - 1 - shift
        let high = last < 0 ? 0 : min(output, last / stride + 1)
        return low..<max(low, high)
    }

    /// Lays out an axis from its attributes: `pads` are used when `autoPad` is NOTSET,
    /// otherwise the padding is derived as ONNX defines; `ceil` rounds the output length up
    /// (pooling's ceil_mode), dropping a last window that would start in the end padding.
    static func resolve(input: Int, kernel: Int, stride: Int, dilation: Int, pads: (Int, Int), autoPad: AutoPad,
                        ceil: Bool, op: String) throws -> WindowAxis {
        var axis = WindowAxis(input: input, output: 0, kernel: kernel, stride: stride, dilation: dilation,
                              padBegin: pads.0, padEnd: pads.1)
        switch autoPad {
        case .notSet:
            let span = input + pads.0 + pads.1 - axis.extent
            guard span >= 0 else {
                throw PlexusError(.shapeMismatch, "\(op): a window of span \(axis.extent) does not fit an input of \(input) padded by \(pads)")
            }
            axis.output = (ceil ? (span + stride - 1) / stride : span / stride) + 1
            if ceil && (axis.output - 1) * stride >= input + pads.0 { axis.output -= 1 }
        case .valid:
            guard input >= axis.extent else {
                throw PlexusError(.shapeMismatch, "\(op): a window of span \(axis.extent) does not fit an input of \(input) (auto_pad VALID)")
            }
            axis.padBegin = 0
            axis.padEnd = 0
            axis.output = (input - axis.extent) / stride + 1
        case .sameUpper, .sameLower:
            axis.output = (input + stride - 1) / stride
            let total = max(0, (axis.output - 1) * stride + axis.extent - input)
            axis.padBegin = autoPad == .sameUpper ? total / 2 : total - total / 2
            axis.padEnd = total - axis.padBegin
        }
        guard axis.output >= 1 else { throw PlexusError(.shapeMismatch, "\(op): the output would be empty for an input of \(input)") }
        return axis
    }
}

/// ONNX's `auto_pad`: explicit pads (NOTSET), none (VALID), or "same" output length with the odd
/// padding element at the end (SAME_UPPER) or the beginning (SAME_LOWER).
enum AutoPad: String {
    case notSet = "NOTSET"
    case valid = "VALID"
    case sameUpper = "SAME_UPPER"
    case sameLower = "SAME_LOWER"

    /// Reads the `auto_pad` attribute (NOTSET when absent).
    static func read(_ attributes: AttributeReader, op: String) throws -> AutoPad {
        let text = try attributes.string("auto_pad") ?? "NOTSET"
        guard let value = AutoPad(rawValue: text) else {
            throw PlexusError.invalid("\(op): auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '\(text)'")
        }
        return value
    }
}
