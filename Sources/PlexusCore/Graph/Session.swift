import Synchronization

/// Runs a graph: plans it once (dependency order, constant folding, buffer lifetimes) and then
/// runs it any number of times, from several threads at once (each run keeps its own values;
/// the plan and constants are read-only).
public final class Session: @unchecked Sendable {
    /// Options of a session.
    public struct Options: Sendable {
        /// Intra-op threads while this session runs (0 = the process setting).
        public var threads = 0
        /// Fold nodes whose inputs are all constant at load time.
        public var foldConstants = true
        /// Preferred backends for this session's runs (nil = the process order).
        public var backendOrder: [String]?
        /// Keep per-operator and per-node timings (`Session.profile`); off by default since reading
        /// the clock around every node costs a little.
        public var profile = false
        /// Graph rewrites applied before planning (all by default).
        public var optimizations = GraphOptimizations.all
        /// The largest single allocation while this session plans or runs, in bytes (nil = the
        /// process cap, `MemoryLimits.maxAllocationBytes`; a session can only lower it).
        public var maxAllocationBytes: Int?
        /// The most memory the session may hold at once — folded constants, intermediates, the
        /// arena's kept buffers and returned outputs not yet freed — in bytes (nil = no cap).
        public var maxArenaBytes: Int?

        public init(threads: Int = 0, foldConstants: Bool = true, backendOrder: [String]? = nil, profile: Bool = false,
                    optimizations: GraphOptimizations = .all, maxAllocationBytes: Int? = nil, maxArenaBytes: Int? = nil) {
            self.threads = threads
            self.foldConstants = foldConstants
            self.backendOrder = backendOrder
            self.profile = profile
            self.optimizations = optimizations
            self.maxAllocationBytes = maxAllocationBytes
            self.maxArenaBytes = maxArenaBytes
        }
    }

    /// Per-operator timings across runs, when the options asked for them.
    public let profile: SessionProfile?

    /// The graph's inputs the caller must feed (those without an initializer default first).
    public let inputs: [Graph.ValueInfo]
    /// The graph's outputs.
    public let outputs: [Graph.ValueInfo]
    private let plan: SessionPlan
    /// Value-table indices of `inputs` and `outputs`, and each input's initializer default.
    private let inputIndices: [Int]
    private let outputIndices: [Int]
    private let defaults: [Tensor?]
    private let options: Options
    /// What the session's allocations are charged to (nil when its options set no arena cap).
    private let budget: MemoryBudget?
    /// Plans bound to the input signatures seen so far, oldest first (see `ExecutionPlan`).
    private let plans = Mutex<[(signature: ExecutionPlan.Signature, plan: ExecutionPlan)]>([])
    /// How many signatures keep a plan; a caller cycling through more re-traces the oldest.
    static let cachedPlans = 8
    private let reused = Atomic<Int>(0)
    private let inPlace = Atomic<Int>(0)

    /// Outputs written into arena memory planned for them, and those of them written over an
    /// input dying at the same step (in place), summed over runs.
    public var memoryStatistics: (reusedBuffers: Int, inPlaceOutputs: Int) {
        (reused.load(ordering: .relaxed), inPlace.load(ordering: .relaxed))
    }

    /// Plans `graph`: orders, folds and prepares every node. Throws, in one error, for every op
    /// no loaded plugin provides; and for cycles, undefined values, bad attributes and failures
    /// while folding constants.
    public init(graph: Graph, options: Options = Options()) throws {
        PluginLoader.shared.discoverIfNeeded()
        let missing = Set(graph.nodes.map(\.op)).filter { OpRegistry.shared.schema($0) == nil }.sorted()
        if !missing.isEmpty {
            let described = missing.map { key -> String in
                let provider = PluginLoader.index?.provider(of: key).map { " (plugin '\($0.name)' is not loaded)" } ?? ""
                return (key.domain.isEmpty ? key.name : "\(key.domain):\(key.name)") + provider
            }
            throw PlexusError(.notFound, "the model uses \(missing.count) operator(s) no loaded plugin provides: \(described.joined(separator: ", "))")
        }
        guard options.threads >= 0, options.threads <= Parallel.maxThreadCount else {
            throw PlexusError.invalid("thread count must be in 0...\(Parallel.maxThreadCount), got \(options.threads)")
        }
        if let cap = options.maxAllocationBytes, cap <= 0 { throw PlexusError.invalid("max_allocation_bytes must be positive, got \(cap)") }
        if let cap = options.maxArenaBytes, cap <= 0 { throw PlexusError.invalid("max_arena_bytes must be positive, got \(cap)") }
        self.options = options
        let budget = options.maxArenaBytes.map { MemoryBudget(limit: $0) }
        self.budget = budget
        profile = options.profile ? SessionProfile() : nil
        let plan = try withOptions(options, budget: budget) {
            try SessionPlan(try options.optimizations.apply(to: graph), fold: options.foldConstants)
        }
        self.plan = plan
        let initialized = Set(graph.initializers.keys)
        inputs = graph.inputs.filter { !initialized.contains($0.name) } + graph.inputs.filter { initialized.contains($0.name) }
        outputs = graph.outputs
        inputIndices = inputs.map { plan.indices[$0.name]! }
        outputIndices = outputs.map { plan.indices[$0.name]! }
        defaults = inputs.map { graph.initializers[$0.name] }
    }

    /// Runs the graph on `feeds` (by input name) and returns the requested outputs (all when
    /// `outputNames` is nil) in order. Checks every feed's dtype and shape against the
    /// declaration; unknown names and missing inputs are errors.
    public func run(_ feeds: [String: Tensor], outputNames: [String]? = nil) throws -> [Tensor] {
        let wanted = try (outputNames ?? outputs.map(\.name)).map { name in
            guard let position = outputs.firstIndex(where: { $0.name == name }) else {
                throw PlexusError(.notFound, "the model has no output '\(name)' (outputs: \(outputs.map(\.name).joined(separator: ", ")))")
            }
            return position
        }
        if let unknown = feeds.keys.first(where: { name in !inputs.contains { $0.name == name } }) {
            throw PlexusError(.notFound, "the model has no input '\(unknown)' (inputs: \(inputs.map(\.name).joined(separator: ", ")))")
        }
        let fed = try inputs.enumerated().map { position, info -> Tensor in
            if let tensor = feeds[info.name] {
                guard info.admits(tensor) else {
                    let declared = info.shape.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "?"
                    throw PlexusError(tensor.dtype == (info.dtype ?? tensor.dtype) ? .shapeMismatch : .dtypeMismatch,
                                      "input '\(info.name)' must be \(info.dtype?.description ?? "any")\(declared), got \(tensor.dtype)\(tensor.shape)")
                }
                return tensor
            }
            guard let fallback = defaults[position] else { throw PlexusError.invalid("input '\(info.name)' was not given") }
            return fallback
        }
        let results = try withOptions(options, budget: budget) { try withoutGradients {
            if ThreadContext.current.tracer == nil, let bound = plans.withLock({ $0.first { $0.signature.matches(fed) }?.plan }),
               bound.generations == OpRegistry.shared.generations {
                return try execute(bound, fed)
            }
            return try trace(ExecutionPlan.Signature(of: fed), fed)
        } }
        return try wanted.map { position in
            guard let value = results[position] else { throw PlexusError(.internal, "output '\(outputs[position].name)' was not computed") }
            try Graph.checkOutput(value, declared: outputs[position])
            return value
        }
    }
}

extension Session {
    /// Runs `step` on `arguments`: through `kernel` when bound (with the arena tensors `planned`
    /// for its outputs), else through the op's general path; hands each output to `store`.
    /// Errors name the node.
    private func runStep(_ index: Int, _ step: SessionPlan.Step, _ kernel: Kernel?, _ arguments: [Tensor?],
                         planned: ArraySlice<Tensor?>, store: (Int, Tensor) -> Void) throws {
        let start = profile == nil ? 0 : monotonicSeconds()
        do {
            if let kernel {
                let context = try step.op.runKernel(kernel, arguments, planned: planned)
                for position in 0..<context.outputCount { store(position, context[output: position]!) }
            } else {
                for (position, result) in try step.op.call(arguments).enumerated() { store(position, result) }
            }
            profile?.add(step: index, node: step.node, seconds: monotonicSeconds() - start)
        } catch let error as PlexusError {
            throw PlexusError(error.code, "node \(step.node.label): \(error.message)")
        }
    }

    /// The first run of a signature (or the first since plugins or the backend order changed):
    /// runs every step choosing its kernel by the actual dtypes, records what each produced, and
    /// keeps a plan bound to the signature for later runs
    /// (unless a tracer is recording this thread's op calls: then every op goes through its
    /// general path, and nothing is kept).
    private func trace(_ signature: ExecutionPlan.Signature, _ fed: [Tensor]) throws -> [Tensor?] {
        let recording = ThreadContext.current.tracer != nil
        let generations = OpRegistry.shared.generations
        var values = plan.constants
        for (index, tensor) in zip(inputIndices, fed) { values[index] = tensor }
        var external = Set(plan.constants.compactMap { $0?.storage.serial })
        for tensor in fed { external.insert(tensor.storage.serial) }
        var produced = [ArenaLayout.Produced?](repeating: nil, count: plan.names.count)
        var kernels: [Kernel?] = []
        for (index, step) in plan.steps.enumerated() {
            let arguments = try plan.arguments(of: step, in: values)
            let kernel: Kernel?
            do { kernel = recording ? nil : try step.op.kernel(for: arguments.map { $0?.dtype }) } catch let error as PlexusError {
                throw PlexusError(error.code, "node \(step.node.label): \(error.message)")
            }
            try runStep(index, step, kernel, arguments, planned: []) { position, result in
                let value = step.outputs[position]
                guard value >= 0 else { return }
                values[value] = result
                produced[value] = ArenaLayout.Produced(dtype: result.dtype, shape: result.shape, byteCount: result.count * result.dtype.elementSize,
                                                       serial: result.storage.serial)
            }
            kernels.append(kernel)
            for value in step.releases { values[value] = nil }
        }
        if !recording {
            let layout = options.optimizations.contains(.reuseBuffers)
                ? ArenaLayout(plan, produced: produced, external: external,
                              inPlace: options.optimizations.contains(.inPlace) ? kernels.map { $0?.inPlaceInputs ?? [] } : kernels.map { _ in [] })
                : nil
            let bound = ExecutionPlan(kernels: kernels, layout: layout, generations: generations)
            plans.withLock { plans in
                plans.removeAll { $0.signature == signature }
                if plans.count == Session.cachedPlans { plans.removeFirst() }
                plans.append((signature, bound))
            }
        }
        return outputIndices.map { values[$0] }
    }

    /// A run of a bound plan: walks the steps over the frame's value table with each step's
    /// kernel, its outputs in the arena slots planned for them.
    private func execute(_ bound: ExecutionPlan, _ fed: [Tensor]) throws -> [Tensor?] {
        let frame = try bound.takeFrame(plan)
        var completed = false
        defer {
            // A completed run released everything but `unreleased`; a failed one may have left
            // any value (and step arguments) behind.
            if completed {
                for index in plan.unreleased { frame.values[index] = nil }
            } else {
                for (index, constant) in plan.constants.enumerated() where constant == nil { frame.values[index] = nil }
                for step in frame.arguments.indices { for position in frame.arguments[step].indices { frame.arguments[step][position] = nil } }
            }
            bound.returnFrame(frame)
        }
        for (index, tensor) in zip(inputIndices, fed) { frame.values[index] = tensor }
        var reusedCount = 0, inPlaceCount = 0
        for index in plan.steps.indices {
            let step = plan.steps[index]
            for (position, value) in step.inputs.enumerated() where value >= 0 {
                guard let tensor = frame.values[value] else {
                    throw PlexusError(.internal, "value '\(plan.names[value])' is missing at \(step.node.label)")
                }
                frame.arguments[index][position] = tensor
            }
            try runStep(index, step, bound.kernels[index], frame.arguments[index],
                        planned: frame.arenaDisabled ? [] : frame.reserved[index][...]) { position, result in
                let value = step.outputs[position]
                guard value >= 0 else { return }
                frame.values[value] = result
                if let reserved = frame.reserved[index][position], reserved === result {
                    reusedCount += 1
                    if bound.layout?.slots[index][position]?.inPlace == true { inPlaceCount += 1 }
                }
            }
            for position in frame.arguments[index].indices { frame.arguments[index][position] = nil }
            for value in step.releases { frame.values[value] = nil }
            if let layout = bound.layout, !frame.arenaDisabled {
                for (step, output) in layout.retiring[index] where !frame.isRetirable(step: step, output: output) {
                    // A view the trace did not see outlives its value: stop reusing memory.
                    frame.arenaDisabled = true
                    bound.arenaBroken.store(true, ordering: .relaxed)
                }
            }
        }
        reused.add(reusedCount, ordering: .relaxed)
        inPlace.add(inPlaceCount, ordering: .relaxed)
        // An output that is a view of arena memory would be overwritten by the next run.
        let results = try outputIndices.map { index -> Tensor? in
            guard let value = frame.values[index] else { return nil }
            return value.storage.isSlice ? try value.copied() : value
        }
        completed = true
        return results
    }
}

/// Runs `body` with the session's thread count, backend order and memory limits as this thread's.
private func withOptions<R>(_ options: Session.Options, budget: MemoryBudget?, _ body: () throws -> R) rethrows -> R {
    let context = ThreadContext.current
    let saved = (context.threadCountOverride, context.backendOrderOverride)
    if options.threads > 0 { context.threadCountOverride = options.threads }
    if let order = options.backendOrder { context.backendOrderOverride = order }
    defer { (context.threadCountOverride, context.backendOrderOverride) = saved }
    return try MemoryLimits.withSessionLimits(cap: options.maxAllocationBytes, budget: budget, body)
}
