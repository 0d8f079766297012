import PlexusCore

/// A model `plexus train` knows how to build, with the task it trains on and its defaults.
struct Recipe: Sendable {
    let defaultWidth: Int
    let defaultEpochs: Int
    let task: @Sendable (_ data: String, _ seed: UInt64) throws -> ClassificationTask
    let build: @Sendable (_ width: Int) throws -> Module
    let describe: @Sendable (_ width: Int) -> String

    static let all: [String: Recipe] = ["mlp": mlp, "cnn": cnn, "lstm": lstm, "transformer": transformer]

    static func layer(_ type: String, _ attributes: Attributes = Attributes()) throws -> PluginLayer {
        try PluginLayer(type: type, attributes: attributes)
    }

    static let mlp = Recipe(
        defaultWidth: 128, defaultEpochs: 30,
        task: { data, _ in try .digits(path: data, imageShape: [64]) },
        build: { width in
            try Sequential([
                layer("Linear", ["in_features": .int(64), "out_features": .int(Int64(width))]), layer("ReLU"),
                layer("Dropout", ["p": .float(0.1)]),
                layer("Linear", ["in_features": .int(Int64(width)), "out_features": .int(Int64(width))]), layer("ReLU"),
                layer("Linear", ["in_features": .int(Int64(width)), "out_features": .int(10)]),
            ])
        },
        describe: { "a 64-\($0)-\($0)-10 MLP" })

    static let cnn = Recipe(
        defaultWidth: 16, defaultEpochs: 20,
        task: { data, _ in try .digits(path: data, imageShape: [1, 8, 8]) },
        build: { width in
            try Sequential([
                layer("Conv2d", ["in_channels": .int(1), "out_channels": .int(Int64(width)), "kernel_size": .int(3), "padding": .int(1)]),
                layer("ReLU"), layer("MaxPool2d", ["kernel_size": .int(2)]),
                layer("Conv2d", ["in_channels": .int(Int64(width)), "out_channels": .int(Int64(2 * width)), "kernel_size": .int(3),
                                 "padding": .int(1)]),
                layer("ReLU"), layer("MaxPool2d", ["kernel_size": .int(2)]), layer("Flatten"),
                layer("Linear", ["in_features": .int(Int64(2 * width * 4)), "out_features": .int(10)]),
            ])
        },
        describe: { "a CNN (conv \($0)-\(2 * $0), max-pooling, linear)" })

    static let lstm = Recipe(
        defaultWidth: 64, defaultEpochs: 20,
        task: { data, _ in try .digits(path: data, imageShape: [8, 8]) },
        build: { width in
            try Sequential([
                layer("LSTM", ["input_size": .int(8), "hidden_size": .int(Int64(width)), "batch_first": .int(1)]),
                LastStep(),
                layer("Linear", ["in_features": .int(Int64(width)), "out_features": .int(10)]),
            ])
        },
        describe: { "an LSTM (\($0) hidden) reading the 8 image rows as a sequence" })

    static let transformer = Recipe(
        defaultWidth: 32, defaultEpochs: 15,
        task: { _, seed in try .reversal(seed: seed) },
        build: { width in
            let encoder: Attributes = ["d_model": .int(Int64(width)), "nhead": .int(2), "dim_feedforward": .int(Int64(2 * width)),
                                       "dropout": .float(0), "batch_first": .int(1)]
            return try Sequential([
                layer("Embedding", ["num_embeddings": .int(10), "embedding_dim": .int(Int64(width))]),
                layer("PositionalEncoding", ["d_model": .int(Int64(width)), "max_len": .int(64), "batch_first": .int(1)]),
                layer("TransformerEncoderLayer", encoder), layer("TransformerEncoderLayer", encoder),
                layer("Linear", ["in_features": .int(Int64(width)), "out_features": .int(10)]),
            ])
        },
        describe: { "a 2-layer Transformer encoder (d_model \($0), 2 heads)" })
}

/// Keeps the last step of a [batch, steps, features] sequence: [batch, features].
final class LastStep: Module {
    override func forward(_ inputs: [Tensor]) throws -> [Tensor] {
        [try Ops.call1("Gather", [inputs[0], try Tensor([Int64(-1)], shape: [])], attributes: ["axis": .int(1)])]
    }
}
