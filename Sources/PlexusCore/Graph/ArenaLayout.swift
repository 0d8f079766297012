/// Where each intermediate value of a session's plan lives in one arena block: offsets assigned
/// by liveness, so values whose lifetimes do not overlap share memory, and an op that declared
/// it may write its output over an input dying at it (in place) gets that input's offset.
///
/// Made from one traced run (the sizes, dtypes and storages every step produced), since shapes
/// may depend on values: a later run whose value has another shape allocates it as usual.
struct ArenaLayout {
    /// What a traced run saw of one value a step produced.
    struct Produced {
        var dtype: DType
        var shape: [Int]
        var byteCount: Int
        /// The storage's serial: equal serials are views of one buffer.
        var serial: Int
    }

    /// The arena memory of one step output.
    struct Slot {
        var offset: Int
        var dtype: DType
        var shape: [Int]
        var byteCount: Int
        /// Whether it shares its offset with an input of the same step (an in-place write).
        var inPlace: Bool
    }

    /// Per step, per output position: its slot, or nil when the output is not in the arena.
    let slots: [[Slot?]]
    /// Per step, the slots of values whose memory later steps reuse: before that happens, their
    /// buffer must have no other tensor over it (a view the trace did not see).
    let retiring: [[(step: Int, output: Int)]]
    /// Bytes of the arena.
    let size: Int

    /// Slots start at multiples of this, so vector kernels see aligned rows.
    static let alignment = Storage.alignment

    /// Lays out `plan`'s step outputs seen in `produced` (by value index). Values that are
    /// outputs of the graph, views of inputs or constants, strings or views shared with any of
    /// those stay out. `inPlace` gives, per step, the input positions its kernel may overwrite.
    init(_ plan: SessionPlan, produced: [Produced?], external: Set<Int>, inPlace: [[Int]]) {
        // Groups: a value and the views of it made by later steps, keyed by the root value.
        var rootOfSerial: [Int: Int] = [:]
        for serial in external { rootOfSerial[serial] = -1 }
        var root = [Int](repeating: -1, count: plan.names.count)
        var death: [Int: Int] = [:]
        var escapes: Set<Int> = []
        var releaseStep = [Int](repeating: -1, count: plan.names.count)
        for (index, step) in plan.steps.enumerated() { for value in step.releases { releaseStep[value] = index } }
        for step in plan.steps {
            for value in step.outputs where value >= 0 {
                guard let seen = produced[value] else { continue }
                let owner = rootOfSerial[seen.serial] ?? value
                rootOfSerial[seen.serial] = owner
                root[value] = owner
                guard owner >= 0 else { continue }
                // Never released: a graph output, which the caller keeps.
                if releaseStep[value] < 0 || seen.dtype == .string { escapes.insert(owner) }
                death[owner] = max(death[owner] ?? 0, releaseStep[value])
            }
        }
        func aligned(_ bytes: Int) -> Int { (bytes + Self.alignment - 1) / Self.alignment * Self.alignment }
        var free: [(offset: Int, size: Int)] = []  // sorted by offset
        var top = 0
        var offsetOf: [Int: Int] = [:]
        var dying = [[Int]](repeating: [], count: plan.steps.count)
        for (owner, step) in death where !escapes.contains(owner) { dying[step].append(owner) }
        var slots: [[Slot?]] = []
        var retiring = [[(step: Int, output: Int)]](repeating: [], count: plan.steps.count)
        var slotOf: [Int: (step: Int, output: Int)] = [:]

        func take(_ size: Int) -> Int {
            // Best fit among freed blocks, else the top of the arena.
            if let best = free.indices.filter({ free[$0].size >= size }).min(by: { free[$0].size < free[$1].size }) {
                let block = free[best]
                if block.size == size { free.remove(at: best) } else { free[best] = (block.offset + size, block.size - size) }
                return block.offset
            }
            top += size
            return top - size
        }
        func give(_ offset: Int, _ size: Int) {
            var position = free.firstIndex { $0.offset > offset } ?? free.count
            free.insert((offset, size), at: position)
            // Merge with the neighbours, so large values can reuse runs of small freed ones.
            if position + 1 < free.count, free[position].offset + free[position].size == free[position + 1].offset {
                free[position].size += free[position + 1].size
                free.remove(at: position + 1)
            }
            if position > 0, free[position - 1].offset + free[position - 1].size == free[position].offset {
                free[position - 1].size += free[position].size
                free.remove(at: position)
                position -= 1
            }
        }

        for (index, step) in plan.steps.enumerated() {
            var stepSlots = [Slot?](repeating: nil, count: step.outputs.count)
            var handedOver: Set<Int> = []
            for (position, value) in step.outputs.enumerated() where value >= 0 && root[value] == value && death[value] != nil
                && !escapes.contains(value) {
                let seen = produced[value]!
                let size = aligned(max(seen.byteCount, 1))
                var offset: Int?
                var writesInPlace = false
                if position == 0 {
                    // An input whose group dies here, read once, of the same size: write over it.
                    for input in inPlace[index] where input < step.inputs.count {
                        let candidate = step.inputs[input]
                        // …and no other input of the step reads the same buffer through a view.
                        guard candidate >= 0, root[candidate] == candidate, let at = offsetOf[candidate], death[candidate] == index,
                              !handedOver.contains(candidate), produced[candidate]!.byteCount == seen.byteCount,
                              step.inputs.filter({ $0 >= 0 && root[$0] == candidate }).count == 1 else { continue }
                        offset = at
                        writesInPlace = true
                        handedOver.insert(candidate)
                        break
                    }
                }
                let at = offset ?? take(size)
                offsetOf[value] = at
                stepSlots[position] = Slot(offset: at, dtype: seen.dtype, shape: seen.shape, byteCount: seen.byteCount, inPlace: writesInPlace)
                slotOf[value] = (index, position)
            }
            slots.append(stepSlots)
            // Inputs are read while outputs are written: their memory is free only after the step.
            for owner in dying[index] where offsetOf[owner] != nil {
                if let slot = slotOf[owner] { retiring[index].append(slot) }
                if !handedOver.contains(owner) { give(offsetOf[owner]!, aligned(max(produced[owner]!.byteCount, 1))) }
            }
        }
        self.slots = slots
        self.retiring = retiring
        size = top
    }
}
