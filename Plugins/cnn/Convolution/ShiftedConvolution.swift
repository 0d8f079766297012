import CPlexusCPUKernels
import PlexusPluginKit

/// A stride-1 float32 convolution (1-D or 2-D, one group, packed filters) as an implicit GEMM:
/// no im2col matrix at all.
///
/// The image is copied once with its padding made explicit, [C, H + pads, W + pads]. Then the
/// unfolded matrix's row for channel c and tap (kh, kw), at "virtual" column oh · Wp + ow (Wp the
/// padded width), is just the padded image shifted by c · plane + kh · dh · Wp + kw · dw: the
/// packed GEMM kernel reads each row of B through an offset table
/// (`plx_cpu_sgemm_packed_gather`), straight from the padded image. The product has Wp columns
/// per output row, of which the last Wp − OW straddle the border and are dropped when the
/// epilogue (bias, residual, clamp) writes the rows into Y.
///
/// Unfolding was a fifth of a 3×3 convolution's time (each input element written up to nine
/// times, then read back); the padded copy writes it once and the dropped columns cost
/// (Wp − OW) / Wp of the multiply (3% at 56 × 56, more on the smallest maps).
enum ShiftedConvolution {
    /// Virtual columns per task: enough strips that a chunk of filters read from L2 serves many.
    static let panelColumns = 512

    /// Whether this path computes `geometry` (with packed filters) on this CPU.
    static func applies(_ geometry: ConvolutionGeometry) -> Bool {
        PanelConvolution.vectorKernels && geometry.group == 1 && geometry.axes.count <= 2 && !geometry.isPointwise
            && geometry.axes.allSatisfy { $0.stride == 1 && $0.output == $0.input + $0.padBegin + $0.padEnd - $0.extent + 1 }
    }

    /// Y = W ⊛ X with W packed (PackFilters), finished by `epilogue`.
    static func run(_ geometry: ConvolutionGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                    _ y: UnsafeMutablePointer<Float>, _ epilogue: PanelConvolution.Epilogue) {
        let volume = geometry.volume, rows = volume.height, columns = volume.width
        let paddedWidth = columns.input + columns.padBegin + columns.padEnd
        let paddedHeight = rows.input + rows.padBegin + rows.padEnd
        let plane = paddedHeight * paddedWidth, channels = geometry.channels
        let k = geometry.rowsPerGroup, m = geometry.filters, positions = volume.outputCount
        // The last virtual columns read up to extent − 1 floats past the last plane.
        let paddedCount = channels * plane + columns.extent + 16
        var offsets = [Int](repeating: 0, count: k)
        var row = 0
        for channel in 0..<channels {
            for kh in 0..<rows.kernel {
                for kw in 0..<columns.kernel {
                    offsets[row] = channel * plane + kh * rows.dilation * paddedWidth + kw * columns.dilation
                    row += 1
                }
            }
        }
        // Tasks: bands of output rows × splits of the filters (at packed block boundaries).
        // Equal bands, as many as a multiple of the threads (7 bands on 2 threads leave one idle for a seventh).
        let threads = Host.threadCount
        let wanted = PanelConvolution.balanced((rows.output * paddedWidth + panelColumns - 1) / panelColumns, threads: threads)
        let bandRows = (rows.output + min(wanted, rows.output) - 1) / min(wanted, rows.output)
        let bands = (rows.output + bandRows - 1) / bandRows
        let height = Int(PLX_CPU_SGEMM_PACKED_ROWS), rowBlocks = (m + height - 1) / height
        let splits = min(rowBlocks, max(1, (2 * threads + bands - 1) / bands))
        let bounds = PanelConvolution.clampBounds(epilogue.activation)
        let padded = PanelBuffers.take(floats: paddedCount)
        defer { PanelBuffers.give(padded) }
        offsets.withUnsafeBufferPointer { offsets in
            for image in 0..<geometry.batch {
                pad(x + image * channels * volume.inputCount, volume, channels: channels, into: padded.pointer, count: paddedCount)
                let target = y + image * m * positions
                let residual = epilogue.residual.map { $0 + image * m * positions }
                Host.parallelFor(bands * splits, grain: 1) { range in
                    for task in range {
                        let band = task / splits, split = task % splits
                        let firstLine = band * bandRows, lines = min(bandRows, rows.output - firstLine)
                        let firstRow = rowBlocks * split / splits * height, endRow = min(m, rowBlocks * (split + 1) / splits * height)
                        let count = lines * paddedWidth, stride = PanelConvolution.panelStride(count)
                        let product = PanelBuffers.take(floats: (endRow - firstRow) * stride)
                        defer { PanelBuffers.give(product) }
                        // The kernel addresses C from row 0; this buffer holds rows firstRow ..< endRow.
                        let status = plx_cpu_sgemm_packed_gather(w, m, k, firstRow, endRow, padded.pointer + firstLine * paddedWidth,
                                                                 offsets.baseAddress, count, product.pointer - firstRow * stride, stride)
                        precondition(status == 0, "ShiftedConvolution: rows \(firstRow)..<\(endRow) do not start packed blocks")
                        let first = firstRow * positions + firstLine * columns.output
                        plx_cpu_finish_tile_avx512(product.pointer, stride, paddedWidth, target + first, positions, endRow - firstRow,
                                                   lines, columns.output, epilogue.bias.map { $0 + firstRow },
                                                   residual.map { $0 + first }, bounds?.0 ?? -.infinity, bounds?.1 ?? .infinity)
                        if bounds == nil, let activation = epilogue.activation {
                            for filter in 0..<(endRow - firstRow) {
                                activation.apply(target + first + filter * positions, count: lines * columns.output)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Writes `image` [channels, H, W] into `padded` [channels, H + pads, W + pads] with zeros
    /// around it, and zeros the `count` − channels · plane floats after the last plane.
    private static func pad(_ image: UnsafePointer<Float>, _ volume: WindowVolume, channels: Int,
                            into padded: UnsafeMutablePointer<Float>, count: Int) {
        let rows = volume.height, columns = volume.width
        let paddedWidth = columns.input + columns.padBegin + columns.padEnd
        let plane = (rows.input + rows.padBegin + rows.padEnd) * paddedWidth
        Host.parallelFor(channels, grain: max(1, 16_384 / max(plane, 1))) { range in
            for channel in range {
                let source = image + channel * rows.input * columns.input, target = padded + channel * plane
                target.update(repeating: 0, count: rows.padBegin * paddedWidth)
                for line in 0..<rows.input {
                    let out = target + (rows.padBegin + line) * paddedWidth
                    out.update(repeating: 0, count: columns.padBegin)
                    (out + columns.padBegin).update(from: source + line * columns.input, count: columns.input)
                    (out + columns.padBegin + columns.input).update(repeating: 0, count: columns.padEnd)
                }
                (target + (rows.padBegin + rows.input) * paddedWidth).update(repeating: 0, count: rows.padEnd * paddedWidth)
            }
        }
        (padded + channels * plane).update(repeating: 0, count: count - channels * plane)
    }
}
