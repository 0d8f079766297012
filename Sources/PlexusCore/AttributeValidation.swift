/// Checks attributes against declared specs: unknown names, wrong types and missing required
/// ones are errors; defaults fill the rest. Shared by operator calls and layer construction.
enum AttributeValidation {
    static func validated(_ attributes: Attributes, specs: [AttributeSpec], defaults: Attributes, owner: String) throws -> Attributes {
        for name in attributes.names {
            guard let spec = specs.first(where: { $0.name == name }) else {
                let known = specs.map(\.name).joined(separator: ", ")
                throw PlexusError.invalid("\(owner) has no attribute '\(name)' (it accepts: \(known.isEmpty ? "none" : known))")
            }
            let value = attributes[name]!
            guard value.isAccepted(as: spec.type) else {
                throw PlexusError.invalid("attribute '\(name)' of \(owner) must be \(spec.type), got \(value.type)")
            }
        }
        for spec in specs where spec.required && attributes[spec.name] == nil {
            throw PlexusError.invalid("\(owner) requires attribute '\(spec.name)' (\(spec.type))")
        }
        if attributes.isEmpty { return defaults }
        return defaults.isEmpty ? attributes : attributes.merged(over: defaults)
    }
}
