import PlexusPluginKit

/// Scatter (opset 9–10, deprecated in 11): the former name of ScatterElements without `reduction`.
enum ScatterAlias {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        [OpDefinition("Scatter", since: 9, inputs: 3...3, attributes: [AttributeDeclaration("axis", .int, default: .int(0))],
                      doc: "write updates into a copy of data at indices along axis (= ScatterElements)",
                      supports: DTypes.first(DTypes.numeric.union([.bool])), infer: Inference.sameAsInput(),
                      compute: Scattering.compute)]
    }
}
