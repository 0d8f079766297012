import PlexusPluginKit

/// Copies elements into a contiguous output of `shape`, reading the input at
/// `base + Σ index[d] · strides[d]` (strides in elements; 0 repeats, negative walks backwards).
/// Transpose, Slice, Expand and Tile are this one loop with different strides.
struct StridedCopy: MoveBody {
    let source: UnsafeRawPointer
    let target: UnsafeMutableRawPointer
    let shape: [Int]
    let strides: [Int]
    let base: Int

    func run<T: BitwiseCopyable>(_ type: T.Type) throws {
        // Any empty dimension means nothing to copy; checked before the product, which could
        // overflow for the interleaved (repeat, dim) shapes Tile passes when one dim is 0.
        guard !shape.contains(0) else { return }
        let count = shape.reduce(1, *)
        let x = source.assumingMemoryBound(to: T.self), y = target.assumingMemoryBound(to: T.self)
        guard let inner = shape.last else { y[0] = x[base]; return }
        let innerStride = strides.last!, outer = shape.count - 1
        let rows = count / inner
        Host.parallelFor(rows, grain: max(1, 16_384 / max(inner, 1))) { range in
            var counter = [Int](repeating: 0, count: outer)
            var remainder = range.lowerBound, offset = base
            for axis in stride(from: outer - 1, through: 0, by: -1) {
                counter[axis] = remainder % shape[axis]
                remainder /= shape[axis]
                offset += counter[axis] * strides[axis]
            }
            for row in range {
                let out = y + row * inner, input = x + offset
                if innerStride == 1 {
                    for j in 0..<inner { out[j] = input[j] }
                } else {
                    for j in 0..<inner { out[j] = input[j &* innerStride] }
                }
                var axis = outer - 1
                while axis >= 0 {
                    counter[axis] += 1
                    offset += strides[axis]
                    if counter[axis] < shape[axis] { break }
                    offset -= strides[axis] * shape[axis]
                    counter[axis] = 0
                    axis -= 1
                }
            }
        }
    }

    /// Runs the copy for `dtype` and gives string outputs their own copies.
    static func copy(from input: KernelTensor, to output: KernelTensor, strides: [Int], base: Int = 0) throws {
        try Movement.dispatch(input.dtype, StridedCopy(source: input.data, target: output.data, shape: output.shape,
                                                       strides: strides, base: base))
        Movement.ownStrings(output)
    }
}
