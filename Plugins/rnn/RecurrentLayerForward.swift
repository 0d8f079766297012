import PlexusPluginKit

/// The forward pass of a stacked RNN/LSTM/GRU layer: each layer is one ONNX op whose W, R and
/// B are assembled from the PyTorch-layout parameters with Split/Concat (so gradients reach
/// them), the layers' outputs feed the next (with dropout between them when training), and the
/// final states of all layers are joined as PyTorch's h_n and c_n.
struct RecurrentLayerForward {
    /// Records the ops and reads the parameters.
    let call: LayerCall
    /// The layer's settings.
    let shape: RecurrentLayerShape

    /// output, then h_n and c_n as far as `outputCount` asks. Inputs: the sequence ([seq, batch,
    /// input], [batch, seq, input] with batch_first, or unbatched [seq, input]), then optional
    /// h0 and c0 ([layers·directions, batch, hidden], or [layers·directions, hidden] unbatched).
    func run(_ inputs: [KernelTensor], outputCount: Int) throws -> [KernelTensor] {
        let name = shape.cell.name
        let input = inputs[0]
        guard input.rank == 2 || input.rank == 3, input.shape.last == shape.inputSize else {
            throw PlexusError(.shapeMismatch, "\(name): input must be [seq, batch, \(shape.inputSize)] (or [seq, \(shape.inputSize)]), got \(input.shape)")
        }
        let batched = input.rank == 3
        var x = batched ? (shape.batchFirst ? try call.transpose(input, [1, 0, 2]) : input) : try call.reshape(input, [input.shape[0], 1, shape.inputSize])
        let (steps, batch, states) = (x.shape[0], x.shape[1], shape.layers * shape.passes)
        let initial = try inputs.dropFirst().map { state -> [KernelTensor] in
            let expected = batched ? [states, batch, shape.hidden] : [states, shape.hidden]
            guard state.shape == expected else {
                throw PlexusError(.shapeMismatch, "\(name): initial states must have shape \(expected), got \(state.shape)")
            }
            return try call.split(try call.reshape(state, [states, batch, shape.hidden]), axis: 0, parts: shape.layers)
        }
        var finals: [[KernelTensor]] = [[], []]
        for layer in 0..<shape.layers {
            let (w, r, b) = try onnxWeights(layer: layer)
            var operands: [KernelTensor?] = [x, w, r, b, nil] + initial.map { $0[layer] }
            while operands.last! == nil { operands.removeLast() }
            let results = try call.call(name, operands, attributes, outputCount: outputCount)
            let y = results[0]  // [seq, directions, batch, hidden]
            // [seq, directions, batch, hidden] → [seq, batch, directions·hidden] without naming the
            // traced sizes (Squeeze, or Reshape with 0 = "copy this dim"), so an exported model
            // keeps a symbolic sequence length and batch.
            x = shape.passes == 1
                ? try call.call1("Squeeze", [y, try call.int64s([1])])
                : try call.call1("Reshape", [try call.transpose(y, [0, 2, 1, 3]), try call.int64s([0, 0, shape.passes * shape.hidden])])
            if layer + 1 < shape.layers && shape.dropout > 0 && call.isTraining { x = try dropout(x) }
            for (index, state) in results.dropFirst().enumerated() { finals[index].append(state) }
        }
        let output = batched ? (shape.batchFirst ? try call.transpose(x, [1, 0, 2]) : x) : try call.reshape(x, [steps, shape.passes * shape.hidden])
        return try [output] + finals.prefix(outputCount - 1).map { layerStates in
            let joined = try call.concat(layerStates, axis: 0)
            return batched ? joined : try call.reshape(joined, [states, shape.hidden])
        }
    }

    /// The ONNX attributes of every layer's op.
    private var attributes: [(String, AttributeValue)] {
        var attributes: [(String, AttributeValue)] = [("hidden_size", .int(shape.hidden)),
                                                      ("direction", .string(shape.passes == 2 ? "bidirectional" : "forward"))]
        switch shape.cell {
        case .simple: attributes.append(("activations", .strings(Array(repeating: shape.nonlinearity.rawValue, count: shape.passes))))
        case .gru: attributes.append(("linear_before_reset", .int(1)))  // PyTorch's n gate
        case .lstm: break
        }
        return attributes
    }

    /// W [directions, gates·hidden, input], R [directions, gates·hidden, hidden] and B
    /// [directions, 2·gates·hidden] of `layer`, gates reordered from PyTorch's layout to ONNX's.
    private func onnxWeights(layer: Int) throws -> (KernelTensor, KernelTensor, KernelTensor?) {
        var w: [KernelTensor] = [], r: [KernelTensor] = [], b: [KernelTensor] = []
        for pass in 0..<shape.passes {
            let suffix = shape.suffix(layer: layer, pass: pass)
            let inputWeights = try call.tensor("weight_ih_\(suffix)")
            w.append(try call.reshape(try reordered(inputWeights), [1] + inputWeights.shape))
            r.append(try call.reshape(try reordered(try call.tensor("weight_hh_\(suffix)")), [1, shape.gateWidth, shape.hidden]))
            if shape.hasBias {
                let biases = try call.concat([try reordered(try call.tensor("bias_ih_\(suffix)")),
                                              try reordered(try call.tensor("bias_hh_\(suffix)"))], axis: 0)
                b.append(try call.reshape(biases, [1, 2 * shape.gateWidth]))
            }
        }
        return (try call.concat(w, axis: 0), try call.concat(r, axis: 0), shape.hasBias ? try call.concat(b, axis: 0) : nil)
    }

    /// `tensor`'s gate blocks (along axis 0) in ONNX order.
    private func reordered(_ tensor: KernelTensor) throws -> KernelTensor {
        let order = shape.cell.pytorchGateOrder
        guard order.count > 1 else { return tensor }
        let gates = try call.split(tensor, axis: 0, parts: order.count)
        return try call.concat(order.map { gates[$0] }, axis: 0)
    }

    /// Dropout between stacked layers (training mode).
    private func dropout(_ x: KernelTensor) throws -> KernelTensor {
        let seed = Int(Int64(bitPattern: call.nextSeed()))
        return try call.call1("Dropout", [x, try call.scalar(shape.dropout, x.dtype), try call.scalar(1, .bool)], [("seed", .int(seed))])
    }
}
