import CPlexusCPUKernels
import PlexusPluginKit

/// A float32 convolution (1-D or 2-D, one group, not pointwise, packed filters) as an implicit
/// GEMM: no im2col matrix at all.
///
/// The image is copied once with its padding made explicit and split by stride phase: with
/// strides (sh, sw), phase plane (rh, rw) of a channel holds padded[sh·i + rh][sw·j + rw] (one
/// plane, the padded image itself, at stride 1). A tap (kh, kw) reads padded[sh·oh + kh·dh]
/// [sw·ow + kw·dw] = phase (kh·dh mod sh, kw·dw mod sw) at [oh + kh·dh / sh][ow + kw·dw / sw], so
/// the unfolded matrix's row for (channel, kh, kw), at "virtual" column oh · Wq + ow (Wq a phase
/// plane's width), is just that phase plane shifted by a fixed offset: the packed GEMM kernel
/// reads each row of B through an offset table (`plx_cpu_sgemm_packed_gather`), straight from
/// the copy. The product has Wq columns per output row, of which the last Wq − OW straddle the
/// border and are dropped when the epilogue (bias, residual, clamp) writes the rows into Y.
///
/// Unfolding was a fifth of a 3×3 convolution's time and a third of a 7×7 stride-2 stem's (each
/// input element written up to kh·kw / (sh·sw) times, then read back); the phase copy writes it
/// once, and the dropped columns cost (Wq − OW) / Wq of the multiply (3% at 56 × 56, more on
/// the smallest maps).
enum ShiftedConvolution {
    /// Virtual columns per task: enough strips that a chunk of filters read from L2 serves many.
    static let panelColumns = 512

    /// Whether this path computes `geometry` (with packed filters) on this CPU.
    static func applies(_ geometry: ConvolutionGeometry) -> Bool {
        VectorKernels.available && geometry.group == 1 && geometry.axes.count <= 2 && !geometry.isPointwise
            && geometry.axes.allSatisfy { $0.output == ($0.input + $0.padBegin + $0.padEnd - $0.extent) / $0.stride + 1 }
    }

    /// Y = W ⊛ X with W packed (PackFilters), finished by `epilogue`.
    static func run(_ geometry: ConvolutionGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                    _ y: UnsafeMutablePointer<Float>, _ epilogue: PanelConvolution.Epilogue) {
        let volume = geometry.volume, rows = volume.height, columns = volume.width
        let phases = Phases(volume)
        let channels = geometry.channels, pitch = phases.width
        let k = geometry.rowsPerGroup, m = geometry.filters, positions = volume.outputCount
        // The last virtual columns read up to a row's worth of floats past the last plane.
        let paddedCount = channels * phases.channelSize + pitch + columns.extent + 16
        var offsets = [Int](repeating: 0, count: k)
        var row = 0
        for channel in 0..<channels {
            for kh in 0..<rows.kernel {
                for kw in 0..<columns.kernel {
                    let down = kh * rows.dilation, across = kw * columns.dilation
                    let phase = (down % rows.stride) * columns.stride + across % columns.stride
                    offsets[row] = channel * phases.channelSize + phase * phases.planeSize + down / rows.stride * pitch
                        + across / columns.stride
                    row += 1
                }
            }
        }
        // Tasks: bands of output rows × splits of the filters (at packed block boundaries).
        // Equal bands, as many as a multiple of the threads (7 bands on 2 threads leave one idle for a seventh).
        let threads = Host.threadCount
        let wanted = PanelConvolution.balanced((rows.output * pitch + panelColumns - 1) / panelColumns, threads: threads)
        let bandCount = max(1, min(wanted, rows.output))
        let bandRows = max(1, (rows.output + bandCount - 1) / bandCount)
        let bands = (rows.output + bandRows - 1) / bandRows
        let filterSplits = PanelConvolution.FilterSplits(filters: m, height: Int(PLX_CPU_SGEMM_PACKED_ROWS), pieces: bands,
                                                         threads: threads)
        let splits = filterSplits.count
        let bounds = PanelConvolution.clampBounds(epilogue.activation)
        let small = k * m * positions < (1 << 21)  // too little work to be worth waking a thread for
        let padded = KernelBuffers.take(floats: paddedCount)
        defer { KernelBuffers.give(padded) }
        offsets.withUnsafeBufferPointer { offsets in
            for image in 0..<geometry.batch {
                phases.copy(x + image * channels * volume.inputCount, channels: channels, into: padded.pointer, count: paddedCount)
                let target = y + image * m * positions
                let residual = epilogue.residual.map { $0 + image * m * positions }
                Host.parallelFor(bands * splits, grain: small ? bands * splits : 1) { range in
                    for task in range {
                        let band = task / splits, split = task % splits
                        let firstLine = band * bandRows, lines = min(bandRows, rows.output - firstLine)
                        let (firstRow, endRow) = filterSplits.bounds(split)
                        let count = lines * pitch, stride = PanelConvolution.panelStride(count)
                        let product = KernelBuffers.take(floats: (endRow - firstRow) * stride)
                        defer { KernelBuffers.give(product) }
                        // The kernel addresses C from row 0; this buffer holds rows firstRow ..< endRow.
                        let status = plx_cpu_sgemm_packed_gather(w, m, k, firstRow, endRow, padded.pointer + firstLine * pitch,
                                                                 offsets.baseAddress, count, product.pointer - firstRow * stride, stride)
                        precondition(status == 0, "ShiftedConvolution: rows \(firstRow)..<\(endRow) do not start packed blocks")
                        let first = firstRow * positions + firstLine * columns.output
                        plx_cpu_finish_tile_avx512(product.pointer, stride, pitch, target + first, positions, endRow - firstRow,
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

    /// The stride-phase planes of a padded image: per channel, sh · sw planes of `height` ×
    /// `width`, plane (rh, rw) holding padded[sh·i + rh][sw·j + rw] (zero in the padding and past
    /// its edge).
    struct Phases {
        let rows: WindowAxis, columns: WindowAxis
        let height: Int, width: Int

        init(_ volume: WindowVolume) {
            rows = volume.height
            columns = volume.width
            height = (rows.input + rows.padBegin + rows.padEnd + rows.stride - 1) / rows.stride
            width = (columns.input + columns.padBegin + columns.padEnd + columns.stride - 1) / columns.stride
        }

        var planeSize: Int { height * width }
        var channelSize: Int { rows.stride * columns.stride * planeSize }

        /// Writes the phase planes of `image` [channels, H, W] into `target`, and zeros the
        /// `count` − channels · channelSize floats after them.
        func copy(_ image: UnsafePointer<Float>, channels: Int, into target: UnsafeMutablePointer<Float>, count: Int) {
            let (rows, columns, height, width) = (self.rows, self.columns, self.height, self.width)
            let planeSize = self.planeSize, channelSize = self.channelSize
            // Over (channel, row phase): a 3-channel stem at stride 2 is six even pieces, not three.
            let pieces = channels * rows.stride
            Host.parallelFor(pieces, grain: max(1, 16_384 / max(columns.stride * planeSize, 1))) { range in
                for piece in range {
                    let channel = piece / rows.stride, rowPhase = piece % rows.stride
                    let source = image + channel * rows.input * columns.input
                    for columnPhase in 0..<columns.stride {
                        let plane = target + channel * channelSize + (rowPhase * columns.stride + columnPhase) * planeSize
                        // Output column j reads input column stride·j + phase − padBegin: these j are inside.
                        let shift = columnPhase - columns.padBegin
                        let low = min(width, max(0, (-shift + columns.stride - 1) / columns.stride))
                        let high = max(low, min(width, (columns.input - shift + columns.stride - 1) / columns.stride))
                        for i in 0..<height {
                            let line = plane + i * width, inputRow = rows.stride * i + rowPhase - rows.padBegin
                            guard inputRow >= 0 && inputRow < rows.input else {
                                line.update(repeating: 0, count: width)
                                continue
                            }
                            let from = source + inputRow * columns.input + shift
                            line.update(repeating: 0, count: low)
                            if columns.stride == 1 {
                                (line + low).update(from: from + low, count: high - low)
                            } else {
                                plx_cpu_copy_strided(from + low * columns.stride, columns.stride, high - low, line + low)
                            }
                            (line + high).update(repeating: 0, count: width - high)
                        }
                    }
                }
            }
            (target + channels * channelSize).update(repeating: 0, count: count - channels * channelSize)
        }
    }
}
