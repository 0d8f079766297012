/// A file's worth of operators a plugin registers. A plugin target that uses the
/// `OperatorIndex` build plugin registers every type in it declared as `enum Name: OperatorFamily`
/// (or `struct`), gathered at build time: adding an operator is adding one file.
public protocol OperatorFamily {
    /// The operators this family defines.
    static var definitions: [OpDefinition] { get }
}
