import PlexusABI

/// The C-callable behaviour of the attribute functions, shared by the public C ABI
/// (`plx_attrs_*`) and the plugin host table.
public enum CAttributeFunctions {
    /// `plx_attrs_create`.
    public static func create(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
        withStatus {
            guard let out else { throw PlexusError.invalid("out is NULL") }
            out.pointee = Attributes().retainedHandle()
        }
    }

    /// `plx_attrs_release`.
    public static func release(_ handle: OpaquePointer?) { handle.map(Attributes.release) }

    /// Shared body of the setters: validates the set and the name, then stores `value()`.
    public static func set(_ handle: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                           _ value: () throws -> AttributeValue) -> Int32 {
        withStatus {
            guard let handle else { throw PlexusError.invalid("attribute set is NULL") }
            guard let name else { throw PlexusError.invalid("attribute name is NULL") }
            let key = String(cString: name)
            guard !key.isEmpty else { throw PlexusError.invalid("attribute name is empty") }
            Attributes.from(handle)[key] = try value()
        }
    }

    /// Reads a C array of `count` items (NULL allowed only for zero items). Inlinable, so callers
    /// in other modules get a specialised loop instead of the generic one.
    @inlinable
    public static func array<T, R>(_ pointer: UnsafePointer<T>?, _ count: Int, _ what: String,
                                   _ transform: (T) throws -> R) throws -> [R] {
        guard count == 0 || pointer != nil else { throw PlexusError.invalid("\(what) is NULL but n is \(count)") }
        return try (0..<count).map { try transform(pointer![$0]) }
    }

    /// Reads a C string argument that must not be NULL.
    @inlinable
    public static func string(_ pointer: UnsafePointer<CChar>?, _ what: String) throws -> String {
        guard let pointer else { throw PlexusError.invalid("\(what) is NULL") }
        return String(cString: pointer)
    }

    /// Getter body: finds the entry, checks the type, writes through `write`.
    /// Absent attributes are reported (`PLX_ERR_NOT_FOUND`) without touching the thread's last
    /// error and without making a message: kernels ask for optional attributes on every call.
    static func get(_ handle: OpaquePointer?, _ name: UnsafePointer<CChar>?, as type: AttributeType,
                    _ write: (Attributes.Entry) -> Void) -> Int32 {
        guard let handle else { return ThreadErrors.record(.invalid("attribute set is NULL")) }
        guard let name else { return ThreadErrors.record(.invalid("attribute name is NULL")) }
        guard let entry = Attributes.from(handle).entry(cName: name) else { return StatusCode.notFound.rawValue }
        guard entry.value.isAccepted(as: type) else {
            return ThreadErrors.record(.invalid("attribute '\(String(cString: name))' is \(entry.value.type), not \(type)"))
        }
        write(entry)
        return StatusCode.ok.rawValue
    }
}
