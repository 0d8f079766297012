/// Inputs and targets with the same first dimension: sample i is row i of both.
public struct TensorDataset: Sendable {
    /// Inputs, one sample per row of the first dimension.
    public let inputs: Tensor
    /// Targets, one per sample.
    public let targets: Tensor

    /// Pairs `inputs` and `targets`; their first dimensions must agree.
    public init(inputs: Tensor, targets: Tensor) throws {
        guard inputs.rank >= 1, targets.rank >= 1, inputs.shape[0] == targets.shape[0] else {
            throw PlexusError(.shapeMismatch, "inputs \(inputs.shape) and targets \(targets.shape) need the same first dimension")
        }
        self.inputs = inputs
        self.targets = targets
    }

    /// Number of samples.
    public var count: Int { inputs.shape[0] }

    /// The samples at `indices`, stacked into new tensors; throws for an index outside
    /// `0..<count` or a failed allocation.
    public func batch(_ indices: [Int]) throws -> (inputs: Tensor, targets: Tensor) {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw PlexusError.invalid("sample index \(bad) is outside the dataset's \(count) samples")
        }
        return (try rows(of: inputs, indices), try rows(of: targets, indices))
    }

    private func rows(of tensor: Tensor, _ indices: [Int]) throws -> Tensor {
        let rowBytes = tensor.count / max(tensor.shape[0], 1) * tensor.dtype.elementSize
        let result = try Tensor(dtype: tensor.dtype, shape: [indices.count] + tensor.shape.dropFirst(), zeroed: false)
        for (position, index) in indices.enumerated() {
            (result.data + position * rowBytes).copyMemory(from: tensor.data + index * rowBytes, byteCount: rowBytes)
        }
        return result
    }
}

/// Batches of a dataset, optionally shuffled with a seeded permutation per epoch.
public struct DataLoader: Sendable {
    /// The samples.
    public let dataset: TensorDataset
    /// Samples per batch.
    public let batchSize: Int
    /// Whether each epoch visits the samples in a new seeded order.
    public let shuffle: Bool
    /// Whether a last, smaller batch is dropped.
    public let dropLast: Bool
    /// Seed of the shuffling permutations.
    public let seed: UInt64

    /// A loader over `dataset`; throws for a non-positive batch size or string data.
    public init(_ dataset: TensorDataset, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false, seed: UInt64 = 0) throws {
        guard batchSize > 0 else { throw PlexusError.invalid("batch size must be positive") }
        guard dataset.inputs.dtype != .string, dataset.targets.dtype != .string else {
            throw PlexusError(.unsupported, "string datasets cannot be batched")
        }
        (self.dataset, self.batchSize, self.shuffle, self.dropLast, self.seed) = (dataset, batchSize, shuffle, dropLast, seed)
    }

    /// Number of batches per epoch.
    public var batchCount: Int {
        dataset.count / batchSize + (dropLast || dataset.count % batchSize == 0 ? 0 : 1)  // no overflow for a huge batch size
    }

    /// The batches of epoch `epoch` (the permutation depends on the seed and the epoch).
    public func batches(epoch: Int = 0) throws -> [(inputs: Tensor, targets: Tensor)] {
        var order = Array(0..<dataset.count)
        if shuffle {
            var state = seed &+ UInt64(truncatingIfNeeded: epoch) &* 0x2545_F491_4F6C_DD1D
            for index in stride(from: order.count - 1, to: 0, by: -1) {
                let other = Int(SplitMix64.advance(&state) % UInt64(index + 1))
                order.swapAt(index, other)
            }
        }
        return try (0..<batchCount).map { batch in
            try dataset.batch(Array(order[(batch * batchSize)..<min((batch + 1) * batchSize, order.count)]))
        }
    }
}
