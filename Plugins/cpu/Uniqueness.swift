import PlexusPluginKit

/// Unique (opset 28, unchanged since 11): the distinct elements of the flattened input, or the distinct
/// slices along `axis`, in ascending (lexicographic) order (`sorted` = 1) or in order of first
/// occurrence (`sorted` = 0); with the optional outputs indices (first occurrence of each),
/// inverse_indices (which unique item each input item is) and counts, all int64.
enum Uniqueness: OperatorFamily {
    /// The Unique schema and kernel.
    static var definitions: [OpDefinition] {
        [OpDefinition("Unique", since: 28, inputs: 1...1, outputs: 1...4,
                      attributes: [AttributeDeclaration("axis", .int), AttributeDeclaration("sorted", .int, default: .int(1))],
                      doc: "distinct elements or slices, with first indices, inverse indices and counts",
                      supports: DTypes.first(DTypes.numeric), compute: compute)]
    }

    /// The input seen as `items` items of `outer`×`inner` elements each (item i's elements are
    /// at (o·items + i)·inner + j).
    struct Layout {
        /// Elements before, items along, and elements after the axis.
        let outer: Int, items: Int, inner: Int
    }

    /// The distinct items: each one's first occurrence (in output order), each input item's
    /// position in that list, and how often each occurs.
    final class Grouping: NumericBody {
        let input: KernelTensor, layout: Layout, sorted: Bool
        private(set) var firsts: [Int] = [], inverse: [Int] = [], counts: [Int] = []

        /// A grouping of `input`'s items, in ascending or first-occurrence order.
        init(input: KernelTensor, layout: Layout, sorted: Bool) {
            self.input = input
            self.layout = layout
            self.sorted = sorted
        }

        func run<T: CPUNumber>(_ type: T.Type) throws {
            let x = input.pointer(as: T.self), (outer, items, inner) = (layout.outer, layout.items, layout.inner)
            /// -1, 0 or 1 as item a sorts before, with or after item b (NaN last, equal to NaN,
            /// as numpy.unique orders them).
            func compare(_ a: Int, _ b: Int) -> Int {
                for o in 0..<outer {
                    for j in 0..<inner {
                        let xa = x[(o * items + a) * inner + j], xb = x[(o * items + b) * inner + j]
                        if xa.isNaNValue || xb.isNaNValue {
                            if xa.isNaNValue != xb.isNaNValue { return xa.isNaNValue ? 1 : -1 }
                        } else if xa < xb {
                            return -1
                        } else if xb < xa {
                            return 1
                        }
                    }
                }
                return 0
            }
            let order = (0..<items).sorted { a, b in
                let relation = compare(a, b)
                return relation != 0 ? relation < 0 : a < b
            }
            // Runs of equal items in sorted order; the first of a run is its first occurrence.
            var groupOf = [Int](repeating: 0, count: items)
            var groupFirsts: [Int] = [], groupCounts: [Int] = []
            for (position, item) in order.enumerated() {
                if position == 0 || compare(order[position - 1], item) != 0 {
                    groupFirsts.append(item)
                    groupCounts.append(0)
                }
                groupOf[item] = groupFirsts.count - 1
                groupCounts[groupCounts.count - 1] += 1
            }
            // Output order: ascending, or by first occurrence.
            let groups = sorted ? Array(groupFirsts.indices) : groupFirsts.indices.sorted { groupFirsts[$0] < groupFirsts[$1] }
            var rank = [Int](repeating: 0, count: groups.count)
            for (position, group) in groups.enumerated() { rank[group] = position }
            firsts = groups.map { groupFirsts[$0] }
            counts = groups.map { groupCounts[$0] }
            inverse = groupOf.map { rank[$0] }
        }
    }

    /// The kernel: groups the items, copies one of each, writes the optional outputs.
    static func compute(_ context: KernelContext) throws {
        let input = try context.input(0)
        let axis = try context.attributes.int("axis").map { try normalizedAxis($0, rank: input.rank, op: "Unique") }
        guard axis == nil || input.rank >= 1 else { throw PlexusError.invalid("Unique: axis needs an input of rank >= 1") }
        let shape = axis == nil ? [input.count] : input.shape
        let along = axis ?? 0
        let layout = Layout(outer: product(shape, 0..<along), items: shape[along], inner: product(shape, (along + 1)..<shape.count))
        let grouping = Grouping(input: input, layout: layout, sorted: try context.attributes.flag("sorted", default: true, op: "Unique"))
        try TypeDispatch.numeric(input.dtype, op: "Unique", grouping)
        var outputShape = shape
        outputShape[along] = grouping.firsts.count
        let output = try context.output(0, input.dtype, outputShape)
        let slice = layout.inner * input.dtype.elementSize
        for o in 0..<layout.outer {
            for (position, item) in grouping.firsts.enumerated() {
                (output.data + (o * grouping.firsts.count + position) * slice)
                    .copyMemory(from: input.data + (o * layout.items + item) * slice, byteCount: slice)
            }
        }
        for (index, values) in [grouping.firsts, grouping.inverse, grouping.counts].enumerated() where index + 1 < context.outputCount {
            let tensor = try context.output(index + 1, .int64, [values.count])
            for (position, value) in values.enumerated() { tensor.pointer(as: Int64.self)[position] = Int64(value) }
        }
    }
}
