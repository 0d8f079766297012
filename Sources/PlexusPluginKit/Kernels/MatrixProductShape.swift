/// The shapes of a MatMul with numpy semantics (and of a Gemm), shared by every backend's kernel: a 1-D A is a
/// row ([1, k]) and a 1-D B a column ([k, 1]), the dims before the last two broadcast, and the
/// promoted dims are dropped from the result again.
public struct MatrixProductShape {
    /// Rows of A, columns of B, and the inner dimension they share.
    public let m: Int, n: Int, k: Int
    /// The batch dims (all but the last two) of A and of B after promotion.
    public let leftBatch: [Int], rightBatch: [Int]
    private let leftIsVector: Bool, rightIsVector: Bool

    /// Checks ranks and the inner dimension; `op` names the operator in errors.
    public init(_ a: [Int], _ b: [Int], op: String) throws {
        guard !a.isEmpty, !b.isEmpty else { throw PlexusError.invalid("\(op): inputs must have rank >= 1") }
        let left = a.count == 1 ? [1, a[0]] : a, right = b.count == 1 ? [b[0], 1] : b
        m = left[left.count - 2]
        k = left[left.count - 1]
        n = right[right.count - 1]
        guard k == right[right.count - 2] else {
            throw PlexusError(.shapeMismatch, "\(op): inner dimensions differ: A is \(a), B is \(b)")
        }
        leftBatch = Array(left.dropLast(2))
        rightBatch = Array(right.dropLast(2))
        leftIsVector = a.count == 1
        rightIsVector = b.count == 1
    }

    /// The output shape for the broadcast batch shape `batch`.
    public func outputShape(batch: [Int]) -> [Int] {
        var shape = batch + [m, n]
        if rightIsVector { shape.removeLast() }
        if leftIsVector { shape.remove(at: shape.count - (rightIsVector ? 1 : 2)) }
        return shape
    }

    /// Gemm's sizes: A and B must be matrices, op(A) is [m, k] and op(B) is [k, n].
    public static func gemm(_ a: [Int], _ b: [Int], transA: Bool, transB: Bool) throws -> (m: Int, n: Int, k: Int) {
        guard a.count == 2, b.count == 2 else { throw PlexusError.invalid("Gemm: A and B must be matrices, got \(a) and \(b)") }
        let m = transA ? a[1] : a[0], k = transA ? a[0] : a[1]
        let k2 = transB ? b[1] : b[0], n = transB ? b[0] : b[1]
        guard k == k2 else { throw PlexusError(.shapeMismatch, "Gemm: inner dimensions differ: A is \(a), B is \(b)") }
        return (m, n, k)
    }
}
