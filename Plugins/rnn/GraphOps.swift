import PlexusPluginKit

/// Shorthands for the ops the decomposition and the layers are written with. They live on
/// `OpCaller`, so decompositions and layer forwards share them. (A generic helper other
/// architecture plugins could use as well.)
extension OpCaller {
    /// a + b (broadcasting).
    func add(_ a: KernelTensor, _ b: KernelTensor) throws -> KernelTensor { try call1("Add", [a, b]) }
    /// a − b (broadcasting).
    func sub(_ a: KernelTensor, _ b: KernelTensor) throws -> KernelTensor { try call1("Sub", [a, b]) }
    /// a ⊙ b (broadcasting).
    func mul(_ a: KernelTensor, _ b: KernelTensor) throws -> KernelTensor { try call1("Mul", [a, b]) }
    /// The matrix product a·b.
    func matMul(_ a: KernelTensor, _ b: KernelTensor) throws -> KernelTensor { try call1("MatMul", [a, b]) }

    /// `x` cut into `parts` equal pieces along `axis` (no op when `parts` is 1).
    func split(_ x: KernelTensor, axis: Int, parts: Int) throws -> [KernelTensor] {
        parts == 1 ? [x] : try call("Split", [x], [("axis", .int(axis)), ("num_outputs", .int(parts))], outputCount: parts)
    }

    /// `x` cut into pieces of `sizes` along `axis`.
    func split(_ x: KernelTensor, axis: Int, sizes: [Int]) throws -> [KernelTensor] {
        try call("Split", [x, try int64s(sizes)], [("axis", .int(axis))], outputCount: sizes.count)
    }

    /// `x` cut into `count` equal pieces along `axis` as one Split; or, when piece `skipped` is
    /// not wanted, one Slice per other piece and nil in its place (the Split gradient rule
    /// needs every output of a Split to be consumed).
    func pieces(_ x: KernelTensor, axis: Int, count: Int, skipping skipped: Int?) throws -> [KernelTensor?] {
        guard let skipped else { return try split(x, axis: axis, parts: count) }
        let size = x.shape[axis] / count
        return try (0..<count).map { index in
            index == skipped ? nil : try call1("Slice", [x, try int64s([index * size]), try int64s([(index + 1) * size]), try int64s([axis])])
        }
    }

    /// The tensors joined along `axis` (the tensor itself when there is one).
    func concat(_ tensors: [KernelTensor], axis: Int) throws -> KernelTensor {
        tensors.count == 1 ? tensors[0] : try call1("Concat", tensors, [("axis", .int(axis))])
    }

    /// `x` with its dims permuted.
    func transpose(_ x: KernelTensor, _ perm: [Int]) throws -> KernelTensor { try call1("Transpose", [x], [("perm", .ints(perm))]) }
}
