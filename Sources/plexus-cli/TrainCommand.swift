import ArgumentParser
import PlexusCore

/// `plexus train`: trains a multilayer perceptron on the bundled 8×8 digits, shows progress,
/// reports test accuracy and saves a safetensors checkpoint.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train an MLP on the 8x8 digits data set.")

    @Option(help: "The digits archive (x_train, y_train, x_test, y_test).")
    var data = "data/digits.npz"
    @Option(help: "Training epochs.")
    var epochs = 30
    @Option(help: "Samples per batch.")
    var batchSize = 32
    @Option(help: "Hidden units per layer.")
    var hidden = 128
    @Option(help: "Optimizer: sgd, adam, adamw or rmsprop.")
    var optimizer = "adam"
    @Option(help: "Learning rate.")
    var lr = 0.002
    @Option(help: "Random seed (initialisation, dropout, shuffling).")
    var seed: UInt64 = 0
    @Option(help: "Where to save the trained weights (safetensors).")
    var checkpoint = "digits-mlp.safetensors"
    @Option(help: "Intra-op threads (0 = one per core).")
    var threads = 0

    func run() throws {
        try Parallel.setThreadCount(threads)
        RandomSource.seed(seed)
        let digits = try Digits(path: data)
        let model = try Sequential([
            PluginLayer(type: "Linear", attributes: ["in_features": .int(64), "out_features": .int(Int64(hidden))]),
            PluginLayer(type: "ReLU"),
            PluginLayer(type: "Dropout", attributes: ["p": .float(0.1)]),
            PluginLayer(type: "Linear", attributes: ["in_features": .int(Int64(hidden)), "out_features": .int(Int64(hidden))]),
            PluginLayer(type: "ReLU"),
            PluginLayer(type: "Linear", attributes: ["in_features": .int(Int64(hidden)), "out_features": .int(10)]),
        ])
        let optimizer = try Optimizer.named(optimizer, parameters: model.parameters(), options: ["lr": .float(lr)])
        let schedule = try LearningRateSchedule(optimizer, .cosine(period: epochs, minimum: lr / 20))
        let loader = try DataLoader(digits.train, batchSize: batchSize, shuffle: true, seed: seed)
        print("training a \(64)-\(hidden)-\(hidden)-10 MLP on \(digits.train.count) digits (\(loader.batchCount) batches/epoch, \(self.optimizer), lr \(lr))")
        let start = monotonicSeconds()
        var steps = 0
        for epoch in 0..<epochs {
            model.train()
            let bar = ProgressBar(total: loader.batchCount, label: "epoch \(epoch + 1)/\(epochs)")
            var lossSum = 0.0, correct = 0, seen = 0
            let epochStart = monotonicSeconds()
            for (index, batch) in loader.batches(epoch: epoch).enumerated() {
                optimizer.zeroGrad()
                let logits = try model(batch.inputs)
                let loss = try Loss.crossEntropy(logits, batch.targets)
                try loss.backward()
                try optimizer.step()
                steps += 1
                lossSum += try Double(loss.elements(as: Float.self)[0]) * Double(batch.inputs.shape[0])
                correct += try Digits.correct(logits, batch.targets)
                seen += batch.inputs.shape[0]
                bar.update(index + 1, "loss \(formatted(lossSum / Double(seen), 4))")
            }
            schedule.step()
            let rate = Double(seen) / (monotonicSeconds() - epochStart)
            bar.finish("loss \(formatted(lossSum / Double(seen), 4))  train acc \(formatted(100 * Double(correct) / Double(seen)))%  " +
                       "\(Int(rate)) samples/s")
        }
        let elapsed = monotonicSeconds() - start
        let accuracy = try digits.testAccuracy(model)
        print("test accuracy: \(formatted(100 * accuracy, 2))% (\(digits.test.count) images) after \(formatted(elapsed, 2)) s, " +
              "\(Int(Double(steps) / elapsed)) steps/s")
        try Safetensors.save(model, to: checkpoint, metadata: ["producer": "plexus", "model": "digits-mlp"])
        print("saved \(checkpoint)")
    }
}

/// The digits archive as float32 images scaled to [0, 1] and int64 labels.
struct Digits {
    let train: TensorDataset
    let test: TensorDataset

    init(path: String) throws {
        let arrays = try NpzArchive.read(path)
        func images(_ key: String) throws -> Tensor {
            guard let raw = arrays[key] else { throw PlexusError(.notFound, "\(path) has no array '\(key)'") }
            let scaled = try Ops.call1("Div", [try Ops.call1("Cast", [raw], attributes: ["to": .int(Int64(DType.float32.rawValue))]),
                                               Tensor(scalar: Float(16))])
            return scaled
        }
        func labels(_ key: String) throws -> Tensor {
            guard let raw = arrays[key] else { throw PlexusError(.notFound, "\(path) has no array '\(key)'") }
            return raw
        }
        train = try TensorDataset(inputs: try images("x_train"), targets: try labels("y_train"))
        test = try TensorDataset(inputs: try images("x_test"), targets: try labels("y_test"))
    }

    /// How many rows of `logits` have their maximum at the target class.
    static func correct(_ logits: Tensor, _ targets: Tensor) throws -> Int {
        try withoutGradients {
            let predicted = try Ops.call1("ArgMax", [logits], attributes: ["axis": .int(1), "keepdims": .int(0)])
            let hits = try Ops.call1("Equal", [predicted, targets])
            return try hits.elements(as: Bool.self).filter { $0 }.count
        }
    }

    func testAccuracy(_ model: Module) throws -> Double {
        model.eval()
        defer { model.train() }
        let logits = try withoutGradients { try model(test.inputs) }
        return Double(try Digits.correct(logits, test.targets)) / Double(test.count)
    }
}
