import PlexusPluginKit

/// AffineGrid (opset 20): the sampling grid [N, H, W, 2] (or [N, D, H, W, 3]) of the affine
/// maps `theta` [N, 2, 3] (or [N, 3, 4]) applied to normalised output coordinates in [-1, 1]
/// (pixel centres when `align_corners` = 0, corner pixel centres at ±1 when 1); composed of op
/// calls (MatMul), so it is differentiable in theta.
enum AffineGrid {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        [OpDefinition.composed("AffineGrid", since: 20, inputs: 2...2, attributes: [AttributeDeclaration("align_corners", .int, default: .int(0))],
                               doc: "affine sampling grid for GridSample", supports: DTypes.first(DTypes.floats)) { s in
            let theta = try s.input(0), size = try s.input(1).integers()
            guard size.count == 4 || size.count == 5, size.allSatisfy({ $0 > 0 }) else {
                throw PlexusError.invalid("AffineGrid: size must be [N, C, H, W] or [N, C, D, H, W] with positive dims, got \(size)")
            }
            let spatial = size.count - 2
            guard theta.shape == [size[0], spatial, spatial + 1] else {
                throw PlexusError(.shapeMismatch, "AffineGrid: theta must be [\(size[0]), \(spatial), \(spatial + 1)], got \(theta.shape)")
            }
            let alignCorners = try s.attributes.int("align_corners") ?? 0 != 0
            let dims = Array(size[2...])
            // The coordinate table (through the host's allocation cap) before the per-dim steps.
            let points = try CheckedSize.count(dims, "AffineGrid: size \(size)")
            let base = try OwnedTensor.create(.float64, [points, spatial + 1], for: "AffineGrid")
            let strides = contiguousStrides(dims)
            let steps = dims.map { n in
                (0..<n).map { i in n == 1 ? 0 : alignCorners ? -1 + 2 * Double(i) / Double(n - 1) : (2 * Double(i) + 1) / Double(n) - 1 }
            }
            let rows = base.view.pointer(as: Double.self)
            for point in 0..<points {
                for d in 0..<spatial {
                    let axis = spatial - 1 - d
                    rows[point * (spatial + 1) + d] = steps[axis][(point / strides[axis]) % dims[axis]]
                }
                rows[point * (spatial + 1) + spatial] = 1
            }
            let coordinates = try s.call("Cast", [base.view], [("to", .int(Int(theta.dtype.rawValue)))])
            let transposed = try s.call("Transpose", [theta], [("perm", .ints([0, 2, 1]))])
            let grid = try s.call("MatMul", [coordinates, transposed])
            return [try s.reshape(grid, [size[0]] + dims + [spatial])]
        }]
    }
}
