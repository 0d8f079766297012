import PlexusPluginKit

/// OneHot: indices → a new axis of size `depth` holding values[1] at the index, values[0]
/// elsewhere. Negative indices count from the end; out-of-range ones give all "off".
enum Encoding: OperatorFamily {
    static var definitions: [OpDefinition] {
        [OpDefinition("OneHot", since: 11, inputs: 3...3, attributes: [AttributeDeclaration("axis", .int, default: .int(-1))],
                      doc: "one-hot encoding", compute: compute)]
    }

    static func compute(_ context: KernelContext) throws {
        let indexTensor = try context.input(0), depthTensor = try context.input(1), values = try context.input(2)
        guard depthTensor.count == 1 else { throw PlexusError.invalid("OneHot: depth must be a scalar") }
        guard values.count == 2 else { throw PlexusError.invalid("OneHot: values must hold [off, on]") }
        guard values.dtype != .string else { throw PlexusError(.unsupported, "OneHot does not support string values") }
        let depth = try CheckedConversion.integer(try Casting.doubles(depthTensor)[0], in: 1...Int.max, "OneHot: depth")
        // An index outside [-depth, depth) (NaN and infinities too) selects nothing: all "off".
        let indices = try Casting.doubles(indexTensor).map { value -> Int in
            let index = value.rounded(.towardZero)
            return index >= -Double(depth) && index < Double(depth) ? Int(index) : depth
        }
        let rank = indexTensor.rank + 1
        let axis = try normalizedAxis(try context.attributes.int("axis") ?? -1, rank: rank, op: "OneHot")
        var shape = indexTensor.shape
        shape.insert(depth, at: axis)
        let output = try context.output(0, values.dtype, shape)
        let size = values.dtype.elementSize
        let outer = product(indexTensor.shape, 0..<axis), inner = product(indexTensor.shape, axis..<indexTensor.rank)
        guard outer > 0 && inner > 0 else { return }  // an empty output: no need to walk a huge depth
        for o in 0..<outer {
            for d in 0..<depth {
                for i in 0..<inner {
                    var index = indices[o * inner + i]
                    if index < 0 { index += depth }
                    let source = values.data + (index == d ? size : 0)
                    (output.data + ((o * depth + d) * inner + i) * size).copyMemory(from: source, byteCount: size)
                }
            }
        }
    }
}
