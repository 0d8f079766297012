import CPlexus
import PlexusABI
import Synchronization

/// The process-wide registry of plugins, operator schemas and kernels.
///
/// Thread-safe: all state sits behind one lock, held only for short reads and for committing a
/// plugin's registrations at once (so a failing plugin leaves nothing behind).
public final class OpRegistry: Sendable {
    /// The one registry of the process.
    public static let shared = OpRegistry()

    struct State {
        var schemas: [OpKey: OpSchema] = [:]
        var kernels: [OpKey: [Kernel]] = [:]
        var plugins: [PluginRecord] = []
        var layerTypes: [String: LayerType] = [:]
        var dispatchCache: [OpKey: (schema: OpSchema?, kernels: [Kernel])] = [:]
        var cacheGeneration = -1
        var kernelSequence = 0
    }

    private let state = Mutex(State())
    /// Bumped whenever registrations change what a lookup returns (a plugin committed, a gradient
    /// attached), so prepared ops know to look again.
    private let generation = Atomic<Int>(0)

    /// The registry's and the backend order's generations: a lookup made at equal generations
    /// is still valid.
    var generations: (registry: Int, order: Int) {
        (generation.load(ordering: .acquiring), BackendOrder.generation.load(ordering: .acquiring))
    }

    init() {}

    /// The loaded plugins, in load order.
    public var plugins: [PluginRecord] { state.withLock { $0.plugins } }

    /// The schema of `key`, if a loaded plugin registered one.
    public func schema(_ key: OpKey) -> OpSchema? { state.withLock { $0.schemas[key] } }

    /// Every registered schema's key, sorted.
    public var opKeys: [OpKey] { state.withLock { $0.schemas.keys.sorted() } }

    /// The kernels registered for `key`, in dispatch order under the current backend order.
    public func kernels(for key: OpKey) -> [Kernel] { dispatchEntry(key).kernels }

    /// The schema and the ordered kernels of `key`, from a cache that is rebuilt when plugins
    /// register or the backend order changes (the hot path of every op call).
    func dispatchEntry(_ key: OpKey) -> (schema: OpSchema?, kernels: [Kernel]) {
        if let order = ThreadContext.current.backendOrderOverride {
            return state.withLock { ($0.schemas[key], BackendOrder.sorted($0.kernels[key] ?? [], order: order)) }
        }
        let generation = BackendOrder.generation.load(ordering: .relaxed)
        return state.withLock { state in
            if state.cacheGeneration == generation, let entry = state.dispatchCache[key] { return entry }
            if state.cacheGeneration != generation {
                state.dispatchCache.removeAll(keepingCapacity: true)
                state.cacheGeneration = generation
            }
            let entry = (state.schemas[key], BackendOrder.sorted(state.kernels[key] ?? [], order: BackendOrder.current))
            state.dispatchCache[key] = entry
            return entry
        }
    }

    /// The registered layer types by name.
    public var layerTypes: [String: LayerType] { state.withLock { $0.layerTypes } }

    /// Which plugin provides layer type `name`, if any.
    func layerProvider(_ name: String) -> String? { state.withLock { $0.layerTypes[name]?.plugin } }

    /// True when any plugin registered at least one kernel.
    public var hasKernels: Bool { state.withLock { !$0.kernels.isEmpty } }

    /// Attaches a gradient rule to a registered schema (used by the autograd layer).
    public func setGradient(_ rule: @escaping GradientRule, for key: OpKey) throws {
        try state.withLock { state in
            guard state.schemas[key] != nil else { throw PlexusError(.notFound, "no operator \(key) to attach a gradient to") }
            state.schemas[key]!.gradient = rule
            state.dispatchCache.removeAll()
        }
        generation.add(1, ordering: .releasing)
    }

    /// Throws `alreadyExists` when a schema for `key` (or a kernel for `key` on `backend`) exists.
    func checkFree(schema key: OpKey) throws {
        if let existing = state.withLock({ $0.schemas[key] }) {
            throw PlexusError(.alreadyExists, "operator \(key) is already registered by plugin '\(existing.plugin)'")
        }
    }

    func checkFree(kernel key: OpKey, backend: String) throws {
        if let existing = state.withLock({ $0.kernels[key]?.first { $0.backend == backend } }) {
            throw PlexusError(.alreadyExists,
                              "a \(backend) kernel for \(key) is already registered by plugin '\(existing.plugin)'")
        }
    }

    /// Adds a plugin's staged registrations at once, or nothing if any conflicts.
    func commit(plugin: PluginRecord, schemas: [OpSchema], kernels: [Kernel],
                gradients: [(key: OpKey, rule: GradientRule)] = [], layers: [LayerType] = [],
                decompositions: [(key: OpKey, function: plx_kernel_fn, user: UnsafeMutableRawPointer?)] = []) throws {
        try state.withLock { state in
            if let other = state.plugins.first(where: { $0.name == plugin.name }) {
                throw PlexusError(.alreadyExists, "a plugin named '\(plugin.name)' is already loaded from \(other.path)")
            }
            for schema in schemas where state.schemas[schema.key] != nil {
                throw PlexusError(.alreadyExists, "operator \(schema.key) is already registered by plugin '\(state.schemas[schema.key]!.plugin)'")
            }
            for kernel in kernels where state.kernels[kernel.key]?.contains(where: { $0.backend == kernel.backend }) == true {
                throw PlexusError(.alreadyExists, "a \(kernel.backend) kernel for \(kernel.key) is already registered")
            }
            for (key, _) in gradients where state.schemas[key]?.gradient != nil {
                throw PlexusError(.alreadyExists, "operator \(key) already has a gradient")
            }
            for layer in layers where state.layerTypes[layer.name] != nil {
                throw PlexusError(.alreadyExists, "layer type \(layer.name) is already registered by plugin '\(state.layerTypes[layer.name]!.plugin)'")
            }
            for layer in layers { state.layerTypes[layer.name] = layer }
            for schema in schemas { state.schemas[schema.key] = schema }
            for (key, rule) in gradients { state.schemas[key]?.gradient = rule }
            for (key, function, user) in decompositions where state.schemas[key]?.decomposition == nil {
                state.schemas[key]?.decomposition = (function, user)
            }
            for kernel in kernels {
                kernel.sequence = state.kernelSequence
                state.kernelSequence += 1
                state.kernels[kernel.key, default: []].append(kernel)
            }
            state.plugins.append(plugin)
            state.dispatchCache.removeAll()
        }
        generation.add(1, ordering: .releasing)
    }

    /// Which plugin provides `key`, for messages.
    func provider(of key: OpKey) -> String? {
        state.withLock { $0.schemas[key]?.plugin ?? $0.kernels[key]?.first?.plugin }
    }
}
