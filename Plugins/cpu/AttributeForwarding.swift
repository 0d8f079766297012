import PlexusPluginKit

/// Passing a composed operator's attributes on to the op it calls (e.g. Conv's geometry).
/// A generic helper: any plugin composing ops could use it.
enum AttributeForwarding {
    /// The attributes among `declarations` (int, ints or string) that were given.
    static func given(_ attributes: AttributeReader, _ declarations: [AttributeDeclaration]) throws -> [(String, AttributeValue)] {
        try declarations.compactMap { declaration in
            switch declaration.type {
            case .ints: return try attributes.ints(declaration.name).map { (declaration.name, .ints($0)) }
            case .int: return try attributes.int(declaration.name).map { (declaration.name, .int($0)) }
            default: return try attributes.string(declaration.name).map { (declaration.name, .string($0)) }
            }
        }
    }
}
