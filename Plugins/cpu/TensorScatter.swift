import PlexusPluginKit

/// TensorScatter (opset 24): a key/value-cache update — a copy of past_cache with, for every
/// batch entry b, the update's positions along `axis` written at write_indices[b] onward
/// (wrapping around the cache length in "circular" mode). Any element type (bytes are copied).
enum TensorScatter {
    /// The schema and kernel (the cache update is not differentiated).
    static var definition: OpDefinition {
        OpDefinition("TensorScatter", since: 24, inputs: 2...3,
                     attributes: [AttributeDeclaration("axis", .int, default: .int(-2)),
                                  AttributeDeclaration("mode", .string, default: .string("linear"))],
                     doc: "writes `update` into a copy of `past_cache` along `axis` at per-batch write indices",
                     infer: Inference.sameAsInput(), compute: compute)
    }

    /// The kernel: the cache seen as [outer, length, inner] around the axis, the batch being the
    /// first dimension of `outer`.
    static func compute(_ context: KernelContext) throws {
        let cache = try context.input(0), update = try context.input(1)
        guard cache.dtype == update.dtype else {
            throw PlexusError(.dtypeMismatch, "TensorScatter: past_cache is \(cache.dtype) but update is \(update.dtype)")
        }
        let mode = try context.attributes.string("mode") ?? "linear"
        guard mode == "linear" || mode == "circular" else { throw PlexusError.invalid("TensorScatter: mode must be linear or circular, got \(mode)") }
        guard cache.rank >= 2 else { throw PlexusError.invalid("TensorScatter: past_cache must have rank 2 or more, got \(cache.rank)") }
        let axis = try normalizedAxis(try context.attributes.int("axis") ?? -2, rank: cache.rank, op: "TensorScatter")
        guard axis > 0 else { throw PlexusError.invalid("TensorScatter: axis must not be the batch axis 0") }
        guard update.rank == cache.rank, (0..<cache.rank).allSatisfy({ $0 == axis ? update.shape[$0] <= cache.shape[$0] : update.shape[$0] == cache.shape[$0] }) else {
            throw PlexusError.invalid("TensorScatter: update \(update.shape) does not fit past_cache \(cache.shape) along axis \(axis)")
        }
        let batch = cache.shape[0], length = cache.shape[axis], steps = update.shape[axis]
        let starts = try context.optionalInput(2).map { try $0.integers() } ?? [Int](repeating: 0, count: batch)
        guard starts.count == batch else { throw PlexusError.invalid("TensorScatter: write_indices must have \(batch) entries, got \(starts.count)") }
        let output = try context.output(0, cache.dtype, cache.shape)
        let elementSize = cache.dtype.elementSize
        output.data.copyMemory(from: cache.data, byteCount: cache.count * elementSize)
        let outer = product(cache.shape, 0..<axis), perBatch = outer / max(batch, 1)
        let block = product(cache.shape, (axis + 1)..<cache.rank) * elementSize
        for slice in 0..<outer {
            let start = starts[slice / perBatch]
            for step in 0..<steps {
                var position = try CheckedSize.add(start, step, "TensorScatter: write index \(start)")
                if mode == "circular" { position = ((position % length) + length) % length }
                guard position >= 0, position < length else {
                    throw PlexusError.invalid("TensorScatter: write position \(position) is outside the cache length \(length)")
                }
                (output.data + (slice * length + position) * block).copyMemory(from: update.data + (slice * steps + step) * block, byteCount: block)
            }
        }
    }
}
