import PlexusPluginKit

/// CastLike (opset 25): Cast to the dtype of a second input, with Cast's conversion rules
/// (float→integer truncates toward zero and saturates, integer→integer wraps, nonzero is true).
/// `saturate` and `round_mode` only matter for the float8 types.
enum LikeCasting: OperatorFamily {
    /// The CastLike schema and kernel.
    static var definitions: [OpDefinition] {
        let castable = DTypes.castable
        return [OpDefinition("CastLike", since: 25, inputs: 2...2,
                             attributes: [AttributeDeclaration("saturate", .int, default: .int(1)),
                                          AttributeDeclaration("round_mode", .string, default: .string("up"))],
                             doc: "convert input 0 to the dtype of input 1",
                             supports: { dtypes in dtypes.count == 2 && dtypes.allSatisfy { $0.map(castable.contains) ?? false } },
                             infer: { context in
                                 guard let input = context.input(0), let like = context.input(1) else {
                                     throw PlexusError.invalid("CastLike needs an input and a target_type tensor")
                                 }
                                 try context.setOutput(0, like.dtype, input.shape)
                             },
                             compute: { context in
                                 let input = try context.input(0), like = try context.input(1)
                                 try Casting.convert(input, into: try context.output(0, like.dtype, input.shape),
                                                     rules: try Casting.Rules(context.attributes))
                             })]
    }
}
