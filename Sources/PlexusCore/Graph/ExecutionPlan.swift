import Synchronization

/// A session's plan bound to one signature of inputs (their dtypes and shapes): the kernel of
/// every step chosen once, and every intermediate's place in an arena laid out by liveness
/// (`ArenaLayout`). Made from a traced run, cached by the exact signature, and run any number
/// of times from any number of threads (each run takes its own `RunFrame`).
final class ExecutionPlan: @unchecked Sendable {
    /// The input dtypes and shapes it was made for, in the session's input order.
    struct Signature: Hashable {
        var dtypes: [DType]
        var shapes: [[Int]]

        /// The signature of `tensors`.
        init(of tensors: [Tensor]) {
            dtypes = tensors.map(\.dtype)
            shapes = tensors.map(\.shape)
        }

        /// Whether `tensors` have exactly these dtypes and shapes (checked without building a
        /// signature: this runs on every run).
        func matches(_ tensors: [Tensor]) -> Bool {
            guard tensors.count == dtypes.count else { return false }
            for (index, tensor) in tensors.enumerated() where tensor.dtype != dtypes[index] || tensor.shape != shapes[index] {
                return false
            }
            return true
        }
    }

    /// Per step: the kernel, or nil where the step runs through its op's general path (an op
    /// with only a decomposition).
    let kernels: [Kernel?]
    /// Where intermediates live, or nil when the session does not reuse buffers.
    let layout: ArenaLayout?
    /// Set when a run found a view the trace did not see still alive where the layout reuses
    /// memory: runs after that allocate every output (correct, just not pooled).
    let arenaBroken = Atomic<Bool>(false)
    /// The registry and backend-order generations the kernels were chosen at: a plugin loaded
    /// or a backend order set since then makes the session trace again.
    let generations: (registry: Int, order: Int)
    /// Frames not in use by a run; a run takes one and gives it back.
    private let idle = Mutex<[RunFrame]>([])

    init(kernels: [Kernel?], layout: ArenaLayout?, generations: (registry: Int, order: Int)) {
        self.kernels = kernels
        self.generations = generations
        self.layout = layout
    }

    /// A frame for one run: an idle one, or a new one (with its own arena).
    func takeFrame(_ plan: SessionPlan) throws -> RunFrame {
        if let frame = idle.withLock({ $0.popLast() }) { return frame }
        return try RunFrame(plan, layout: arenaBroken.load(ordering: .relaxed) ? nil : layout)
    }

    /// Gives a frame back for later runs; a frame whose arena the run stopped using is dropped.
    func returnFrame(_ frame: RunFrame) {
        guard !frame.arenaDisabled, !arenaBroken.load(ordering: .relaxed) else { return }
        // Two idle frames serve two concurrent runs; more would only hold memory.
        idle.withLock { frames in if frames.count < 2 { frames.append(frame) } }
    }
}

/// The state of one run of an `ExecutionPlan` (one thread at a time, so its fields skip Swift's
/// dynamic exclusivity checks): the value table, the argument arrays of each step
/// (reused, so a run allocates none) and the arena with a tensor over each slot.
final class RunFrame: @unchecked Sendable {  // used by one run at a time
    /// Values by index: constants stay, the rest is filled and cleared by each run.
    @exclusivity(unchecked) var values: [Tensor?]
    /// Per step, its argument array.
    @exclusivity(unchecked) var arguments: [[Tensor?]]
    /// Per step, the arena tensors reserved for its outputs (nil: allocate).
    @exclusivity(unchecked) var reserved: [[Tensor?]]
    /// Set when a run stopped using the arena (see `ExecutionPlan.arenaBroken`).
    @exclusivity(unchecked) var arenaDisabled = false

    init(_ plan: SessionPlan, layout: ArenaLayout?) throws {
        values = plan.constants
        arguments = plan.steps.map { [Tensor?](repeating: nil, count: $0.inputs.count) }
        guard let layout, layout.size > 0 else {
            reserved = plan.steps.map { [Tensor?](repeating: nil, count: $0.outputs.count) }
            return
        }
        let arena = try Storage(byteCount: layout.size, zeroed: false)
        reserved = layout.slots.map { slots in
            slots.map { slot in
                slot.map { Tensor(dtype: $0.dtype, shape: $0.shape, storage: Storage(slicing: arena, offset: $0.offset, byteCount: $0.byteCount)) }
            }
        }
    }

    /// Whether the memory of the slot at (`step`, `output`) has no tensor over it but its own, so
    /// later outputs may take it; false turns the arena off for the rest of the run.
    func isRetirable(step: Int, output: Int) -> Bool {
        guard let tensor = reserved[step][output] else { return true }
        return tensor.storage.tensorCount.load(ordering: .relaxed) == 1
    }
}
