import PlexusPluginKit

/// im2col and its adjoint col2im, one channel of one batch item at a time.
///
/// The columns matrix of a channel has one row per window tap (a, b, e) — row
/// `(a·kh + b)·kw + e` — and one column per output position `(od·OH + oh)·OW + ow`; the element
/// is the input value that tap reads for that output (zero where it reads padding). A
/// convolution is then a matrix product with the filters, and its adjoint folds columns back.
enum Unfolding {
    /// Calls `body(row, column, imageIndex, count)` for every run of `count` consecutive output
    /// columns of one tap row whose input reads start at `imageIndex` and advance by the width
    /// stride. Only reads inside the input are visited; padding is skipped.
    @inline(__always)
    static func forEachRun(_ volume: WindowVolume, _ body: (_ row: Int, _ column: Int, _ image: Int, _ count: Int) -> Void) {
        let (depth, height, width) = (volume.depth, volume.height, volume.width)
        var row = 0
        for a in 0..<depth.kernel {
            let depthOutputs = depth.validOutputs(tap: a), depthShift = depth.shift(tap: a)
            for b in 0..<height.kernel {
                let heightOutputs = height.validOutputs(tap: b), heightShift = height.shift(tap: b)
                for e in 0..<width.kernel {
                    let widthOutputs = width.validOutputs(tap: e), widthShift = width.shift(tap: e)
                    if !widthOutputs.isEmpty {
                        for od in depthOutputs {
                            let id = od &* depth.stride &+ depthShift
                            for oh in heightOutputs {
                                let ih = oh &* height.stride &+ heightShift
                                let column = (od &* height.output &+ oh) &* width.output &+ widthOutputs.lowerBound
                                let image = (id &* height.input &+ ih) &* width.input &+ widthOutputs.lowerBound &* width.stride &+ widthShift
                                body(row, column, image, widthOutputs.count)
                            }
                        }
                    }
                    row &+= 1
                }
            }
        }
    }

    /// Writes the columns of one input channel `plane` into `rows` (the channel's first row at
    /// this item's first column; rows are `rowLength` apart). Padding entries are not written:
    /// the matrix must start zeroed.
    static func unfold<T>(_ plane: UnsafePointer<T>, _ volume: WindowVolume, into rows: UnsafeMutablePointer<T>, rowLength: Int) {
        let step = volume.width.stride
        forEachRun(volume) { row, column, image, count in
            let target = rows + (row &* rowLength &+ column), source = plane + image
            if step == 1 {
                target.update(from: source, count: count)
            } else {
                for i in 0..<count { target[i] = source[i &* step] }
            }
        }
    }

    /// The adjoint of `unfold`: adds each column entry of `rows` to the input element it was
    /// read from in `plane`.
    static func fold<T: CPUFloat>(_ rows: UnsafePointer<T>, rowLength: Int, _ volume: WindowVolume, into plane: UnsafeMutablePointer<T>) {
        let step = volume.width.stride
        forEachRun(volume) { row, column, image, count in
            let source = rows + (row &* rowLength &+ column), target = plane + image
            for i in 0..<count { target[i &* step] += source[i] }
        }
    }
}
