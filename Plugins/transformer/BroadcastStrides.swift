import PlexusPluginKit

/// Reading a smaller tensor as if it were broadcast to a larger shape (numpy's unidirectional
/// broadcasting: dims aligned from the right, each equal or 1), without copying it.
enum BroadcastStrides {
    /// Element strides that read a tensor of `shape` as one of `target`'s shape: the tensor's
    /// own row-major strides, 0 along dims it lacks or has as 1. Throws a shape mismatch that
    /// names `what` when `shape` does not broadcast to `target`.
    static func strides(of shape: [Int], to target: [Int], what: String) throws -> [Int] {
        guard shape.count <= target.count else {
            throw PlexusError(.shapeMismatch, "\(what) has shape \(shape), which does not broadcast to \(target)")
        }
        let own = contiguousStrides(shape), offset = target.count - shape.count
        var strides = [Int](repeating: 0, count: target.count)
        for (index, dim) in shape.enumerated() {
            let targetDim = target[index + offset]
            guard dim == targetDim || dim == 1 else {
                throw PlexusError(.shapeMismatch, "\(what) has shape \(shape), which does not broadcast to \(target)")
            }
            strides[index + offset] = dim == 1 ? 0 : own[index]
        }
        return strides
    }

    /// The element offset of every position of `shape` (row-major order) under `strides`.
    static func offsets(shape: [Int], strides: [Int]) -> [Int] {
        var offsets = [0]
        offsets.reserveCapacity(shape.reduce(1, *))
        for (dim, stride) in zip(shape, strides) {
            offsets = offsets.flatMap { base in (0..<dim).map { base + $0 * stride } }
        }
        return offsets
    }
}
