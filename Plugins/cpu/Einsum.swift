import PlexusPluginKit

/// Einsum (opset 28, unchanged since 12): Einstein summation over any number of operands, with explicit
/// ("ij,jk->ik") or implicit output, repeated labels within a term (diagonals), "..." for
/// broadcast dims and size-1 dims broadcast against their label's size. Composed of
/// Mul/ReduceSum (diagonals, summed-out labels), Transpose/Reshape and one batched MatMul per
/// pairwise contraction, so it trains through those ops' gradients.
enum Einsum: OperatorFamily {
    /// The Einsum schema, kernel and decomposition (one body).
    static var definitions: [OpDefinition] {
        [.composed("Einsum", since: 28, inputs: 1...OpDefinition.variadic, attributes: [.required("equation", .string)],
                   doc: "Einstein summation", supports: DTypes.first(DTypes.numeric), body)]
    }

    /// A dimension label: a letter's ASCII code, or 128 + k for the k-th dim covered by "...".
    typealias Label = Int
    /// The ellipsis in a parsed term, before the ranks say how many dims it covers.
    static let ellipsis: Label = -1

    /// The equation's terms: one per input, and the output's when it is explicit.
    struct Equation {
        /// One term per input.
        let inputs: [[Label]]
        /// The output term, nil for an implicit output.
        let output: [Label]?

        /// Parses an equation (spaces are ignored).
        init(_ text: String) throws {
            let compact = text.filter { $0 != " " }
            let sides = Equation.pieces(compact, by: "->")
            guard sides.count <= 2 else { throw PlexusError.invalid("Einsum: equation '\(text)' has more than one '->'") }
            inputs = try Equation.pieces(sides[0], by: ",").map { try Equation.term($0, in: text) }
            output = try sides.count == 2 ? Equation.term(sides[1], in: text) : nil
        }

        /// `text` cut at every occurrence of `separator`.
        static func pieces(_ text: String, by separator: String) -> [String] {
            var pieces: [String] = [], current = "", rest = Substring(text)
            while !rest.isEmpty {
                if rest.hasPrefix(separator) {
                    pieces.append(current)
                    current = ""
                    rest = rest.dropFirst(separator.count)
                } else {
                    current.append(rest.removeFirst())
                }
            }
            return pieces + [current]
        }

        /// The labels of one term, with `Einsum.ellipsis` where "..." stands.
        static func term(_ text: String, in equation: String) throws -> [Label] {
            let parts = pieces(text, by: "...")
            guard parts.count <= 2 else { throw PlexusError.invalid("Einsum: a term of '\(equation)' has more than one '...'") }
            let letters = try parts.map { part in
                try part.map { character -> Label in
                    guard let ascii = character.asciiValue, character.isLetter else {
                        throw PlexusError.invalid("Einsum: unexpected '\(character)' in equation '\(equation)'")
                    }
                    return Label(ascii)
                }
            }
            return parts.count == 2 ? letters[0] + [Einsum.ellipsis] + letters[1] : letters[0]
        }
    }

    /// An operand (or intermediate result) with the label of each of its dims.
    struct Term {
        /// The values.
        var tensor: KernelTensor
        /// One label per dim.
        var labels: [Label]
    }

    /// Diagonals first, then pairwise contractions left to right, then the output order.
    static func body(_ ops: OpSequence) throws -> [KernelTensor] {
        let equation = try Equation(try ops.attributes.string("equation") ?? "")
        guard equation.inputs.count == ops.inputs.count else {
            throw PlexusError.invalid("Einsum: the equation has \(equation.inputs.count) terms for \(ops.inputs.count) inputs")
        }
        let operands = try ops.inputs.indices.map { try ops.input($0) }
        // How many dims "..." covers: the most any operand gives it (they broadcast, aligned right).
        let ellipsisRank = try zip(equation.inputs, operands).map { labels, operand -> Int in
            let named = labels.filter { $0 != ellipsis }.count
            let covered = operand.rank - named
            guard covered >= 0, labels.contains(ellipsis) || covered == 0 else {
                throw PlexusError(.shapeMismatch, "Einsum: a term with \(named) labels does not fit an operand of shape \(operand.shape)")
            }
            return covered
        }.max() ?? 0
        func expanded(_ labels: [Label], covering count: Int) -> [Label] {
            labels.flatMap { $0 == ellipsis ? Array((128 + ellipsisRank - count)..<(128 + ellipsisRank)) : [$0] }
        }
        let terms = zip(equation.inputs, operands).map { labels, operand in
            Term(tensor: operand, labels: expanded(labels, covering: operand.rank - labels.filter { $0 != ellipsis }.count))
        }
        let output = try outputLabels(equation, terms: terms, ellipsisRank: ellipsisRank, expanded: expanded)
        var pending = try terms.map { try diagonal(ops, $0) }
        // Contract left to right, summing each label out as soon as nothing later needs it.
        var result = pending.removeFirst()
        while !pending.isEmpty {
            let next = pending.removeFirst()
            let needed = Set(output + pending.flatMap(\.labels))
            result = try contract(ops, result, next, keeping: needed)
        }
        result = try sumOut(ops, result, keeping: Set(output))
        return [try permute(ops, result, to: output)]
    }

    /// The explicit output labels (checked), or the implicit ones: the "..." dims, then the
    /// letters used exactly once, in ASCII order.
    static func outputLabels(_ equation: Equation, terms: [Term], ellipsisRank: Int,
                             expanded: ([Label], Int) -> [Label]) throws -> [Label] {
        let all = terms.flatMap(\.labels)
        guard let explicit = equation.output else {
            let letters = Set(all.filter { $0 < 128 }).filter { label in all.filter { $0 == label }.count == 1 }.sorted()
            return Array(128..<(128 + ellipsisRank)) + letters
        }
        let output = expanded(explicit, ellipsisRank)
        guard Set(output).count == output.count, output.allSatisfy(all.contains) else {
            throw PlexusError.invalid("Einsum: output labels must be distinct and appear in the inputs")
        }
        return output
    }

    /// The size of each label of `term`.
    static func sizes(_ term: Term) -> [Label: Int] {
        Dictionary(zip(term.labels, term.tensor.shape), uniquingKeysWith: { a, _ in a })
    }

    /// A term with each label that repeats within it reduced to its diagonal (x where I, else
    /// 0, summed over the second occurrence; a select, not x·I, so a NaN off the diagonal stays
    /// off it).
    static func diagonal(_ ops: OpSequence, _ term: Term) throws -> Term {
        var term = term
        while let second = term.labels.indices.first(where: { term.labels[..<$0].contains(term.labels[$0]) }) {
            let first = term.labels.firstIndex(of: term.labels[second])!
            let size = term.tensor.shape[first]
            guard term.tensor.shape[second] == size else {
                throw PlexusError(.shapeMismatch, "Einsum: a repeated label spans dims of sizes \(size) and \(term.tensor.shape[second])")
            }
            let zeros = try ops.call("ConstantOfShape", [try ops.int64s([size, size])])
            let identity = try ops.call("EyeLike", [zeros], [("dtype", .int(Int(DType.bool.rawValue)))])
            var maskShape = [Int](repeating: 1, count: term.labels.count)
            maskShape[first] = size
            maskShape[second] = size
            let zero = try ops.call("CastLike", [try ops.call("ConstantOfShape", [try ops.int64s([])]), term.tensor])
            let masked = try ops.call("Where", [try ops.reshape(identity, maskShape), term.tensor, zero])
            term.tensor = try ops.call("ReduceSum", [masked, try ops.int64s([second])], [("keepdims", .int(0))])
            term.labels.remove(at: second)
        }
        return term
    }

    /// The term with every label not in `keeping` summed out.
    static func sumOut(_ ops: OpSequence, _ term: Term, keeping: Set<Label>) throws -> Term {
        let axes = term.labels.indices.filter { !keeping.contains(term.labels[$0]) }
        guard !axes.isEmpty else { return term }
        let summed = try ops.call("ReduceSum", [term.tensor, try ops.int64s(axes)], [("keepdims", .int(0))])
        return Term(tensor: summed, labels: term.labels.filter(keeping.contains))
    }

    /// The term's tensor with its dims in the order of `labels`.
    static func permute(_ ops: OpSequence, _ term: Term, to labels: [Label]) throws -> KernelTensor {
        let perm = labels.map { term.labels.firstIndex(of: $0)! }
        guard perm != Array(perm.indices) else { return term.tensor }
        return try ops.call("Transpose", [term.tensor], [("perm", .ints(perm))])
    }

    /// The term with its size-1 dims of labels that are larger in `sizes` broadcast to them.
    static func broadcast(_ ops: OpSequence, _ term: Term, to sizes: [Label: Int]) throws -> Term {
        let shape = zip(term.labels, term.tensor.shape).map { label, size in size == 1 ? sizes[label] ?? 1 : size }
        guard shape != term.tensor.shape else { return term }
        return Term(tensor: try ops.call("Expand", [term.tensor, try ops.int64s(shape)]), labels: term.labels)
    }

    /// a·b summed over their shared labels that `keeping` does not contain, as one batched
    /// MatMul: a → [batch, a-only, summed], b → [batch, summed, b-only].
    static func contract(_ ops: OpSequence, _ a: Term, _ b: Term, keeping: Set<Label>) throws -> Term {
        let a = try sumOut(ops, a, keeping: keeping.union(b.labels)), b = try sumOut(ops, b, keeping: keeping.union(a.labels))
        let shared = a.labels.filter(b.labels.contains)
        let sizesA = sizes(a), sizesB = sizes(b)
        for label in shared where sizesA[label] != sizesB[label] && sizesA[label] != 1 && sizesB[label] != 1 {
            throw PlexusError(.shapeMismatch, "Einsum: a label has sizes \(sizesA[label]!) and \(sizesB[label]!) in two operands")
        }
        let left = try broadcast(ops, a, to: sizesB), right = try broadcast(ops, b, to: sizesA)
        let batch = shared.filter(keeping.contains), summed = shared.filter { !keeping.contains($0) }
        let aOnly = a.labels.filter { !shared.contains($0) }, bOnly = b.labels.filter { !shared.contains($0) }
        let size = sizes(left).merging(sizes(right)) { x, _ in x }
        func count(_ labels: [Label]) -> Int { labels.reduce(1) { $0 * size[$1]! } }
        let leftMatrix = try ops.reshape(try permute(ops, left, to: batch + aOnly + summed), [count(batch), count(aOnly), count(summed)])
        let rightMatrix = try ops.reshape(try permute(ops, right, to: batch + summed + bOnly), [count(batch), count(summed), count(bOnly)])
        let product = try ops.call("MatMul", [leftMatrix, rightMatrix])
        let labels = batch + aOnly + bOnly
        return Term(tensor: try ops.reshape(product, labels.map { size[$0]! }), labels: labels)
    }
}
