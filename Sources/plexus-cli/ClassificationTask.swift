import PlexusCore

/// A classification data set: the model's output is class scores along the last dim (any
/// leading dims, e.g. [batch, classes] or [batch, positions, classes]) and the targets are
/// class indices with the leading dims.
struct ClassificationTask {
    let name: String
    /// What a test item is called in reports ("images", "tokens").
    let unit: String
    let train: TensorDataset
    let test: TensorDataset
    let classes: Int

    /// Scores flattened to [items, classes] and targets to [items].
    private func flattened(_ output: Tensor, _ targets: Tensor) throws -> (Tensor, Tensor) {
        let items = targets.count
        let scores = try Ops.call1("Reshape", [output, try Tensor([Int64(items), Int64(classes)], shape: [2])])
        return (scores, try targets.reshaped([items]))
    }

    /// Mean cross-entropy over all items.
    func loss(_ output: Tensor, _ targets: Tensor) throws -> Tensor {
        let (scores, labels) = try flattened(output, targets)
        return try Loss.crossEntropy(scores, labels)
    }

    /// How many items have their highest score at the target class, of how many.
    func hits(_ output: Tensor, _ targets: Tensor) throws -> (correct: Int, total: Int) {
        try withoutGradients {
            let (scores, labels) = try flattened(output, targets)
            let predicted = try Ops.call1("ArgMax", [scores], attributes: ["axis": .int(1), "keepdims": .int(0)])
            let matches = try Ops.call1("Equal", [predicted, labels]).elements(as: Bool.self)
            return (matches.filter { $0 }.count, matches.count)
        }
    }

    /// Accuracy on the test set, in evaluation mode.
    func accuracy(_ model: Module) throws -> Double {
        model.eval()
        defer { model.train() }
        let output = try withoutGradients { try model(test.inputs) }
        let result = try hits(output, test.targets)
        return Double(result.correct) / Double(max(result.total, 1))
    }

    /// The bundled digits, images scaled to [0, 1] and shaped `imageShape` per sample
    /// ([64] for an MLP, [1, 8, 8] for a CNN, [8, 8] rows-as-steps for an LSTM).
    static func digits(path: String, imageShape: [Int]) throws -> ClassificationTask {
        let arrays = try NpzArchive.read(path)
        func array(_ key: String) throws -> Tensor {
            guard let value = arrays[key] else { throw PlexusError(.notFound, "\(path) has no array '\(key)'") }
            return value
        }
        func images(_ key: String) throws -> Tensor {
            let raw = try array(key)
            guard raw.rank >= 1 else { throw PlexusError.invalid("\(path): '\(key)' must have one row per sample, got a 0-d array") }
            let scaled = try Ops.call1("Div", [try Ops.call1("Cast", [raw], attributes: ["to": .int(Int64(DType.float32.rawValue))]),
                                               Tensor(scalar: Float(16))])
            return try scaled.reshaped([raw.shape[0]] + imageShape)
        }
        func dataset(_ split: String) throws -> TensorDataset {
            let (inputs, targets) = (try images("x_\(split)"), try array("y_\(split)"))
            do { return try TensorDataset(inputs: inputs, targets: try labels(targets, "y_\(split)")) } catch let error as PlexusError {
                throw PlexusError(error.code, "\(path): x_\(split) and y_\(split): \(error.message)")
            }
        }
        // Every split's labels are checked up front: a bad test label would otherwise never reach
        // the loss (which refuses bad training labels) and just score as a miss.
        func labels(_ targets: Tensor, _ key: String) throws -> Tensor {
            guard targets.dtype.isInteger else {
                throw PlexusError(.dtypeMismatch, "targets '\(key)' must be integer class indices, got \(targets.dtype)")
            }
            let values = try Ops.call1("Cast", [targets], attributes: ["to": .int(Int64(DType.int64.rawValue))]).elements(as: Int64.self)
            if let bad = values.firstIndex(where: { $0 < 0 || $0 >= 10 }) {
                throw PlexusError.invalid("label \(values[bad]) at \(key)[\(bad)] is not a class in 0..<10")
            }
            return targets
        }
        return ClassificationTask(name: "the 8x8 digits", unit: "images", train: try dataset("train"), test: try dataset("test"),
                                  classes: 10)
    }

    /// Reversing random token sequences: input tokens [n, length] in 0..<vocabulary, target the
    /// same sequence reversed; every position is one item.
    static func reversal(length: Int = 8, vocabulary: Int = 10, trainCount: Int = 4000, testCount: Int = 500,
                         seed: UInt64) throws -> ClassificationTask {
        var state = seed &+ 0x5EED
        func split(_ count: Int) throws -> TensorDataset {
            let tokens = (0..<(count * length)).map { _ in Int64(SplitMix64.advance(&state) % UInt64(vocabulary)) }
            let reversed = (0..<count).flatMap { row in tokens[(row * length)..<((row + 1) * length)].reversed() }
            return try TensorDataset(inputs: try Tensor(tokens, shape: [count, length]), targets: try Tensor(reversed, shape: [count, length]))
        }
        return ClassificationTask(name: "reversing \(length)-token sequences", unit: "sequences, scored per token",
                                  train: try split(trainCount), test: try split(testCount), classes: vocabulary)
    }
}
