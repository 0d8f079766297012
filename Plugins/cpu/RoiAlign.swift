import PlexusPluginKit

/// RoiAlign (opset 16): for each region [x1, y1, x2, y2] (scaled by `spatial_scale`) of image
/// `batch_indices[r]`, an output_height × output_width grid of bins, each the average (or the
/// maximum of weighted corner values, mode "max") of bilinear samples on a regular grid
/// (`sampling_ratio` per side, or adaptive ceil(roi / bins) when 0). `half_pixel` shifts by -0.5;
/// `output_half_pixel` (the legacy mode) does not but forces regions of at least one pixel.
enum RoiAlign {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        [OpDefinition("RoiAlign", since: 16, inputs: 3...3,
                      attributes: [AttributeDeclaration("coordinate_transformation_mode", .string, default: .string("half_pixel")),
                                   AttributeDeclaration("mode", .string, default: .string("avg")),
                                   AttributeDeclaration("output_height", .int, default: .int(1)),
                                   AttributeDeclaration("output_width", .int, default: .int(1)),
                                   AttributeDeclaration("sampling_ratio", .int, default: .int(0)),
                                   AttributeDeclaration("spatial_scale", .float, default: .float(1))],
                      doc: "bilinear region-of-interest pooling", supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                      compute: compute)]
    }

    /// The four (offset, weight) corners of a bilinear sample at (y, x), or nil outside the image.
    static func corners(y rawY: Double, x rawX: Double, height: Int, width: Int) -> [(Int, Double)]? {
        guard rawY >= -1, rawY <= Double(height), rawX >= -1, rawX <= Double(width) else { return nil }
        func axis(_ value: Double, _ size: Int) -> (Int, Int, Double) {
            let clamped = max(value, 0), low = Int(clamped)
            return low >= size - 1 ? (size - 1, size - 1, 0) : (low, low + 1, clamped - Double(low))
        }
        let (y0, y1, ly) = axis(rawY, height), (x0, x1, lx) = axis(rawX, width)
        return [(y0 * width + x0, (1 - ly) * (1 - lx)), (y0 * width + x1, (1 - ly) * lx),
                (y1 * width + x0, ly * (1 - lx)), (y1 * width + x1, ly * lx)]
    }

    /// The kernel: checks the inputs and attributes, then writes the output.
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0), rois = try context.input(1), batchIndices = try context.input(2).integers()
        guard x.rank == 4, rois.rank == 2, rois.shape[1] == 4, batchIndices.count == rois.shape[0] else {
            throw PlexusError(.shapeMismatch, "RoiAlign: X must be 4-D, rois [R, 4] and batch_indices [R], got \(x.shape), \(rois.shape), \(batchIndices.count)")
        }
        let attributes = context.attributes
        let (outHeight, outWidth) = (try attributes.int("output_height") ?? 1, try attributes.int("output_width") ?? 1)
        let ratio = try attributes.int("sampling_ratio") ?? 0, scale = try attributes.float("spatial_scale") ?? 1
        let mode = try attributes.string("mode") ?? "avg", transform = try attributes.string("coordinate_transformation_mode") ?? "half_pixel"
        guard outHeight > 0, outWidth > 0, ratio >= 0, ["avg", "max"].contains(mode), ["half_pixel", "output_half_pixel"].contains(transform) else {
            throw PlexusError.invalid("RoiAlign: needs positive output sizes, sampling_ratio >= 0, mode avg|max and a known coordinate_transformation_mode")
        }
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard batchIndices.allSatisfy({ $0 >= 0 && $0 < batch }) else { throw PlexusError.invalid("RoiAlign: batch index out of range") }
        let values = try Casting.doubles(x), boxes = try Casting.doubles(rois)
        let halfPixel = transform == "half_pixel", shift = halfPixel ? 0.5 : 0
        let outputShape = [rois.shape[0], channels, outHeight, outWidth]
        var result = [Double](repeating: 0, count: try CheckedSize.scratch(try CheckedSize.count(outputShape, "RoiAlign: output"),
                                                                       of: Double.self, "RoiAlign: output"))
        // A bin's sample grid is at most this many points per side: beyond it a region is far
        // larger than the image (its samples are mostly zeros) and would take hours to average.
        let gridLimit = 4 * max(height, width) + 64
        guard ratio <= gridLimit else { throw PlexusError.invalid("RoiAlign: sampling_ratio \(ratio) is above \(gridLimit) for a \(height)×\(width) image") }
        for r in 0..<rois.shape[0] {
            let startX = boxes[r * 4] * scale - shift, startY = boxes[r * 4 + 1] * scale - shift
            var roiWidth = boxes[r * 4 + 2] * scale - shift - startX, roiHeight = boxes[r * 4 + 3] * scale - shift - startY
            if !halfPixel { (roiWidth, roiHeight) = (max(roiWidth, 1), max(roiHeight, 1)) }
            let binHeight = roiHeight / Double(outHeight), binWidth = roiWidth / Double(outWidth)
            guard binHeight.isFinite, binWidth.isFinite else {
                throw PlexusError.invalid("RoiAlign: region \(r) has a non-finite size: \(Array(boxes[(r * 4)..<(r * 4 + 4)])) × spatial_scale \(scale)")
            }
            func grid(_ bin: Double) throws -> Int {
                guard ratio == 0 else { return ratio }
                return try CheckedConversion.integer(max(bin.rounded(.up), 0), in: 0...gridLimit,
                                                     "RoiAlign: the sample grid of region \(r) (\(Array(boxes[(r * 4)..<(r * 4 + 4)])))")
            }
            let gridHeight = try grid(binHeight), gridWidth = try grid(binWidth)
            let samples = max(gridHeight * gridWidth, 1)
            for c in 0..<channels {
                let image = (batchIndices[r] * channels + c) * height * width
                for ph in 0..<outHeight {
                    for pw in 0..<outWidth {
                        var total = 0.0, largest: Double? = nil
                        for iy in 0..<gridHeight {
                            let y = startY + Double(ph) * binHeight + (Double(iy) + 0.5) * binHeight / Double(gridHeight)
                            for ix in 0..<gridWidth {
                                let x = startX + Double(pw) * binWidth + (Double(ix) + 0.5) * binWidth / Double(gridWidth)
                                let weighted = (corners(y: y, x: x, height: height, width: width) ?? [(0, 0), (0, 0), (0, 0), (0, 0)])
                                    .map { $0.1 * values[image + $0.0] }
                                total += weighted.reduce(0, +)
                                let peak = weighted.max()!
                                largest = max(largest ?? peak, peak)
                            }
                        }
                        result[((r * channels + c) * outHeight + ph) * outWidth + pw] = mode == "avg" ? total / Double(samples) : largest ?? 0
                    }
                }
            }
        }
        try DoubleStaging.write(result, into: try context.output(0, x.dtype, outputShape))
    }
}
