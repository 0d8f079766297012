import CPlexus
import PlexusABI

extension OpRegistry {
    /// The deepest nesting of op calls made from kernels and decompositions (a kernel calling an
    /// op calling an op…); deeper is refused as runaway recursion.
    static let maximumNesting = 100

    /// Runs operator `key` eagerly on `inputs` (nil for an omitted optional input) and returns
    /// `outputCount` new tensors: prepares it (validates arity and attributes against the
    /// schema; a call without attributes reuses the process's prepared op, `PreparedOp.shared`)
    /// and calls it (see `PreparedOp.call`).
    ///
    /// Thread-safe. Throws `PlexusError` with the codes documented for `plx_op_call`.
    public func call(_ key: OpKey, _ inputs: [Tensor?], attributes: Attributes = Attributes(),
                     outputCount: Int = 1) throws -> [Tensor] {
        let prepared = attributes.isEmpty
            ? try PreparedOp.shared(key, inputCount: inputs.count, outputCount: outputCount)
            : try PreparedOp(key, inputCount: inputs.count, attributes: attributes, outputCount: outputCount)
        return try prepared.call(inputs)
    }

    /// Infers output types of `key` for inputs of the given types (and constant values).
    /// Returns nil entries for outputs the schema cannot infer.
    public func inferTypes(_ key: OpKey, _ inputs: [InferenceInput?], attributes: Attributes = Attributes(),
                           outputCount: Int = 1) throws -> [TensorType?] {
        PluginLoader.shared.discoverIfNeeded()
        let schema = try requireSchema(key)
        try validateArity(schema, inputCount: inputs.count, outputCount: outputCount)
        if let missing = inputs.prefix(schema.inputs.lowerBound).firstIndex(where: { $0 == nil }) {
            throw PlexusError.invalid("input \(missing) of \(key) is required but was NULL")
        }
        let merged = try AttributeValidation.validated(attributes, specs: schema.attributes, defaults: schema.defaults, owner: "\(key)")
        guard let infer = schema.infer else { return Array(repeating: nil, count: outputCount) }
        let context = InferContext(inputs: inputs, outputCount: outputCount)
        _ = ThreadErrors.takePluginError()
        let status = withExtendedLifetime((context, merged)) {
            infer(OpaquePointer(Unmanaged.passUnretained(context).toOpaque()), merged.handle, schema.inferUser)
        }
        if status != 0 { throw pluginFailure(status: status, what: "shape inference of \(key)", plugin: schema.plugin) }
        return context.outputs
    }

    func requireSchema(_ key: OpKey) throws -> OpSchema {
        if let schema = schema(key) { return schema }
        if !hasKernels {
            let searched = PluginLoader.shared.searchedLocations.joined(separator: ", ")
            throw PlexusError(.noBackend,
                              "no backend plugin is loaded (searched: \(searched.isEmpty ? "nothing" : searched)); " +
                              "load one with plx_plugin_load or set PLEXUS_PLUGIN_PATH")
        }
        let domain = key.domain.isEmpty ? "ai.onnx" : key.domain
        if let provider = PluginLoader.index?.provider(of: key) {
            throw PlexusError(.notFound, "operator '\(key.name)' in domain '\(domain)' is not available\(PluginLoader.notLoadedHint(provider))")
        }
        throw PlexusError(.notFound, "unknown operator '\(key.name)' in domain '\(domain)': no loaded plugin provides it")
    }

    func validateArity(_ schema: OpSchema, inputCount: Int, outputCount: Int) throws {
        let key = schema.key
        guard schema.inputs.contains(inputCount) else {
            throw PlexusError.invalid("\(key) takes \(describe(schema.inputs)) inputs, got \(inputCount)")
        }
        guard schema.outputs.contains(outputCount) else {
            throw PlexusError.invalid("\(key) produces \(describe(schema.outputs)) outputs, \(outputCount) were asked for")
        }
    }

    private func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == unboundedArity { return "at least \(range.lowerBound)" }
        return range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
    }

    /// The error for a plugin call that returned `status`, carrying the plugin's own message.
    func pluginFailure(status: Int32, what: String, plugin: String) -> PlexusError {
        let reported = ThreadErrors.takePluginError()
        let code = reported?.code ?? StatusCode(rawValue: status) ?? .pluginFailed
        let message = reported?.message ?? "failed with status \(status) and no message"
        return PlexusError(code == .ok ? .pluginFailed : code, "\(what): \(message)")
    }
}

/// Swift entry point for running operators by name.
public enum Ops {
    /// Runs `name` from `domain` ("" = ai.onnx) on `inputs` and returns its outputs.
    public static func call(_ name: String, domain: String = "", _ inputs: [Tensor?],
                            attributes: Attributes = Attributes(), outputCount: Int = 1) throws -> [Tensor] {
        try OpRegistry.shared.call(OpKey(domain: domain, name: name), inputs, attributes: attributes, outputCount: outputCount)
    }

    /// Runs a single-output operator.
    public static func call1(_ name: String, domain: String = "", _ inputs: [Tensor?],
                             attributes: Attributes = Attributes()) throws -> Tensor {
        try call(name, domain: domain, inputs, attributes: attributes)[0]
    }
}
