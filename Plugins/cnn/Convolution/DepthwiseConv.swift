import CPlexusCPUKernels
import PlexusPluginKit

/// Depthwise 2-D convolution (group = channels = filters, as in MobileNet) computed directly:
/// each (image, channel) plane accumulates its k×k taps row by row, the inner loop running
/// along an output row so it vectorizes for stride 1. im2col would build one tiny matrix
/// product per channel instead, which costs more in calls than in arithmetic.
enum DepthwiseConv {
    /// True when `geometry` is a 2-D depthwise convolution with one filter per channel.
    static func applies(_ geometry: ConvolutionGeometry) -> Bool {
        geometry.axes.count == 2 && geometry.group == geometry.channels && geometry.filters == geometry.channels && geometry.group > 1
    }

    /// y[n, c] = Σ w[c, kh, kw] · x[n, c, shifted] + bias[c]. The AVX-512 kernel also clamps to
    /// `clamp` (a fused ReLU or ReLU6) as it stores; returns whether it did, else the caller must.
    @discardableResult
    static func run<T: CPUFloat>(_ geometry: ConvolutionGeometry, x: UnsafePointer<T>, w: UnsafePointer<T>,
                                 bias: UnsafePointer<T>?, y: UnsafeMutablePointer<T>, clamp: (Double, Double)? = nil) -> Bool {
        let vectorized = T.self == Float.self && VectorKernels.available
        let (low, high) = clamp.map { (Float($0.0), Float($0.1)) } ?? (-.infinity, .infinity)
        let rows = geometry.axes[0], columns = geometry.axes[1]
        let inPlane = rows.input * columns.input, outPlane = rows.output * columns.output
        let taps = rows.kernel * columns.kernel
        let planes = geometry.batch * geometry.channels
        Host.parallelFor(planes, grain: max(1, 65_536 / max(outPlane * taps, 1))) { range in
            for plane in range {
                let channel = plane % geometry.channels
                let source = x + plane * inPlane, target = y + plane * outPlane, weights = w + channel * taps
                let start = bias.map { $0[channel] } ?? 0
                if vectorized {
                    // The next plane of this range is fetched while this one computes (its input is cold).
                    let next = plane + 1 < range.upperBound ? UnsafeRawPointer(source + inPlane).assumingMemoryBound(to: Float.self) : nil
                    plx_cpu_depthwise_plane_avx512(
                        UnsafeRawPointer(source).assumingMemoryBound(to: Float.self), Int32(rows.input), Int32(columns.input),
                        UnsafeRawPointer(weights).assumingMemoryBound(to: Float.self), Int32(rows.kernel), Int32(columns.kernel),
                        Int32(rows.stride), Int32(columns.stride), Int32(rows.dilation), Int32(columns.dilation),
                        Int32(rows.padBegin), Int32(columns.padBegin), unsafeBitCast(start, to: Float.self), low, high,
                        UnsafeMutableRawPointer(target).assumingMemoryBound(to: Float.self), Int32(rows.output), Int32(columns.output),
                        next, next == nil ? 0 : inPlane)
                    continue
                }
                for i in 0..<outPlane { target[i] = start }
                for kh in 0..<rows.kernel {
                    let validRows = rows.validOutputs(tap: kh), rowShift = rows.shift(tap: kh)
                    for kw in 0..<columns.kernel {
                        let validColumns = columns.validOutputs(tap: kw), columnShift = columns.shift(tap: kw)
                        guard !validColumns.isEmpty else { continue }
                        let weight = weights[kh * columns.kernel + kw]
                        for oy in validRows {
                            let input = source + (oy * rows.stride + rowShift) * columns.input + columnShift
                            let output = target + oy * columns.output
                            if columns.stride == 1 {
                                for ox in validColumns { output[ox] += weight * input[ox] }
                            } else {
                                for ox in validColumns { output[ox] += weight * input[ox * columns.stride] }
                            }
                        }
                    }
                }
            }
        }
        return vectorized && clamp != nil
    }
}
