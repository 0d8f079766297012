#if canImport(Glibc)
import Glibc
#endif
import PlexusPluginKit

/// Token and position embeddings: Embedding (PyTorch's nn.Embedding), PositionalEncoding (the
/// fixed sinusoidal table of "Attention Is All You Need") and LearnedPositionalEmbedding (a
/// trained table of positions).
enum EmbeddingLayers {
    /// The three layer types.
    static var all: [LayerDefinition] { [embedding, positionalEncoding, learnedPositionalEmbedding] }

    /// Rows of `weight` [num_embeddings, embedding_dim] (normal(0, 1), as PyTorch) picked by
    /// integer indices; output `indices.shape + [embedding_dim]`. With `padding_idx` (negative
    /// counts from the end) that row starts at zero and receives no gradient.
    static var embedding: LayerDefinition { LayerDefinition(
        "Embedding",
        attributes: [.required("num_embeddings", .int), .required("embedding_dim", .int), AttributeDeclaration("padding_idx", .int),
                     LayerBuilding.dtypeAttribute],
        doc: "lookup table of embedding vectors",
        create: { builder, attributes in
            let layer = "Embedding"
            let count = try LayerBuilding.positive(attributes, "num_embeddings", layer: layer)
            let size = try LayerBuilding.positive(attributes, "embedding_dim", layer: layer)
            let weight = try builder.parameter("weight", try LayerBuilding.dtype(attributes, layer: layer), [count, size],
                                               .normal(mean: 0, std: 1))
            guard let given = try attributes.int("padding_idx") else { return LayerState<Int?>(nil) }
            guard (-count..<count).contains(given) else {
                throw PlexusError.invalid("\(layer): padding_idx \(given) is out of range for num_embeddings \(count)")
            }
            let padding = given < 0 ? given + count : given
            let rowBytes = size * weight.dtype.elementSize
            (weight.data + padding * rowBytes).initializeMemory(as: UInt8.self, repeating: 0, count: rowBytes)
            return LayerState<Int?>(padding)
        },
        forward: { call, inputs in
            let indices = inputs[0], weight = try call.tensor("weight")
            guard DTypes.indices.contains(indices.dtype) else {
                throw PlexusError(.dtypeMismatch, "Embedding: indices must be int64 or int32, got \(indices.dtype)")
            }
            if let bad = try indices.integers().first(where: { !(0..<weight.shape[0]).contains($0) }) {
                throw PlexusError.invalid("Embedding: index \(bad) is out of range for num_embeddings \(weight.shape[0])")
            }
            let embedded = try call.call1("Gather", [weight, indices], [("axis", .int(0))])
            guard let padding = try call.configuration(Int?.self) else { return [embedded] }
            // The padding row as a constant: its value comes out unchanged but no gradient reaches it.
            let size = weight.shape[1]
            let row = try call.zeros(weight.dtype, [size])
            row.data.copyMemory(from: weight.data + padding * size * weight.dtype.elementSize, byteCount: size * weight.dtype.elementSize)
            let isPadding = try call.call1("Equal", [try call.cast(indices, to: .int64), try call.scalar(Double(padding), .int64)])
            return [try call.call1("Where", [try call.reshape(isPadding, indices.shape + [1]), row, embedded])]
        }) }

    /// Adds the sinusoidal table pe[pos, 2i] = sin(pos/10000^(2i/d)), pe[pos, 2i+1] =
    /// cos(pos/10000^(2i/d)) to x `[sequence, batch, d_model]` (`[batch, sequence, d_model]` with
    /// batch_first, or unbatched `[sequence, d_model]`), then dropout. The table is the buffer
    /// `pe` [max_len, d_model]; there are no parameters.
    static var positionalEncoding: LayerDefinition { LayerDefinition(
        "PositionalEncoding",
        attributes: [.required("d_model", .int), AttributeDeclaration("max_len", .int, default: .int(5000)),
                     AttributeDeclaration("dropout", .float, default: .float(0)), AttributeDeclaration("batch_first", .int, default: .int(0)),
                     LayerBuilding.dtypeAttribute],
        doc: "adds sinusoidal position encodings",
        create: { builder, attributes in
            let layer = "PositionalEncoding"
            let size = try LayerBuilding.positive(attributes, "d_model", layer: layer)
            let length = try LayerBuilding.positive(attributes, "max_len", layer: layer)
            let table = try builder.buffer("pe", try LayerBuilding.dtype(attributes, layer: layer), [length, size], .zeros)
            for position in 0..<length {
                for index in 0..<size {
                    let angle = Double(position) / pow(10000, Double(index - index % 2) / Double(size))
                    let value = index % 2 == 0 ? sin(angle) : cos(angle)
                    if table.dtype == .float64 { table.pointer(as: Double.self)[position * size + index] = value }
                    else { table.pointer(as: Float.self)[position * size + index] = Float(value) }
                }
            }
            return LayerState(Positions(dropout: try LayerBuilding.probability(attributes, "dropout", layer: layer),
                                        batchFirst: try attributes.int("batch_first") == 1, layer: layer))
        },
        forward: { call, inputs in
            let positions = try call.configuration(Positions.self)
            return [try call.dropout(try positions.add(call, try call.tensor("pe"), to: inputs[0]), positions.dropout)]
        }) }

    /// Adds rows of the trained table `weight` [max_len, d_model] (normal(0, 1), as
    /// nn.Embedding) to x, positions along the sequence dim as for PositionalEncoding.
    static var learnedPositionalEmbedding: LayerDefinition { LayerDefinition(
        "LearnedPositionalEmbedding",
        attributes: [.required("max_len", .int), .required("d_model", .int), AttributeDeclaration("batch_first", .int, default: .int(0)),
                     LayerBuilding.dtypeAttribute],
        doc: "adds trained position embeddings",
        create: { builder, attributes in
            let layer = "LearnedPositionalEmbedding"
            let length = try LayerBuilding.positive(attributes, "max_len", layer: layer)
            let size = try LayerBuilding.positive(attributes, "d_model", layer: layer)
            try builder.parameter("weight", try LayerBuilding.dtype(attributes, layer: layer), [length, size], .normal(mean: 0, std: 1))
            return LayerState(Positions(dropout: 0, batchFirst: try attributes.int("batch_first") == 1, layer: layer))
        },
        forward: { call, inputs in
            [try call.configuration(Positions.self).add(call, try call.tensor("weight"), to: inputs[0])]
        }) }

    /// How a position table meets the input.
    struct Positions {
        let dropout: Double
        let batchFirst: Bool
        let layer: String

        /// x + table[:sequence], broadcast over the batch.
        func add(_ call: LayerCall, _ table: KernelTensor, to x: KernelTensor) throws -> KernelTensor {
            let (length, size) = (table.shape[0], table.shape[1])
            guard x.rank == 2 || x.rank == 3, x.shape.last == size else {
                throw PlexusError(.shapeMismatch, "\(layer): input \(x.shape) must be [sequence, (batch,) \(size)]")
            }
            let sequence = x.rank == 3 && batchFirst ? x.shape[1] : x.shape[0]
            try LayerBuilding.requireDType(x, table.dtype, name: "the input", layer: layer)
            guard sequence <= length else {
                throw PlexusError.invalid("\(layer): sequence length \(sequence) exceeds max_len \(length)")
            }
            let rows = try call.call1("Slice", [table, try call.int64s([0]), try call.int64s([sequence]), try call.int64s([0])])
            let shape = x.rank == 2 ? [sequence, size] : batchFirst ? [1, sequence, size] : [sequence, 1, size]
            return try call.add(x, try call.reshape(rows, shape))
        }
    }
}
