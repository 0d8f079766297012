import CPlexus
import PlexusABI

extension OpRegistry {
    /// Runs operator `key` eagerly on `inputs` (nil for an omitted optional input) and returns
    /// `outputCount` new tensors. Validates arity and attributes against the schema, picks the
    /// first kernel in backend order that accepts the input dtypes, and runs it.
    ///
    /// Thread-safe. Throws `PlexusError` with the codes documented for `plx_op_call`.
    /// The deepest nesting of op calls made from kernels and decompositions (a kernel calling an
    /// op calling an op…); deeper is refused as runaway recursion.
    static let maximumNesting = 100

    public func call(_ key: OpKey, _ inputs: [Tensor?], attributes: Attributes = Attributes(),
                     outputCount: Int = 1) throws -> [Tensor] {
        PluginLoader.shared.discoverIfNeeded()
        let entry = dispatchEntry(key)
        let schema = try entry.schema ?? requireSchema(key)
        try validateArity(schema, inputCount: inputs.count, outputCount: outputCount, inputs: inputs.map { $0 != nil })
        let merged = try validated(attributes, for: schema)
        let context = ThreadContext.current
        // Kernels and decompositions call ops; a plugin op that (indirectly) calls itself would
        // otherwise recurse until the thread's stack overflows.
        guard context.callDepth < OpRegistry.maximumNesting else {
            throw PlexusError(.pluginFailed, "\(key) was called inside \(OpRegistry.maximumNesting) nested op calls: "
                + "a kernel or decomposition calls itself without end")
        }
        // A session's in-place offer is for the op it calls, not for the ops that one calls.
        let donation = context.callDepth == 0 ? context.donatedStorage : nil
        if context.callDepth == 0 { context.donatedStorage = nil }
        let recording = GradMode.isEnabled && context.kernelDepth == 0 && inputs.contains(where: { $0?.requiresGrad == true })
        let tracer = context.callDepth == 0 ? context.tracer : nil
        let traceInner = tracer?.shouldDecompose(schema) == true
        if let decomposition = schema.decomposition, recording || entry.kernels.isEmpty || traceInner {
            // Autograd (or a tracer that cannot keep this op) records the primitive ops the
            // decomposition calls; no node for this op. An op with no kernel always decomposes.
            let nested = traceInner ? 0 : 1
            context.callDepth += nested
            let outputs: [Tensor]
            do {
                defer { context.callDepth -= nested }
                outputs = try run(decomposition.function, user: decomposition.user, key: key, backend: "decomposition",
                                  plugin: schema.plugin, inputs: inputs, attributes: merged, outputCount: outputCount)
            }
            if !traceInner { tracer?.record(key, inputs: inputs, outputs: outputs, attributes: attributes) }
            return outputs
        }
        let dtypes = inputs.map { $0?.dtype }
        let candidates = entry.kernels
        guard let kernel = candidates.first(where: { $0.accepts(dtypes, attributes: merged) }) else {
            if candidates.isEmpty {
                throw PlexusError(.unsupported, "no loaded backend has a kernel for \(key)")
            }
            let described = dtypes.map { $0?.description ?? "none" }.joined(separator: ", ")
            let backends = candidates.map(\.backend).joined(separator: ", ")
            throw PlexusError(.unsupported, "\(key) has no kernel for input dtypes (\(described)); backends tried: \(backends)")
        }
        context.callDepth += 1
        context.kernelDepth += 1
        let outputs: [Tensor]
        do {
            defer {
                context.callDepth -= 1
                context.kernelDepth -= 1
            }
            // Only a kernel that declared in-place inputs reads each element before writing it there.
            outputs = try run(kernel.compute, user: kernel.user, key: key, backend: kernel.backend, plugin: kernel.plugin,
                              inputs: inputs, attributes: merged, outputCount: outputCount,
                              donation: kernel.inPlaceInputs.isEmpty ? nil : donation)
        }
        tracer?.record(key, inputs: inputs, outputs: outputs, attributes: attributes)
        if recording {
            record(schema, inputs: inputs, outputs: outputs, attributes: merged)
        }
        return outputs
    }

    /// Attaches a graph node to the floating-point outputs so `backward()` can reach the inputs.
    private func record(_ schema: OpSchema, inputs: [Tensor?], outputs: [Tensor], attributes: Attributes) {
        let node = GradNode(op: schema.key, inputs: inputs, outputs: outputs, attributes: attributes, rule: schema.gradient)
        for (index, output) in outputs.enumerated() where output.dtype.isFloatingPoint {
            output.gradNode = node
            output.outputIndex = index
            output.requiresGrad = true
        }
    }

    /// Infers output types of `key` for inputs of the given types (and constant values).
    /// Returns nil entries for outputs the schema cannot infer.
    public func inferTypes(_ key: OpKey, _ inputs: [InferenceInput?], attributes: Attributes = Attributes(),
                           outputCount: Int = 1) throws -> [TensorType?] {
        PluginLoader.shared.discoverIfNeeded()
        let schema = try requireSchema(key)
        try validateArity(schema, inputCount: inputs.count, outputCount: outputCount, inputs: inputs.map { $0 != nil })
        let merged = try validated(attributes, for: schema)
        guard let infer = schema.infer else { return Array(repeating: nil, count: outputCount) }
        let context = InferContext(inputs: inputs, outputCount: outputCount)
        _ = ThreadErrors.takePluginError()
        let status = withExtendedLifetime((context, merged)) {
            infer(OpaquePointer(Unmanaged.passUnretained(context).toOpaque()), merged.handle, schema.inferUser)
        }
        if status != 0 { throw pluginFailure(status: status, what: "shape inference of \(key)", plugin: schema.plugin) }
        return context.outputs
    }

    private func requireSchema(_ key: OpKey) throws -> OpSchema {
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

    private func validateArity(_ schema: OpSchema, inputCount: Int, outputCount: Int, inputs present: [Bool]) throws {
        let key = schema.key
        guard schema.inputs.contains(inputCount) else {
            throw PlexusError.invalid("\(key) takes \(describe(schema.inputs)) inputs, got \(inputCount)")
        }
        if let missing = present.prefix(schema.inputs.lowerBound).firstIndex(of: false) {
            throw PlexusError.invalid("input \(missing) of \(key) is required but was NULL")
        }
        guard schema.outputs.contains(outputCount) else {
            throw PlexusError.invalid("\(key) produces \(describe(schema.outputs)) outputs, \(outputCount) were asked for")
        }
    }

    private func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == unboundedArity { return "at least \(range.lowerBound)" }
        return range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
    }

    /// Checks names, types and required attributes, and fills in defaults.
    private func validated(_ attributes: Attributes, for schema: OpSchema) throws -> Attributes {
        try AttributeValidation.validated(attributes, specs: schema.attributes, defaults: schema.defaults, owner: "\(schema.key)")
    }

    /// Runs a kernel or decomposition function and collects the outputs it produced.
    private func run(_ function: plx_kernel_fn, user: UnsafeMutableRawPointer?, key: OpKey, backend: String, plugin: String,
                     inputs: [Tensor?], attributes: Attributes, outputCount: Int, donation: Storage? = nil) throws -> [Tensor] {
        let context = KernelContext(op: key, outputCount: outputCount, pool: ThreadContext.current.bufferPool, donation: donation)
        let handles = inputs.map { $0?.handle }
        _ = ThreadErrors.takePluginError()
        let status = withExtendedLifetime((inputs, attributes, context)) {
            handles.withUnsafeBufferPointer { buffer in
                function(OpaquePointer(Unmanaged.passUnretained(context).toOpaque()), buffer.baseAddress, buffer.count,
                         attributes.handle, user)
            }
        }
        if status != 0 {
            throw pluginFailure(status: status, what: "\(key) (\(backend) kernel)", plugin: plugin)
        }
        return try context.outputs.enumerated().map { index, output in
            guard let output else {
                throw PlexusError(.pluginFailed, "\(key) (\(backend) kernel of plugin '\(plugin)') returned success without producing output \(index)")
            }
            return output
        }
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
