#if canImport(Glibc)
import Glibc
#endif
import CPlexusCPUKernels
import PlexusPluginKit

/// A float32 3×3 convolution at stride 1 (2-D, one group, packed filters, AVX-512) by Winograd's
/// F(2×2, 3×3) (Lavin & Gray): each 2×2 block of outputs ("tile") is Aᵀ [U ⊙ V] A with U = G g Gᵀ
/// per filter and channel and V = Bᵀ d B per channel and 4×4 input window, so summed over the
/// channels it is 16 matrix products U_ξ [filters × channels] · V_ξ [channels × tiles], which the
/// packed GEMM runs: 4 multiplies per output where the direct product takes 9. The transforms
/// are `winograd_avx512.c`; the results differ from a direct convolution only by rounding (the
/// transforms add and subtract inputs, so errors grow with their magnitude: a few units in the
/// last place of the largest values).
///
/// The filters are transformed on every call (about 30 additions per filter and channel, where
/// the product does 4 multiply-adds per output position and tile), so PackFilters keeps one
/// layout; the image goes in bands of tile rows small enough that a band's V and M stay in L2
/// while its 16 products run.
enum WinogradConvolution {
    /// Whether this path computes `geometry` (with packed filters) on this CPU. On maps narrower
    /// than 16 columns (ResNet's 14 × 14 and 7 × 7 stages) it measured no faster than
    /// ShiftedConvolution: few tiles per product, and 16 transformed filter matrices to stream.
    static func applies(_ geometry: ConvolutionGeometry) -> Bool {
        guard enabled, VectorKernels.available, geometry.group == 1, geometry.axes.count == 2 else { return false }
        return geometry.axes.allSatisfy { $0.kernel == 3 && $0.stride == 1 && $0.dilation == 1 }
            && geometry.axes[1].output >= 16
    }

    /// `PLX_WINOGRAD=0` turns the path off (for comparisons).
    static let enabled: Bool = getenv("PLX_WINOGRAD").map { String(cString: $0) } != "0"

    /// Y = W ⊛ X with W packed (PackFilters), finished by `epilogue`.
    static func run(_ geometry: ConvolutionGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                    _ y: UnsafeMutablePointer<Float>, _ epilogue: PanelConvolution.Epilogue) {
        let rows = geometry.axes[0], columns = geometry.axes[1]
        let channels = geometry.channels, m = geometry.filters
        let positions = rows.output * columns.output, inputSize = rows.input * columns.input
        let tilesHigh = (rows.output + 1) / 2, tilesWide = (columns.output + 1) / 2
        let transformed = KernelBuffers.take(floats: 16 * m * channels)
        defer { KernelBuffers.give(transformed) }
        plx_cpu_winograd_filters_avx512(w, m, channels, transformed.pointer)
        // Bands of tile rows whose V (16 × channels × tiles) stays near 512 KB, as many as a
        // multiple of the threads, their sizes differing by at most a row.
        let threads = Host.threadCount
        let bandRowsForCache = max(1, 8_192 / max(1, channels * tilesWide))
        let bands = min(tilesHigh, PanelConvolution.balanced((tilesHigh + bandRowsForCache - 1) / bandRowsForCache, threads: threads))
        let bounds = PanelConvolution.clampBounds(epilogue.activation)
        let small = 9 * channels * m * positions < (1 << 21)
        for image in 0..<geometry.batch {
            let source = x + image * channels * inputSize
            let target = y + image * m * positions
            let residual = epilogue.residual.map { $0 + image * m * positions }
            Host.parallelFor(bands, grain: small ? bands : 1) { range in
                for band in range {
                    let firstTileRow = band * tilesHigh / bands, tileRows = (band + 1) * tilesHigh / bands - firstTileRow
                    let tiles = tileRows * tilesWide, stride = PanelConvolution.panelStride(tiles)
                    let inputs = KernelBuffers.take(floats: 16 * channels * stride)
                    let products = KernelBuffers.take(floats: 16 * m * stride)
                    defer {
                        KernelBuffers.give(inputs)
                        KernelBuffers.give(products)
                    }
                    plx_cpu_winograd_input_avx512(source, channels, Int32(rows.input), Int32(columns.input), Int32(rows.padBegin),
                                                  Int32(columns.padBegin), Int32(firstTileRow), Int32(tileRows), Int32(tilesWide),
                                                  inputs.pointer, stride, channels * stride)
                    for xi in 0..<16 {
                        let status = plx_cpu_sgemm_packed(transformed.pointer + xi * m * channels, m, channels, 0, m,
                                                          inputs.pointer + xi * channels * stride, stride, tiles,
                                                          products.pointer + xi * m * stride, stride, nil)
                        precondition(status == 0, "WinogradConvolution: the packed product failed (\(status))")
                    }
                    plx_cpu_winograd_output_avx512(products.pointer, stride, m * stride, m, Int32(firstTileRow), Int32(tileRows),
                                                   Int32(tilesWide), Int32(rows.output), Int32(columns.output), target, positions,
                                                   epilogue.bias, residual, bounds?.0 ?? -.infinity, bounds?.1 ?? .infinity)
                    if bounds == nil, let activation = epilogue.activation {
                        let firstRow = 2 * firstTileRow, lines = min(2 * tileRows, rows.output - firstRow)
                        for filter in 0..<m {
                            activation.apply(target + filter * positions + firstRow * columns.output, count: lines * columns.output)
                        }
                    }
                }
            }
        }
    }
}
