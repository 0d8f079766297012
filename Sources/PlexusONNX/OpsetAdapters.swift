import PlexusCore

/// Rewrites nodes of older opset versions into the semantics the kernels implement (the newest
/// version of each op): attributes that later became inputs turn into constant inputs, and
/// Softmax/LogSoftmax/Hardmax before opset 13 (which flattened to 2-D around `axis`) become
/// Flatten → op(axis 1) → Reshape back. Ops whose versions only widened their types need
/// nothing.
struct OpsetAdapters {
    private var counter = 0

    /// A fresh value name for inserted constants and nodes.
    private mutating func fresh(_ base: String) -> String {
        counter += 1
        return "__plexus_\(base)_\(counter)"
    }

    mutating func adapt(_ node: Graph.Node, version: Int, initializers: inout [String: Tensor]) throws -> [Graph.Node] {
        guard node.op.domain.isEmpty else { return [node] }
        var node = node
        /// Moves attribute `name` (if present) to input `index` as a constant made by `make`.
        func attributeToInput(_ name: String, at index: Int, _ make: (AttributeValue) throws -> Tensor) throws {
            guard let value = node.attributes[name] else { return }
            let constant = fresh(name)
            initializers[constant] = try make(value)
            while node.inputs.count < index { node.inputs.append("") }
            if node.inputs.count == index { node.inputs.append(constant) } else { node.inputs[index] = constant }
            node.attributes[name] = nil
        }
        func ints(_ value: AttributeValue) throws -> Tensor {
            guard case .ints(let v) = value else { throw PlexusError.invalid("node \(node.label): expected ints") }
            return try Tensor(v, shape: [v.count])
        }
        func float(_ value: AttributeValue) throws -> Tensor {
            switch value {
            case .float(let v): return Tensor(scalar: Float(v))
            case .int(let v): return Tensor(scalar: Float(v))
            default: throw PlexusError.invalid("node \(node.label): expected a float")
            }
        }
        switch (node.op.name, version) {
        case ("Clip", ..<11):
            if node.attributes["min"] == nil { node.attributes["min"] = .float(-Double(Float.greatestFiniteMagnitude)) }
            if node.attributes["max"] == nil { node.attributes["max"] = .float(Double(Float.greatestFiniteMagnitude)) }
            try attributeToInput("min", at: 1, float)
            try attributeToInput("max", at: 2, float)
        case ("Pad", ..<11):
            try attributeToInput("pads", at: 1, ints)
            try attributeToInput("value", at: 2, float)
        case ("Slice", ..<10):
            try attributeToInput("starts", at: 1, ints)
            try attributeToInput("ends", at: 2, ints)
            try attributeToInput("axes", at: 3, ints)
        case ("TopK", ..<10):
            try attributeToInput("k", at: 1) { value in
                guard case .int(let k) = value else { throw PlexusError.invalid("node \(node.label): k must be an int") }
                return try Tensor([k], shape: [1])
            }
        case ("DFT", ..<20):
            // Opset 17's axis attribute (default 1) became input 2 (default -2).
            if node.attributes["axis"] == nil { node.attributes["axis"] = .int(1) }
            try attributeToInput("axis", at: 2) { value in
                guard case .int(let axis) = value else { throw PlexusError.invalid("node \(node.label): axis must be an int") }
                return try Tensor([axis], shape: [])
            }
        case ("Dropout", ..<12):
            node.attributes["is_test"] = nil
            try attributeToInput("ratio", at: 1, float)
        case ("Softmax", ..<13), ("LogSoftmax", ..<13), ("Hardmax", ..<13):
            return try flattenedAroundAxis(node, initializers: &initializers)
        default:
            break
        }
        return [node]
    }

    /// Opset < 13 softmax family: coerce to 2-D [∏ dims before axis, ∏ dims from axis], apply
    /// along dim 1, restore the shape.
    private mutating func flattenedAroundAxis(_ node: Graph.Node, initializers: inout [String: Tensor]) throws -> [Graph.Node] {
        guard node.inputs.count == 1, node.outputs.count == 1 else { throw PlexusError.invalid("node \(node.label) needs one input and output") }
        let axis = Int64({ if case .int(let v)? = node.attributes["axis"] { return Int(v) } else { return 1 } }())
        let input = node.inputs[0], output = node.outputs[0]
        let flat = fresh("flat"), applied = fresh("applied"), shape = fresh("shape")
        return [
            Graph.Node(op: OpKey(name: "Flatten"), name: node.name, inputs: [input], outputs: [flat], attributes: ["axis": .int(axis)]),
            Graph.Node(op: node.op, name: node.name, inputs: [flat], outputs: [applied], attributes: ["axis": .int(1)]),
            Graph.Node(op: OpKey(name: "Shape"), name: node.name, inputs: [input], outputs: [shape]),
            Graph.Node(op: OpKey(name: "Reshape"), name: node.name, inputs: [applied, shape], outputs: [output]),
        ]
    }
}
