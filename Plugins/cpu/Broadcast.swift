import PlexusPluginKit

/// numpy broadcasting of several inputs: the output shape, and a walk over the output in runs
/// along the innermost (collapsed) dimension, giving each input's offset and stride for the run.
struct Broadcast {
    /// The broadcast output shape.
    let shape: [Int]
    /// Output element count.
    let count: Int
    /// Collapsed dimensions (adjacent dims merged where every input allows it, then a very long
    /// innermost one cut in two: see `longestRun`).
    private let dims: [Int]
    /// Per input, the element stride for each collapsed dim (0 where broadcast).
    private let strides: [[Int]]

    /// The broadcast shape of `shapes`, or a shape-mismatch error naming them.
    static func shape(of shapes: [[Int]], op: String) throws -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            for (index, dim) in shape.enumerated() {
                let position = rank - shape.count + index
                let current = result[position]
                if current == dim || dim == 1 { continue }
                if current == 1 { result[position] = dim; continue }
                throw PlexusError(.shapeMismatch, "\(op): shapes \(shapes.map { "\($0)" }.joined(separator: " and ")) cannot be broadcast together")
            }
        }
        return result
    }

    init(_ shapes: [[Int]], op: String) throws {
        shape = try Broadcast.shape(of: shapes, op: op)
        count = shape.reduce(1, *)
        let rank = shape.count
        // Per-input strides in the output's index space.
        let full: [[Int]] = shapes.map { input in
            let padded = [Int](repeating: 1, count: rank - input.count) + input
            let own = contiguousStrides(padded)
            return (0..<rank).map { padded[$0] == 1 ? 0 : own[$0] }
        }
        // Merge dim i into dim i+1 when, for every input, stride[i] == stride[i+1] * dim[i+1].
        let outputShape = shape
        var dims: [Int] = []
        var strides: [[Int]] = Array(repeating: [], count: shapes.count)
        for axis in 0..<rank where outputShape[axis] != 1 {
            let dim = outputShape[axis]
            let mergeable = !dims.isEmpty && (0..<shapes.count).allSatisfy { strides[$0].last! == full[$0][axis] * dim }
            if mergeable {
                dims[dims.count - 1] *= dim
                for input in 0..<shapes.count { strides[input][strides[input].count - 1] = full[input][axis] }
            } else {
                dims.append(dim)
                for input in 0..<shapes.count { strides[input].append(full[input][axis]) }
            }
        }
        if dims.isEmpty {
            dims = [1]
            strides = strides.map { _ in [0] }
        }
        // A long innermost dim (same-shape inputs collapse to one) is walked as runs of a
        // divisor of it, so that its runs can be spread over threads.
        if let length = dims.last, length > Broadcast.longestRun,
           let run = stride(from: Broadcast.longestRun, through: Broadcast.longestRun / 4, by: -16).first(where: { length % $0 == 0 }) {
            dims[dims.count - 1] = length / run
            dims.append(run)
            for input in 0..<strides.count { strides[input].append(strides[input].last!); strides[input][strides[input].count - 2] *= run }
        }
        self.dims = dims
        self.strides = strides
    }

    /// Runs longer than this are cut (when a divisor allows): 64 KB of float32.
    static let longestRun = 16_384

    /// Length of each run (the innermost collapsed dim).
    var runLength: Int { dims.last! }
    /// Number of runs.
    var runCount: Int { count == 0 ? 0 : count / runLength }
    /// Stride of input `index` within a run.
    func innerStride(_ index: Int) -> Int { strides[index].last! }

    /// Calls `body(offsets, outputOffset)` for each run in `runs`, where `offsets[i]` is input
    /// i's element offset at the start of the run.
    @inline(__always)
    func forEachRun(_ runs: Range<Int>, _ body: (UnsafeMutableBufferPointer<Int>, Int) -> Void) {
        let outer = dims.count - 1
        let inputs = strides.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(outer, 1)) { counter in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: max(inputs, 1)) { offsets in
                // Position the counter at run `runs.lowerBound`.
                var remainder = runs.lowerBound
                for axis in stride(from: outer - 1, through: 0, by: -1) {
                    counter[axis] = remainder % dims[axis]
                    remainder /= dims[axis]
                }
                for input in 0..<inputs {
                    var offset = 0
                    for axis in 0..<outer { offset += counter[axis] * strides[input][axis] }
                    offsets[input] = offset
                }
                for run in runs {
                    body(offsets, run * runLength)
                    // Advance the counter (odometer) and the offsets.
                    var axis = outer - 1
                    while axis >= 0 {
                        counter[axis] += 1
                        for input in 0..<inputs { offsets[input] += strides[input][axis] }
                        if counter[axis] < dims[axis] { break }
                        for input in 0..<inputs { offsets[input] -= strides[input][axis] * dims[axis] }
                        counter[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }

    /// Runs `forEachRun` over all runs, split across threads when the output is large.
    @inline(__always)
    func parallelRuns(_ body: (UnsafeMutableBufferPointer<Int>, Int) -> Void) {
        let grain = max(1, 32_768 / max(runLength, 1))
        Host.parallelFor(runCount, grain: grain) { runs in forEachRun(runs, body) }
    }
}

/// Applies `f` elementwise over two broadcast inputs into `out`.
@inline(__always)
func broadcastBinary<A, B, R>(_ plan: Broadcast, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ out: UnsafeMutablePointer<R>,
                              _ f: (A, B) -> R) {
    let n = plan.runLength, sa = plan.innerStride(0), sb = plan.innerStride(1)
    plan.parallelRuns { offsets, o in
        let pa = a + offsets[0], pb = b + offsets[1], po = out + o
        if sa == 1 && sb == 1 {
            for i in 0..<n { po[i] = f(pa[i], pb[i]) }
        } else if sa == 0 && sb == 1 {
            let x = pa[0]
            for i in 0..<n { po[i] = f(x, pb[i]) }
        } else if sa == 1 && sb == 0 {
            let y = pb[0]
            for i in 0..<n { po[i] = f(pa[i], y) }
        } else {
            for i in 0..<n { po[i] = f(pa[i &* sa], pb[i &* sb]) }
        }
    }
}

/// Applies `f` elementwise over three broadcast inputs into `out`.
@inline(__always)
func broadcastTernary<A, B, C, R>(_ plan: Broadcast, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ c: UnsafePointer<C>,
                                  _ out: UnsafeMutablePointer<R>, _ f: (A, B, C) -> R) {
    let n = plan.runLength, sa = plan.innerStride(0), sb = plan.innerStride(1), sc = plan.innerStride(2)
    plan.parallelRuns { offsets, o in
        let pa = a + offsets[0], pb = b + offsets[1], pc = c + offsets[2], po = out + o
        for i in 0..<n { po[i] = f(pa[i &* sa], pb[i &* sb], pc[i &* sc]) }
    }
}
