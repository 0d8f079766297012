/// A file's worth of operators a plugin registers. A plugin target that uses the
/// `OperatorIndex` build plugin registers every type in it declared as `enum Name: OperatorFamily`
/// or `enum Name: SingleOperatorFamily` (or `struct`), gathered at build time: adding an operator
/// is adding one file.
public protocol OperatorFamily {
    /// The operators this family defines.
    static var definitions: [OpDefinition] { get }
}

/// A file that defines one operator: its `definition` is the family's whole list.
public protocol SingleOperatorFamily: OperatorFamily {
    /// The operator this file defines.
    static var definition: OpDefinition { get }
}

extension SingleOperatorFamily {
    /// `[definition]`.
    public static var definitions: [OpDefinition] { [definition] }
}
