/// Conversions between Swift objects and the opaque C handles (`plx_tensor *`, `plx_attrs *`).
/// A handle is the object's address; an *owned* handle carries one retain, a *borrowed* one none.
extension Tensor {
    /// A borrowed handle: valid while this tensor is alive.
    public var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    /// A handle that owns one reference, to give to a C caller (released by `plx_tensor_release`).
    public func retainedHandle() -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    /// The tensor behind a handle, without changing its reference count.
    public static func from(_ handle: OpaquePointer) -> Tensor {
        Unmanaged<Tensor>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    /// The tensor behind a nullable handle, or a `invalidArgument` error naming `what`.
    public static func from(_ handle: OpaquePointer?, _ what: @autoclosure () -> String) throws -> Tensor {
        guard let handle else { throw PlexusError.invalid("\(what()) is NULL") }
        return from(handle)
    }

    /// Adds one reference to the tensor behind a handle.
    public static func retain(_ handle: OpaquePointer) {
        _ = Unmanaged<Tensor>.fromOpaque(UnsafeRawPointer(handle)).retain()
    }

    /// Drops one reference from the tensor behind a handle.
    public static func release(_ handle: OpaquePointer) {
        Unmanaged<Tensor>.fromOpaque(UnsafeRawPointer(handle)).release()
    }
}

extension Attributes {
    /// A borrowed handle: valid while this set is alive.
    public var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    /// A handle owning one reference (released by `plx_attrs_release`).
    public func retainedHandle() -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    /// The set behind a handle, without changing its reference count.
    public static func from(_ handle: OpaquePointer) -> Attributes {
        Unmanaged<Attributes>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    /// Drops one reference from the set behind a handle.
    public static func release(_ handle: OpaquePointer) {
        Unmanaged<Attributes>.fromOpaque(UnsafeRawPointer(handle)).release()
    }
}

import PlexusABI
