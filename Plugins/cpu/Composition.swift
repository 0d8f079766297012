import PlexusPluginKit

/// The op calls of an operator whose forward pass is written once with other ops and used
/// twice: as its decomposition (the calls go through the `Decomposition`, so autograd records
/// the primitive ops) and as its kernel (the same calls run through the host unrecorded, and
/// their results become the outputs without a copy).
///
/// A generic helper: any plugin with composed operators could use it (it only needs the kit).
final class OpSequence {
    /// The decomposition the calls go through, or nil inside a kernel.
    private let decomposition: Decomposition?
    /// Tensors made inside a kernel, kept alive until the kernel has handed out its outputs.
    private var owned: [OwnedTensor] = []
    /// The operator's inputs (nil for omitted optional inputs).
    let inputs: [KernelTensor?]
    /// The operator's attributes, defaults filled in.
    let attributes: AttributeReader
    /// How many outputs the caller asked for.
    let outputCount: Int
    /// The operator's name, for messages.
    let op: String

    /// The calls of a decomposition.
    init(_ decomposition: Decomposition, op: String) {
        self.decomposition = decomposition
        inputs = decomposition.inputs
        attributes = decomposition.attributes
        outputCount = decomposition.outputCount
        self.op = op
    }

    /// The calls of a kernel.
    init(_ context: KernelContext) {
        decomposition = nil
        inputs = context.inputs
        attributes = context.attributes
        outputCount = context.outputCount
        op = context.op
    }

    /// Input `index`, which must be present.
    func input(_ index: Int) throws -> KernelTensor {
        guard index < inputs.count, let input = inputs[index] else { throw PlexusError.invalid("\(op): input \(index) is required") }
        return input
    }

    /// Input `index` if it was given.
    func optionalInput(_ index: Int) -> KernelTensor? { index < inputs.count ? inputs[index] : nil }

    /// Calls a single-output op.
    func call(_ name: String, _ arguments: [KernelTensor?], _ attributes: [(String, AttributeValue)] = []) throws -> KernelTensor {
        try call(name, arguments, attributes, outputCount: 1)[0]
    }

    /// Calls an op with several outputs.
    func call(_ name: String, _ arguments: [KernelTensor?], _ attributes: [(String, AttributeValue)], outputCount: Int) throws -> [KernelTensor] {
        if let decomposition { return try decomposition.call(name, arguments, attributes, outputCount: outputCount) }
        return try Host.call(name, arguments, attributes: attributes, outputCount: outputCount).map(keep)
    }

    /// A 1-D int64 tensor (axes, shapes).
    func int64s(_ values: [Int]) throws -> KernelTensor {
        if let decomposition { return try decomposition.int64s(values) }
        let tensor = keep(try OwnedTensor.create(.int64, [values.count]))
        for (index, value) in values.enumerated() { tensor.pointer(as: Int64.self)[index] = Int64(value) }
        return tensor
    }

    /// A scalar of `dtype` holding `value`.
    func scalar(_ value: Double, _ dtype: DType) throws -> KernelTensor {
        if let decomposition { return try decomposition.scalar(value, dtype) }
        let tensor = keep(try OwnedTensor.create(.float64, []))
        tensor.pointer(as: Double.self)[0] = value
        return dtype == .float64 ? tensor : try call("Cast", [tensor], [("to", .int(Int(dtype.rawValue)))])
    }

    /// Reshape to an exact shape.
    func reshape(_ tensor: KernelTensor, _ shape: [Int]) throws -> KernelTensor {
        try call("Reshape", [tensor, try int64s(shape)], [("allowzero", .int(1))])
    }

    /// Keeps `tensor` alive as long as the sequence and returns its view.
    private func keep(_ tensor: OwnedTensor) -> KernelTensor {
        owned.append(tensor)
        return tensor.view
    }
}

/// Builds the kernel and the decomposition of a composed operator from one body.
enum Composition {
    /// The body: the op's outputs computed with op calls.
    typealias Body = (OpSequence) throws -> [KernelTensor]

    /// A kernel running `body` through the host; its results become the outputs (shared).
    static func kernel(_ body: @escaping Body) -> (KernelContext) throws -> Void {
        { context in
            let sequence = OpSequence(context)
            let results = try body(sequence)
            for (index, result) in results.enumerated() {
                try context.alias(index, of: result, shape: result.shape)
            }
            withExtendedLifetime(sequence) {}
        }
    }

    /// A decomposition running `body` with calls autograd records.
    static func decomposition(_ op: String, _ body: @escaping Body) -> (Decomposition) throws -> [KernelTensor] {
        { try body(OpSequence($0, op: op)) }
    }
}

extension OpDefinition {
    /// A definition whose kernel and decomposition are both `body`.
    static func composed(_ name: String, since: Int, inputs: ClosedRange<Int>, outputs: ClosedRange<Int> = 1...1,
                         attributes: [AttributeDeclaration] = [], doc: String, supports: (([DType?]) -> Bool)? = nil,
                         infer: ((InferenceContext) throws -> Void)? = nil, _ body: @escaping Composition.Body) -> OpDefinition {
        OpDefinition(name, since: since, inputs: inputs, outputs: outputs, attributes: attributes, doc: doc, supports: supports,
                     infer: infer, compute: Composition.kernel(body))
            .decomposed(Composition.decomposition(name, body))
    }
}
