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
    private let defaults: [String: Tensor]
    private let options: Options
    /// The arena of intermediate buffers (nil when `reuseBuffers` is off).
    private let pool: BufferPool?
    /// What the session's allocations are charged to (nil when its options set no arena cap).
    private let budget: MemoryBudget?
    /// Per step, the inputs whose memory the op may write its output into, first choice first
    /// (empty when none may, or when in-place ops are off).
    private let inPlaceCandidates: [[String]]

    /// Buffers reused from the arena and op outputs written in place, summed over runs.
    public var memoryStatistics: (reusedBuffers: Int, inPlaceOutputs: Int) {
        (pool?.reused.load(ordering: .relaxed) ?? 0, pool?.inPlace.load(ordering: .relaxed) ?? 0)
    }

    /// Plans `graph`. Throws, in one error, for every op no loaded plugin provides; and for
    /// cycles, undefined values and failures while folding constants.
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
        plan = try withOptions(options, budget: budget) {
            try SessionPlan(try options.optimizations.apply(to: graph), fold: options.foldConstants)
        }
        pool = options.optimizations.contains(.reuseBuffers) ? BufferPool() : nil
        inPlaceCandidates = options.optimizations.contains(.inPlace) && pool != nil ? plan.inPlaceCandidates() : plan.steps.map { _ in [] }
        let initialized = Set(graph.initializers.keys)
        inputs = graph.inputs.filter { !initialized.contains($0.name) } + graph.inputs.filter { initialized.contains($0.name) }
        outputs = graph.outputs
        defaults = graph.initializers.filter { name, _ in graph.inputs.contains { $0.name == name } }
    }

    /// Runs the graph on `feeds` (by input name) and returns the requested outputs (all when
    /// `outputNames` is nil) in order. Checks every feed's dtype and shape against the
    /// declaration; unknown names and missing inputs are errors.
    public func run(_ feeds: [String: Tensor], outputNames: [String]? = nil) throws -> [Tensor] {
        let wanted = outputNames ?? outputs.map(\.name)
        for name in wanted where !outputs.contains(where: { $0.name == name }) {
            throw PlexusError(.notFound, "the model has no output '\(name)' (outputs: \(outputs.map(\.name).joined(separator: ", ")))")
        }
        if let unknown = feeds.keys.first(where: { name in !inputs.contains { $0.name == name } }) {
            throw PlexusError(.notFound, "the model has no input '\(unknown)' (inputs: \(inputs.map(\.name).joined(separator: ", ")))")
        }
        var values = plan.constants
        for info in inputs {
            if let tensor = feeds[info.name] {
                guard info.admits(tensor) else {
                    let declared = info.shape.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "?"
                    throw PlexusError(tensor.dtype == (info.dtype ?? tensor.dtype) ? .shapeMismatch : .dtypeMismatch,
                                      "input '\(info.name)' must be \(info.dtype?.description ?? "any")\(declared), got \(tensor.dtype)\(tensor.shape)")
                }
                values[info.name] = tensor
            } else if let fallback = defaults[info.name] {
                values[info.name] = fallback
            } else {
                throw PlexusError.invalid("input '\(info.name)' was not given")
            }
        }
        try withOptions(options, budget: budget) { try withoutGradients {
            let context = ThreadContext.current
            let savedPool = context.bufferPool
            context.bufferPool = pool
            defer {
                context.bufferPool = savedPool
                context.donatedStorage = nil
            }
            for (index, node) in plan.steps.enumerated() {
                try runStep(index, node, &values)
                for name in plan.releases[index] {
                    var released = values.removeValue(forKey: name)
                    pool?.recycle(&released)
                }
            }
        } }
        return try wanted.map { name in
            guard let value = values[name] else { throw PlexusError(.internal, "output '\(name)' was not computed") }
            if let info = outputs.first(where: { $0.name == name }) { try Graph.checkOutput(value, declared: info) }
            return value
        }
    }
}

extension Session {
    /// Runs one step: offers the op an input that dies here (an in-place op, when that input's
    /// memory is the value's alone), calls it and stores its outputs.
    private func runStep(_ index: Int, _ node: Graph.Node, _ values: inout [String: Tensor]) throws {
        for name in inPlaceCandidates[index] {
            guard var tensor = values.removeValue(forKey: name) else { continue }
            let storage = BufferPool.exclusiveStorage(of: &tensor)
            values[name] = tensor
            if let storage {
                ThreadContext.current.donatedStorage = storage
                break
            }
        }
        let arguments = try node.inputs.map { name -> Tensor? in
            guard !name.isEmpty else { return nil }
            guard let value = values[name] else { throw PlexusError(.internal, "value '\(name)' is missing at \(node.label)") }
            return value
        }
        let results: [Tensor]
        let start = profile == nil ? 0 : monotonicSeconds()
        do {
            results = try OpRegistry.shared.call(node.op, arguments, attributes: node.attributes, outputCount: node.outputs.count)
            profile?.add(step: index, node: node, seconds: monotonicSeconds() - start)
        } catch let error as PlexusError {
            throw PlexusError(error.code, "node \(node.label): \(error.message)")
        }
        ThreadContext.current.donatedStorage = nil
        for (name, value) in zip(node.outputs, results) where !name.isEmpty { values[name] = value }
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
