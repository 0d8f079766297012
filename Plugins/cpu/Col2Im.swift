import PlexusPluginKit

/// Col2Im (opset 18): the adjoint of im2col. Input [N, C·∏block, L] holds, for each of the L
/// sliding-block positions, the block's values; they are summed back into an image
/// [N, C, image_shape...] with `strides`, `dilations` and `pads` (begin..., end...).
enum Col2Im {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        [OpDefinition("Col2Im", since: 18, inputs: 3...3,
                      attributes: [AttributeDeclaration("dilations", .ints), AttributeDeclaration("pads", .ints),
                                   AttributeDeclaration("strides", .ints)],
                      doc: "sum sliding blocks back into an image", supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                      compute: compute)]
    }

    /// The kernel: checks the inputs and attributes, then writes the output.
    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0), image = try context.input(1).integers(), block = try context.input(2).integers()
        let k = image.count
        let dilations = try context.attributes.ints("dilations") ?? Array(repeating: 1, count: k)
        let strides = try context.attributes.ints("strides") ?? Array(repeating: 1, count: k)
        let pads = try context.attributes.ints("pads") ?? Array(repeating: 0, count: 2 * k)
        guard k > 0, block.count == k, dilations.count == k, strides.count == k, pads.count == 2 * k, input.rank == 3,
              (image + block + dilations + strides).allSatisfy({ $0 > 0 }), pads.allSatisfy({ $0 >= 0 }) else {
            throw PlexusError.invalid("Col2Im: input must be 3-D and image_shape, block_shape, dilations, strides (positive) and pads (2 per dim) must agree")
        }
        let blockSize = try CheckedSize.count(block, "Col2Im: block_shape")
        guard input.shape[1] % blockSize == 0 else {
            throw PlexusError(.shapeMismatch, "Col2Im: input dim 1 (\(input.shape[1])) is not a multiple of the block size \(blockSize)")
        }
        let positions = try (0..<k).map { (d: Int) -> Int in
            let what = "Col2Im: the geometry of dim \(d)"
            let extent = try CheckedSize.add(try CheckedSize.multiply(dilations[d], block[d] - 1, what), 1, what)
            let padded = try CheckedSize.add(try CheckedSize.add(image[d], pads[d], what), pads[d + k], what)
            return (padded - extent) / strides[d] + 1
        }
        guard positions.allSatisfy({ $0 > 0 }), try CheckedSize.count(positions, "Col2Im: block positions") == input.shape[2] else {
            throw PlexusError(.shapeMismatch, "Col2Im: input has \(input.shape[2]) blocks, but the geometry gives \(positions)")
        }
        let (batch, channels) = (input.shape[0], input.shape[1] / blockSize)
        let pixels = try CheckedSize.count(image, "Col2Im: image_shape"), count = input.shape[2]
        let values = try Casting.doubles(input)
        let blockStrides = contiguousStrides(block), positionStrides = contiguousStrides(positions), imageStrides = contiguousStrides(image)
        var result = [Double](repeating: 0, count: batch * channels * pixels)
        for n in 0..<batch {
            for c in 0..<channels {
                for offset in 0..<blockSize {
                    for position in 0..<count {
                        var target = 0, inside = true
                        for d in 0..<k {
                            let start = (position / positionStrides[d]) % positions[d] * strides[d] - pads[d]
                            let coordinate = start + (offset / blockStrides[d]) % block[d] * dilations[d]
                            guard coordinate >= 0 && coordinate < image[d] else { inside = false; break }
                            target += coordinate * imageStrides[d]
                        }
                        if inside {
                            result[(n * channels + c) * pixels + target] += values[((n * channels + c) * blockSize + offset) * count + position]
                        }
                    }
                }
            }
        }
        try DoubleStaging.write(result, into: try context.output(0, input.dtype, [batch, channels] + image))
    }
}
