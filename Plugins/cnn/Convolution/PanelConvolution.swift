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
/// Y again. A pointwise convolution multiplies the image itself, without unfolding.
///
/// Tried and measured slower here: unfolding into 32-column strips the kernel streams
/// contiguously (the many short copies cost more than the strided reads they save); one
/// product per kernel tap over a padded copy of the image, summed in the output tile (each
/// tap's product is only `channels` long and the tile is loaded and stored once per tap);
/// packing each block of filter rows per panel (a transposing copy repeated for every panel);
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

    /// Y = W ⊛ X, finished by `epilogue`. X is [N, C, (H,) W], W [M, C, (kh,) kw], Y [N, M, (OH,) OW].
    static func run(_ geometry: ConvolutionGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                    _ y: UnsafeMutablePointer<Float>, _ epilogue: Epilogue) {
        guard let (height, kernel) = microKernel else { preconditionFailure("PanelConvolution.run without a micro-kernel") }
        let volume = geometry.volume, k = geometry.rowsPerGroup, m = geometry.filters
        let positions = volume.outputCount, imageSize = geometry.channels * volume.inputCount
        let pointwise = geometry.isPointwise
        let width = min(positions, max(32, panelBudget / max(k, 1) / 32 * 32))
        let panels = (positions + width - 1) / width
        // Few panels (the small late layers) leave threads idle: split the filters too.
        let threads = Host.threadCount, rowBlocks = (m + height - 1) / height
        let tiles = geometry.batch * panels
        let splits = min(rowBlocks, max(1, (2 * threads + tiles - 1) / tiles))
        let tasks = tiles * splits
        let grain = k * m * positions * geometry.batch < (1 << 21) ? tasks : 1
        Host.parallelFor(tasks, grain: grain) { range in
            // Each call gets its own panel buffer: calls may run on any thread, several at once.
            let buffer = pointwise ? nil : PanelBuffers.take(floats: k * width)
            defer { buffer.map(PanelBuffers.give) }
            let panel = buffer?.pointer
            for task in range {
                let tile = task / splits, split = task % splits
                let image = tile / panels, j0 = (tile % panels) * width, count = min(width, positions - j0)
                let source = x + image * imageSize, target = y + image * m * positions
                let b: UnsafePointer<Float>, bStride: Int
                if let panel {
                    // A split after the first unfolds its panel again: cheaper than waiting.
                    unfold(source, volume, channels: geometry.channels, columns: j0..<(j0 + count), into: panel)
                    (b, bStride) = (UnsafePointer(panel), count)
                } else {
                    (b, bStride) = (source + j0, positions)
                }
                let firstBlock = rowBlocks * split / splits, endBlock = rowBlocks * (split + 1) / splits
                for block in firstBlock..<endBlock {
                    let i0 = block * height, rows = min(height, m - i0)
                    let c = target + i0 * positions + j0
                    let done = kernel(w + i0 * k, k, 1, b, bStride, c, positions, rows, count, k)
                    if done < count {
                        finishColumns(w + i0 * k, k: k, b + done, bStride: bStride, c + done, cStride: positions, rows: rows,
                                      count: count - done)
                    }
                    if !epilogue.isEmpty {
                        finish(c, stride: positions, filters: i0..<(i0 + rows), count: count, epilogue,
                               residual: epilogue.residual.map { $0 + image * m * positions + i0 * positions + j0 })
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

    /// Applies the epilogue to a tile of `count` columns of the rows `filters` of Y.
    private static func finish(_ c: UnsafeMutablePointer<Float>, stride: Int, filters: Range<Int>, count: Int, _ epilogue: Epilogue,
                               residual: UnsafePointer<Float>?) {
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

    /// Writes the im2col columns `columns` (output positions) of one image into `panel`, a
    /// [channels · taps, columns.count] matrix, zeros included (nothing needs clearing first).
    static func unfold(_ image: UnsafePointer<Float>, _ volume: WindowVolume, channels: Int, columns: Range<Int>,
                       into panel: UnsafeMutablePointer<Float>) {
        let height = volume.height, width = volume.width
        let count = columns.count, step = width.stride, planeSize = volume.inputCount
        var row = 0
        for channel in 0..<channels {
            let plane = image + channel &* planeSize
            for kh in 0..<height.kernel {
                let validRows = height.validOutputs(tap: kh), rowShift = height.shift(tap: kh)
                for kw in 0..<width.kernel {
                    let validColumns = width.validOutputs(tap: kw), columnShift = width.shift(tap: kw)
                    let target = panel + row &* count - columns.lowerBound
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
