import PlexusPluginKit

/// What the transformer layers share: the `dtype` constructor attribute, PyTorch's default
/// Linear initialisation, and the ops a forward is assembled from (linear maps, dropout,
/// activations, optional inputs).
enum LayerBuilding {
    /// The `dtype` attribute every layer with parameters takes (ONNX dtype number; float32
    /// default, float64 for gradient checks and double-precision work).
    static var dtypeAttribute: AttributeDeclaration { AttributeDeclaration("dtype", .int, default: .int(Int(DType.float32.rawValue))) }

    /// The parameter dtype a layer was asked for.
    static func dtype(_ attributes: AttributeReader, layer: String) throws -> DType {
        let value = try attributes.int("dtype") ?? Int(DType.float32.rawValue)
        guard let dtype = DType(rawValue: Int32(value)), DTypes.floats.contains(dtype) else {
            throw PlexusError.invalid("\(layer): dtype must be float32 (1) or float64 (11), got \(value)")
        }
        return dtype
    }

    /// A required positive integer attribute.
    static func positive(_ attributes: AttributeReader, _ name: String, layer: String) throws -> Int {
        guard let value = try attributes.int(name), value > 0 else {
            throw PlexusError.invalid("\(layer): \(name) must be a positive integer")
        }
        return value
    }

    /// A probability attribute in [0, 1).
    static func probability(_ attributes: AttributeReader, _ name: String, layer: String) throws -> Double {
        let p = try attributes.float(name) ?? 0
        guard p >= 0 && p < 1 else { throw PlexusError.invalid("\(layer): \(name) must be in [0, 1), got \(p)") }
        return p
    }

    /// Throws unless `input` has the layer's parameter dtype (op calls would fail less clearly).
    static func requireDType(_ input: KernelTensor, _ dtype: DType, name: String, layer: String) throws {
        guard input.dtype == dtype else {
            throw PlexusError(.dtypeMismatch, "\(layer): \(name) is \(input.dtype) but the layer's parameters are \(dtype)")
        }
    }

    /// Adds `<name>_weight` [out, in] and, when `bias`, `<name>_bias` [out], uniform in ±1/√in
    /// like PyTorch's nn.Linear.
    static func addLinear(_ builder: LayerBuilder, _ name: String, inputs: Int, outputs: Int, bias: Bool, dtype: DType) throws {
        let bound = 1 / Double(inputs).squareRoot()
        try builder.parameter("\(name)_weight", dtype, [outputs, inputs], .uniform(-bound, bound))
        if bias { try builder.parameter("\(name)_bias", dtype, [outputs], .uniform(-bound, bound)) }
    }
}

/// Op compositions layer forwards are assembled from.
extension LayerCall {
    /// x·Wᵀ + b for x of any rank ≥ 2 (one Gemm on the flattened rows); b may be absent.
    func linear(_ x: KernelTensor, weight: KernelTensor, bias: KernelTensor?) throws -> KernelTensor {
        let rows = x.rank == 2 ? x : try reshape(x, [-1, x.shape[x.rank - 1]])
        let product = try call1("Gemm", [rows, weight, bias], [("transB", .int(1))])
        return x.rank == 2 ? product : try reshape(product, leadingDimsOf: x, dropping: 1, appending: [weight.shape[0]])
    }

    /// `t` reshaped to the dims of `x` but its last `dropping`, followed by `appending`, with
    /// the leading dims kept symbolic in exported graphs. (A computed shape holding 0 would mean
    /// "copy that dim" to Reshape, so empty tensors take a constant shape instead.)
    func reshape(_ t: KernelTensor, leadingDimsOf x: KernelTensor, dropping: Int, appending: [Int]) throws -> KernelTensor {
        let leading = Array(x.shape.prefix(x.rank - dropping))
        if leading.contains(0) || appending.contains(0) { return try reshape(t, leading + appending) }
        return try call1("Reshape", [t, try shape(leadingDimsOf: x, count: leading.count, appending: appending)])
    }

    /// The linear map of parameters `<name>_weight` and, when the layer has it, `<name>_bias`.
    func linear(_ x: KernelTensor, _ name: String) throws -> KernelTensor {
        try linear(x, weight: try tensor("\(name)_weight"), bias: try? tensor("\(name)_bias"))
    }

    /// Zeroes elements with probability `p` (scaling the rest by 1/(1−p)) in training mode;
    /// `x` itself in eval mode or when `p` is 0.
    func dropout(_ x: KernelTensor, _ p: Double) throws -> KernelTensor {
        guard isTraining && p > 0 else { return x }
        let seed = Int(Int64(bitPattern: nextSeed()))
        return try call1("Dropout", [x, try scalar(p, x.dtype), try scalar(1, .bool)], [("seed", .int(seed))])
    }

    /// Input `index` unless it is missing or empty (an empty tensor stands for an omitted
    /// optional input, since layer inputs are positional and cannot be NULL).
    func optionalInput(_ inputs: [KernelTensor], _ index: Int) -> KernelTensor? {
        index < inputs.count && inputs[index].count > 0 ? inputs[index] : nil
    }
}
