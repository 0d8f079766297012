import CPlexus
import PlexusABI
import Synchronization

/// An operator looked up once: schema found, arity checked, attributes validated and defaults
/// filled in. A call then only checks which inputs are present, picks the kernel for the
/// inputs' dtypes (cached per dtype signature) and runs it. Sessions keep one per node, the C
/// ABI's `plx_op_prepare` hands one out, and `OpRegistry.call` keeps one per call shape without
/// attributes (`shared`) and prepares the others per call.
///
/// Thread-safe: many threads may call one prepared op at once. Plugins loaded or a backend
/// order set after preparing are seen by the next call.
public final class PreparedOp: @unchecked Sendable {
    /// The operator.
    public let key: OpKey
    /// How many inputs (present or omitted) and outputs each call has.
    public let inputCount: Int
    public let outputCount: Int
    /// The attributes as given (what a tracer records) and with the schema's defaults (what
    /// kernels and gradient rules read).
    let attributes: Attributes
    let merged: Attributes
    /// Inputs a call must give (the schema's minimum arity).
    private let requiredInputs: Int

    /// The registry's view of the op at one generation: its schema (gradients and
    /// decompositions may be attached after a first lookup), its kernels in dispatch order and
    /// the kernel chosen for each dtype signature seen so far.
    private struct Binding {
        var generation: (registry: Int, order: Int)
        var schema: OpSchema
        var kernels: [Kernel]
        var chosen: [(dtypes: [DType?], kernel: Kernel)] = []
    }
    private let binding: Mutex<Binding>

    /// Looks `key` up and validates a call shape: `inputCount` inputs (omitted optional ones
    /// included), `attributes`, `outputCount` outputs. Throws as `OpRegistry.call` does.
    public init(_ key: OpKey, inputCount: Int, attributes: Attributes = Attributes(), outputCount: Int = 1) throws {
        let registry = OpRegistry.shared
        PluginLoader.shared.discoverIfNeeded()
        let generation = registry.generations
        let entry = registry.dispatchEntry(key)
        let schema = try entry.schema ?? registry.requireSchema(key)
        try registry.validateArity(schema, inputCount: inputCount, outputCount: outputCount)
        self.key = key
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.attributes = attributes
        merged = try AttributeValidation.validated(attributes, specs: schema.attributes, defaults: schema.defaults, owner: "\(key)")
        requiredInputs = schema.inputs.lowerBound
        binding = Mutex(Binding(generation: generation, schema: schema, kernels: entry.kernels))
    }

    /// The schema and dispatch-ordered kernels in force now, refreshed when plugins registered
    /// or the backend order changed since the last call, and the kernel already chosen for
    /// `dtypes` (one lock for all three). A thread running a session with its own backend order
    /// gets that order, and nothing is cached for it.
    private func current(for dtypes: [DType?]) -> (schema: OpSchema, kernels: [Kernel], chosen: Kernel?) {
        let registry = OpRegistry.shared
        if ThreadContext.current.backendOrderOverride != nil {
            let entry = registry.dispatchEntry(key)
            return (entry.schema ?? binding.withLock { $0.schema }, entry.kernels, nil)
        }
        let generation = registry.generations
        return binding.withLock { binding in
            if binding.generation != generation {
                let entry = registry.dispatchEntry(key)
                binding = Binding(generation: generation, schema: entry.schema ?? binding.schema, kernels: entry.kernels)
            }
            return (binding.schema, binding.kernels, binding.chosen.first { $0.dtypes == dtypes }?.kernel)
        }
    }

    /// The first kernel in dispatch order that accepts `dtypes`, or nil when the op has no
    /// kernel at all (it runs its decomposition). Throws `unsupported` when kernels exist but
    /// none accepts the dtypes.
    func kernel(for dtypes: [DType?]) throws -> Kernel? {
        let (_, kernels, chosen) = current(for: dtypes)
        return try chosen ?? kernel(for: dtypes, among: kernels)
    }

    /// Picks the kernel for `dtypes` among `kernels` and remembers it for the next call.
    private func kernel(for dtypes: [DType?], among kernels: [Kernel]) throws -> Kernel? {
        guard !kernels.isEmpty else { return nil }
        guard let kernel = kernels.first(where: { $0.accepts(dtypes, attributes: merged) }) else {
            let described = dtypes.map { $0?.description ?? "none" }.joined(separator: ", ")
            throw PlexusError(.unsupported, "\(key) has no kernel for input dtypes (\(described)); backends tried: "
                              + kernels.map(\.backend).joined(separator: ", "))
        }
        if ThreadContext.current.backendOrderOverride == nil {
            binding.withLock { binding in
                // A handful of signatures per op in practice; the cap keeps a caller cycling
                // through dtypes from growing the list without end.
                if binding.chosen.count < 16 { binding.chosen.append((dtypes, kernel)) }
            }
        }
        return kernel
    }

    /// Runs the op on `inputs` (nil for an omitted optional input) and returns its outputs:
    /// records it for autograd when an input requires grad, reports it to this thread's tracer,
    /// and runs its decomposition instead of a kernel when autograd or the tracer need the
    /// primitive ops (or no kernel exists). Throws the codes documented for `plx_op_call`.
    public func call(_ inputs: [Tensor?]) throws -> [Tensor] {
        guard inputs.count == inputCount else {
            throw PlexusError.invalid("\(key) was prepared for \(inputCount) inputs, got \(inputs.count)")
        }
        for index in 0..<requiredInputs where inputs[index] == nil {
            throw PlexusError.invalid("input \(index) of \(key) is required but was NULL")
        }
        let dtypes = inputs.map { $0?.dtype }
        let (schema, kernels, chosen) = current(for: dtypes)
        let context = ThreadContext.current
        // Kernels and decompositions call ops; a plugin op that (indirectly) calls itself would
        // otherwise recurse until the thread's stack overflows.
        guard context.callDepth < OpRegistry.maximumNesting else {
            throw PlexusError(.pluginFailed, "\(key) was called inside \(OpRegistry.maximumNesting) nested op calls: "
                + "a kernel or decomposition calls itself without end")
        }
        let recording = GradMode.isEnabled && context.kernelDepth == 0 && inputs.contains(where: { $0?.requiresGrad == true })
        let tracer = context.callDepth == 0 ? context.tracer : nil
        let traceInner = tracer?.shouldDecompose(schema) == true
        if let decomposition = schema.decomposition, recording || kernels.isEmpty || traceInner {
            // Autograd (or a tracer that cannot keep this op) records the primitive ops the
            // decomposition calls; no node for this op. An op with no kernel always decomposes.
            let nested = traceInner ? 0 : 1
            context.callDepth += nested
            let outputs: [Tensor]
            do {
                defer { context.callDepth -= nested }
                outputs = try invoke(decomposition.function, user: decomposition.user, backend: "decomposition", plugin: schema.plugin,
                                     inputs: inputs).results()
            }
            if !traceInner { tracer?.record(key, inputs: inputs, outputs: outputs, attributes: attributes) }
            return outputs
        }
        guard let kernel = try chosen ?? kernel(for: dtypes, among: kernels) else {
            throw PlexusError(.unsupported, "no loaded backend has a kernel for \(key)")
        }
        let outputs = try run(kernel, inputs)
        tracer?.record(key, inputs: inputs, outputs: outputs, attributes: attributes)
        if recording { record(schema, inputs: inputs, outputs: outputs) }
        return outputs
    }

    /// Runs `kernel` on `inputs` as one nested call (ops it calls are not recorded for
    /// autograd). `planned` are the tensors a session's plan reserved for the outputs in its
    /// arena (none: allocate).
    func run(_ kernel: Kernel, _ inputs: [Tensor?], planned: ArraySlice<Tensor?> = []) throws -> [Tensor] {
        try runKernel(kernel, inputs, planned: planned).results()
    }

    /// `run`, returning the context that holds the outputs (every one present), so a session
    /// can read them without an array.
    func runKernel(_ kernel: Kernel, _ inputs: [Tensor?], planned: ArraySlice<Tensor?> = []) throws -> KernelContext {
        let context = ThreadContext.current
        context.callDepth += 1
        context.kernelDepth += 1
        defer {
            context.callDepth -= 1
            context.kernelDepth -= 1
        }
        return try invoke(kernel.compute, user: kernel.user, backend: kernel.backend, plugin: kernel.plugin, inputs: inputs, planned: planned)
    }

    /// Runs a kernel or decomposition function; returns its context after checking that every
    /// output was produced.
    private func invoke(_ function: plx_kernel_fn, user: UnsafeMutableRawPointer?, backend: String, plugin: String,
                        inputs: [Tensor?], planned: ArraySlice<Tensor?> = []) throws -> KernelContext {
        let context = KernelContext(owner: self, planned: planned)
        let attributes = merged
        ThreadContext.current.pluginError = nil
        let status = withExtendedLifetime((inputs, attributes, context)) {
            // The handle array lives on the stack: a small op should not pay a heap allocation for it.
            withUnsafeTemporaryAllocation(of: OpaquePointer?.self, capacity: inputs.count) { buffer in
                for (index, input) in inputs.enumerated() { buffer.initializeElement(at: index, to: input?.handle) }
                return function(OpaquePointer(Unmanaged.passUnretained(context).toOpaque()), UnsafePointer(buffer.baseAddress),
                                inputs.count, attributes.handle, user)
            }
        }
        if status != 0 {
            throw OpRegistry.shared.pluginFailure(status: status, what: "\(key) (\(backend) kernel)", plugin: plugin)
        }
        for index in 0..<outputCount where context[output: index] == nil {
            throw PlexusError(.pluginFailed, "\(key) (\(backend) kernel of plugin '\(plugin)') returned success without producing output \(index)")
        }
        return context
    }

    /// Attaches a graph node to the floating-point outputs so `backward()` can reach the inputs.
    private func record(_ schema: OpSchema, inputs: [Tensor?], outputs: [Tensor]) {
        let node = GradNode(op: key, inputs: inputs, outputs: outputs, attributes: merged, rule: schema.gradient)
        for (index, output) in outputs.enumerated() where output.dtype.isFloatingPoint {
            output.gradNode = node
            output.outputIndex = index
            output.requiresGrad = true
        }
    }
}

extension PreparedOp {
    /// What identifies a call without attributes.
    private struct SharedKey: Hashable {
        let key: OpKey
        let inputCount: Int
        let outputCount: Int
    }

    /// Prepared ops of calls without attributes, kept for the process: `OpRegistry.call` (and so
    /// `plx_op_call`, plugins' `host->op_call` in kernels and gradient rules, and autograd's
    /// accumulation) looks such an op up once. Bounded; calls beyond the bound prepare per call.
    private static let shared = Mutex<[SharedKey: PreparedOp]>([:])
    private static let sharedLimit = 512

    /// The process's prepared op for `key` with no attributes and these counts.
    static func shared(_ key: OpKey, inputCount: Int, outputCount: Int) throws -> PreparedOp {
        let cacheKey = SharedKey(key: key, inputCount: inputCount, outputCount: outputCount)
        if let known = shared.withLock({ $0[cacheKey] }) { return known }
        let prepared = try PreparedOp(key, inputCount: inputCount, outputCount: outputCount)
        shared.withLock { ops in if ops.count < sharedLimit { ops[cacheKey] = prepared } }
        return prepared
    }
}
