import ArgumentParser
import PlexusCore
import PlexusONNX

/// `plexus train`: trains a model (MLP, CNN or LSTM on the bundled 8×8 digits; a Transformer on
/// reversing token sequences), shows progress, reports test accuracy and saves a safetensors
/// checkpoint.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model: mlp, cnn or lstm on the 8x8 digits, or transformer on sequence reversal.")

    @Option(help: "Model: mlp, cnn, lstm (digits) or transformer (reversing sequences).")
    var model = "mlp"
    @Option(help: "The digits archive (x_train, y_train, x_test, y_test).")
    var data = "data/digits.npz"
    @Option(help: "Training epochs (default: 30 for mlp, 20 for cnn, 20 for lstm, 15 for transformer).")
    var epochs: Int?
    @Option(help: "Samples per batch.")
    var batchSize = 32
    @Option(help: "Hidden units (mlp, lstm) or model width (transformer).")
    var hidden: Int?
    @Option(help: "Optimizer: sgd, adam, adamw or rmsprop.")
    var optimizer = "adam"
    @Option(help: "Learning rate.")
    var lr = 0.002
    @Option(help: "Random seed (initialisation, dropout, shuffling).")
    var seed: UInt64 = 0
    @Option(help: "Where to save the trained weights (safetensors); default <model>.safetensors.")
    var checkpoint: String?
    @Option(help: "Intra-op threads (0 = one per core).")
    var threads = 0
    @Option(help: "Also export the trained model to this ONNX file (batch dimension symbolic).")
    var export: String?
    @Option(help: "ONNX opset for --export.")
    var opset = 17

    /// Refuses option values that would train nothing or trap (`0..<epochs` with a negative
    /// count) while still reporting success.
    func validate() throws {
        if let epochs, epochs <= 0 { throw ValidationError("--epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        if let hidden, hidden <= 0 { throw ValidationError("--hidden must be positive, got \(hidden)") }
        guard lr.isFinite, lr > 0 else { throw ValidationError("--lr must be a positive finite number, got \(lr)") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (one per core) or positive, got \(threads)") }
    }

    func run() throws {
        try Parallel.setThreadCount(threads)
        RandomSource.seed(seed)
        guard let recipe = Recipe.all[model] else {
            throw ValidationError("unknown model '\(model)' (known: \(Recipe.all.keys.sorted().joined(separator: ", ")))")
        }
        let task = try recipe.task(data, seed)
        guard task.train.count > 0, task.test.count > 0 else {
            throw ValidationError("\(data) has \(task.train.count) training and \(task.test.count) test samples; both must be at least 1")
        }
        let width = hidden ?? recipe.defaultWidth
        let network = try recipe.build(width)
        let epochs = self.epochs ?? recipe.defaultEpochs
        let optimizer = try Optimizer.named(optimizer, parameters: network.parameters(), options: ["lr": .float(lr)])
        let schedule = try LearningRateSchedule(optimizer, .cosine(period: epochs, minimum: lr / 20))
        let loader = try DataLoader(task.train, batchSize: batchSize, shuffle: true, seed: seed)
        print("training \(recipe.describe(width)) on \(task.name): \(task.train.count) samples, " +
              "\(loader.batchCount) batches/epoch, \(self.optimizer), lr \(lr)")
        let report = try Trainer(model: network, task: task, optimizer: optimizer, schedule: schedule, loader: loader).fit(epochs: epochs)
        let accuracy = try task.accuracy(network)
        print("test accuracy: \(formatted(100 * accuracy, 2))% (\(task.test.count) \(task.unit)) after \(formatted(report.seconds, 2)) s, " +
              "\(Int(Double(report.steps) / report.seconds)) steps/s")
        let path = checkpoint ?? "\(model).safetensors"
        try Safetensors.save(network, to: path, metadata: ["producer": "plexus", "model": model])
        print("saved \(path)")
        if let export {
            let example = try task.test.batch(Array(0..<min(4, task.test.count))).inputs
            try ONNXExport.write(network, inputs: [example], to: export,
                                 options: ONNXExport.Options(opset: opset, inputNames: ["input"], outputNames: ["output"],
                                                             dynamicAxes: ["input": [0: "batch"], "output": [0: "batch"]]),
                                 version: "plexus-cli")
            print("exported \(export) (ONNX opset \(opset))")
        }
    }
}
