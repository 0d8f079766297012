import CPlexusCPUKernels
import PlexusPluginKit

/// Float32 convolution over 1 or 2 spatial dims with one group, computed panel by panel
/// instead of through a whole im2col matrix.
///
/// The output positions of an image are cut into panels whose unfolded columns fit in the core's
/// L2 cache (`panelBudget` floats). Each panel is unfolded into a buffer of its own, multiplied
/// with the filters by the C micro-kernel straight into Y, and finished there (bias, a residual
/// input, the activation) while it is still in cache. A whole im2col matrix — up to taps × the
/// image, zeroed first — would be written to memory and read back, and the product copied into
/// Y again. A pointwise convolution multiplies the image itself, without unfolding, when its rows
/// start on 64-byte lines (positions a multiple of 16); otherwise the copy into aligned panel rows
/// costs less than the kernel's loads straddling two lines. Filters a session packed once
/// (PackFilters) go through the blocked packed GEMM (`plx_cpu_sgemm_packed`) instead of the
/// row micro-kernel; on AVX-512 the non-pointwise ones skip the panels entirely
/// (ShiftedConvolution).
///
/// Tried and measured slower here: unfolding into 32-column strips the kernel streams
/// contiguously (the many short copies cost more than the strided reads they save); one
/// product per kernel tap over a padded copy of the image, summed in the output tile (each
/// tap's product is only `channels` long and the tile is loaded and stored once per tap);
/// packing each block of filter rows per panel (a transposing copy repeated for every panel,
/// which session-time packing avoids);
/// and OpenBLAS's sgemm per panel. Against im2col + OpenBLAS on the whole matrix, a whole
/// ResNet-18 ran in 24 ms against 32 ms in one quiet run and about as fast in others, though a
/// single large-K layer alone runs faster through OpenBLAS's packed GEMM.
enum PanelConvolution {
    /// The micro-kernel: rows of C per call and the C entry point, or nil on CPUs without AVX2.
    static let microKernel: (rows: Int, call: RowKernel)? = {
        if plx_cpu_avx512_available() != 0 { return (Int(PLX_CPU_SGEMM_AVX512_ROWS), plx_cpu_sgemm_rows_avx512) }
        if plx_cpu_avx2_available() != 0 { return (Int(PLX_CPU_SGEMM_AVX2_ROWS), plx_cpu_sgemm_rows_avx2) }
        return nil
    }()

    /// A micro-kernel's signature (see plexus_cpu_kernels.h): `rows` rows of C over n columns,
    /// returning how many columns it wrote.
    typealias RowKernel = @convention(c) (UnsafePointer<Float>?, Int, Int, UnsafePointer<Float>?, Int,
                                          UnsafeMutablePointer<Float>?, Int, Int, Int, Int) -> Int

    /// Floats of unfolded columns per panel: 256 KB, which stays in L2 next to the filters.
    static let panelBudget = 1 << 16

    /// What is applied to each finished tile of Y: `y = activation(y + bias[filter] + residual)`.
    struct Epilogue {
        var bias: UnsafePointer<Float>?
        /// A tensor of Y's shape added before the activation (FusedConv's `Z`).
        var residual: UnsafePointer<Float>?
        var activation: FusedConv.Activation?

        var isEmpty: Bool { bias == nil && residual == nil && activation == nil }
    }

    /// Whether this path computes `geometry` on this CPU.
    static func applies(_ geometry: ConvolutionGeometry) -> Bool {
        microKernel != nil && geometry.group == 1 && geometry.axes.count <= 2
    }

    /// Floats of unfolded columns per panel when the filters are packed: the packed kernel keeps
    /// only a 256-deep chunk of the panel in L1 at a time, so a larger panel costs nothing there
    /// and lets a layer with few positions (the late layers) read its filters once, not per panel.
    static let packedPanelBudget = 1 << 17

    /// Y = W ⊛ X, finished by `epilogue`. X is [N, C, (H,) W], W [M, C, (kh,) kw], Y [N, M, (OH,) OW];
    /// `packedFilters`: W is in PackFilters' layout (plx_cpu_sgemm_pack), read by the packed kernel.
    static func run(_ geometry: ConvolutionGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                    _ y: UnsafeMutablePointer<Float>, _ epilogue: Epilogue, packedFilters: Bool = false) {
        guard let (kernelRows, kernel) = microKernel else { preconditionFailure("PanelConvolution.run without a micro-kernel") }
        let volume = geometry.volume, k = geometry.rowsPerGroup, m = geometry.filters
        let positions = volume.outputCount, imageSize = geometry.channels * volume.inputCount
        guard geometry.batch > 0, m > 0, positions > 0 else { return }  // Y is empty
        let direct = geometry.isPointwise && positions % 16 == 0
        let budgetWidth = packedFilters ? min(positions, max(64, packedPanelBudget / max(k, 1) / 32 * 32))
                                        : min(positions, max(32, panelBudget / max(k, 1) / 32 * 32))
        // Equal panels, as many as a multiple of the threads, 16 columns wide at least.
        let wanted = balanced((positions * geometry.batch + budgetWidth - 1) / budgetWidth, threads: Host.threadCount) / geometry.batch
        let width = wanted <= 1 ? budgetWidth : min(budgetWidth, max(16, ((positions + wanted - 1) / wanted + 15) & ~15))
        let panels = (positions + width - 1) / width
        // Split the filters too, at block boundaries of the kernel (of the packed layout for packed filters).
        let height = packedFilters ? Int(PLX_CPU_SGEMM_PACKED_ROWS) : kernelRows
        let threads = Host.threadCount, tiles = geometry.batch * panels
        let filterSplits = FilterSplits(filters: m, height: height, pieces: tiles, threads: threads), splits = filterSplits.count
        let tasks = tiles * splits
        let grain = k * m * positions * geometry.batch < (1 << 21) ? tasks : 1
        let window = VectorKernels.available ? Self.window(volume) : nil
        let taps = volume.kernelCount
        /// Unfolds columns j0 ..< j0 + count of `image`, channels `channels`, into `panel` (rows `panelStride(count)` apart).
        func unfoldPanel(image: Int, j0: Int, count: Int, channels: Range<Int>, into panel: UnsafeMutablePointer<Float>) {
            let source = x + image * imageSize + channels.lowerBound * volume.inputCount
            let target = panel + channels.lowerBound * taps * panelStride(count)
            if var window {
                plx_cpu_unfold_avx512(source, &window, channels.count, j0, j0 + count, target, panelStride(count))
            } else {
                unfold(source, volume, channels: channels.count, columns: j0..<(j0 + count), into: target, stride: panelStride(count))
            }
        }
        // With the filters split, every split of a tile reads the same panel: unfold each tile
        // once, up front (over channel ranges, so every thread helps), into one shared buffer.
        let shared = splits > 1 && !direct ? KernelBuffers.take(floats: tiles * k * panelStride(width)) : nil
        defer { shared.map(KernelBuffers.give) }
        if let shared {
            let ranges = max(1, min(geometry.channels, 2 * threads))
            Host.parallelFor(tiles * ranges, grain: grain == 1 ? 1 : tiles * ranges) { range in
                for item in range {
                    let tile = item / ranges, part = item % ranges
                    let j0 = (tile % panels) * width, count = min(width, positions - j0)
                    let channels = (geometry.channels * part / ranges)..<(geometry.channels * (part + 1) / ranges)
                    unfoldPanel(image: tile / panels, j0: j0, count: count, channels: channels,
                                into: shared.pointer + tile * k * panelStride(width))
                }
            }
        }
        Host.parallelFor(tasks, grain: grain) { range in
            // Each call gets its own panel buffer: calls may run on any thread, several at once.
            let buffer = direct || shared != nil ? nil : KernelBuffers.take(floats: k * panelStride(width))
            defer { buffer.map(KernelBuffers.give) }
            for task in range {
                let tile = task / splits, split = task % splits
                let image = tile / panels, j0 = (tile % panels) * width, count = min(width, positions - j0)
                let source = x + image * imageSize, target = y + image * m * positions
                let b: UnsafePointer<Float>, bStride: Int
                if let shared {
                    (b, bStride) = (UnsafePointer(shared.pointer + tile * k * panelStride(width)), panelStride(count))
                } else if let panel = buffer?.pointer {
                    unfoldPanel(image: image, j0: j0, count: count, channels: 0..<geometry.channels, into: panel)
                    (b, bStride) = (UnsafePointer(panel), panelStride(count))
                } else {
                    (b, bStride) = (source + j0, positions)
                }
                let (firstRow, endRow) = filterSplits.bounds(split)
                let residual = epilogue.residual.map { $0 + image * m * positions + j0 }
                if packedFilters {
                    // The kernel finishes each tile as it stores it: bias, residual and a clamp;
                    // another activation follows over the rows.
                    let bounds = clampBounds(epilogue.activation)
                    var finishing = plx_cpu_epilogue(bias: epilogue.bias, residual: residual.map { UnsafePointer($0) },
                                                     low: bounds?.0 ?? -.infinity, high: bounds?.1 ?? .infinity)
                    let status = plx_cpu_sgemm_packed(w, m, k, firstRow, endRow, b, bStride, count, target + j0, positions, &finishing)
                    precondition(status == 0, "PanelConvolution: rows \(firstRow)..<\(endRow) do not start packed blocks")
                    if bounds == nil, let activation = epilogue.activation {
                        for filter in firstRow..<endRow { activation.apply(target + filter * positions + j0, count: count) }
                    }
                    continue
                }
                for i0 in stride(from: firstRow, to: endRow, by: height) {
                    let rows = min(height, m - i0)
                    let c = target + i0 * positions + j0
                    let done = kernel(w + i0 * k, k, 1, b, bStride, c, positions, rows, count, k)
                    if done < count {
                        finishColumns(w + i0 * k, k: k, b + done, bStride: bStride, c + done, cStride: positions, rows: rows,
                                      count: count - done)
                    }
                    if !epilogue.isEmpty {
                        finish(c, stride: positions, filters: i0..<(i0 + rows), count: count, epilogue,
                               residual: residual.map { $0 + i0 * positions })
                    }
                }
            }
        }
    }

    /// Columns the vector kernel leaves (the AVX2 kernel's last n % 8), one dot product each.
    private static func finishColumns(_ a: UnsafePointer<Float>, k: Int, _ b: UnsafePointer<Float>, bStride: Int,
                                      _ c: UnsafeMutablePointer<Float>, cStride: Int, rows: Int, count: Int) {
        for i in 0..<rows {
            for j in 0..<count {
                var sum: Float = 0
                for p in 0..<k { sum += a[i &* k &+ p] * b[p &* bStride &+ j] }
                c[i &* cStride &+ j] = sum
            }
        }
    }

    /// The C kernels' description of a window over at most two spatial dims.
    static func window(_ volume: WindowVolume) -> plx_cpu_window {
        let h = volume.height, w = volume.width
        return plx_cpu_window(input_height: h.input, input_width: w.input, output_height: h.output, output_width: w.output,
                              kernel_height: h.kernel, kernel_width: w.kernel, stride_height: h.stride, stride_width: w.stride,
                              dilation_height: h.dilation, dilation_width: w.dilation, pad_top: h.padBegin, pad_left: w.padBegin)
    }

    /// The clamp a fused activation is (Relu, Clip; none: ±∞), or nil for one that is not a clamp.
    static func clampBounds(_ activation: FusedConv.Activation?) -> (Float, Float)? {
        switch activation {
        case nil: return (-.infinity, .infinity)
        case .clip(let low, let high)?: return (Float(low), Float(high))
        default: return nil
        }
    }

    /// Applies the epilogue to a tile of `count` columns of the rows `filters` of Y.
    private static func finish(_ c: UnsafeMutablePointer<Float>, stride: Int, filters: Range<Int>, count: Int, _ epilogue: Epilogue,
                               residual: UnsafePointer<Float>?) {
        if VectorKernels.available, let (low, high) = clampBounds(epilogue.activation) {
            plx_cpu_finish_tile_avx512(c, stride, count, c, stride, filters.count, 1, count, epilogue.bias.map { $0 + filters.lowerBound },
                                       residual, low, high)
            return
        }
        for (row, filter) in filters.enumerated() {
            let p = c + row &* stride
            let shift = epilogue.bias?[filter] ?? 0
            if let residual {
                let r = residual + row &* stride
                for j in 0..<count { p[j] += shift + r[j] }
            } else if shift != 0 {
                for j in 0..<count { p[j] += shift }
            }
            epilogue.activation?.apply(p, count: count)
        }
    }

    /// Copies a short run (an output row's worth) with an inline vector loop: memmove's call and
    /// size dispatch cost more than the copy at these lengths.
    @inline(__always)
    private static func copyShort(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
        var i = 0
        while i &+ 8 <= count {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self), toByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count {
            target[i] = source[i]
            i &+= 1
        }
    }

    /// The filters cut into ranges at multiples of `height` (the kernel's rows, or the packed
    /// layout's blocks), so that `pieces` pieces of work times `count` splits give each thread
    /// about two tasks: few pieces (the small late layers) would leave threads idle.
    struct FilterSplits {
        let count: Int, height: Int, filters: Int, blocks: Int

        init(filters: Int, height: Int, pieces: Int, threads: Int) {
            self.filters = filters
            self.height = height
            blocks = (filters + height - 1) / height
            count = min(blocks, max(1, (2 * threads + pieces - 1) / max(pieces, 1)))
        }

        /// The first and end filter of split `index`.
        func bounds(_ index: Int) -> (Int, Int) {
            (blocks * index / count * height, min(filters, blocks * (index + 1) / count * height))
        }
    }

    /// `count` pieces of work rounded up to a multiple of `threads` once there are at least as
    /// many as threads (fewer are split another way), so that equal pieces keep every thread busy.
    static func balanced(_ count: Int, threads: Int) -> Int {
        count < threads || threads <= 1 ? count : (count + threads - 1) / threads * threads
    }

    /// The row stride of a panel of `count` columns: whole 64-byte lines, so that the kernel's
    /// vector loads of a row (panel buffers are 64-byte aligned) never straddle two lines.
    static func panelStride(_ count: Int) -> Int { (count + 15) & ~15 }

    /// Writes the im2col columns `columns` (output positions) of one image into `panel`, a
    /// [channels · taps, columns.count] matrix with rows `stride` apart, zeros included
    /// (nothing needs clearing first).
    static func unfold(_ image: UnsafePointer<Float>, _ volume: WindowVolume, channels: Int, columns: Range<Int>,
                       into panel: UnsafeMutablePointer<Float>, stride: Int) {
        let height = volume.height, width = volume.width
        let step = width.stride, planeSize = volume.inputCount
        var row = 0
        for channel in 0..<channels {
            let plane = image + channel &* planeSize
            for kh in 0..<height.kernel {
                let validRows = height.validOutputs(tap: kh), rowShift = height.shift(tap: kh)
                for kw in 0..<width.kernel {
                    let validColumns = width.validOutputs(tap: kw), columnShift = width.shift(tap: kw)
                    let target = panel + row &* stride - columns.lowerBound
                    var j = columns.lowerBound
                    while j < columns.upperBound {
                        let oh = j / width.output, start = j - oh &* width.output
                        let end = min(width.output, start + columns.upperBound - j)
                        let out = target + (j - start)  // out[ow] is position (oh, ow)
                        if validRows.contains(oh) {
                            let low = min(max(start, validColumns.lowerBound), end), high = max(min(end, validColumns.upperBound), low)
                            let source = plane + ((oh &* height.stride &+ rowShift) &* width.input &+ columnShift)
                            for ow in start..<low { out[ow] = 0 }
                            if step == 1 {
                                copyShort(source + low, to: out + low, count: high - low)
                            } else {
                                for ow in low..<high { out[ow] = source[ow &* step] }
                            }
                            for ow in high..<end { out[ow] = 0 }
                        } else {
                            (out + start).update(repeating: 0, count: end - start)
                        }
                        j += end - start
                    }
                    row &+= 1
                }
            }
        }
    }
}
