import CPlexus
import PlexusCore

// Attribute-set functions of the C ABI (plexus.h); shared behaviour in CAttributeFunctions.

private typealias A = CAttributeFunctions

/// Implements `plx_attrs_create`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_attrs_create(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status { A.create(out) }

/// Implements `plx_attrs_release`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_attrs_release(_ attrs: OpaquePointer?) { A.release(attrs) }

/// Implements `plx_attrs_set_int`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_attrs_set_int(_ attrs: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: Int64) -> plx_status {
    A.set(attrs, name) { .int(value) }
}

/// Implements `plx_attrs_set_float`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_attrs_set_float(_ attrs: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: Double) -> plx_status {
    A.set(attrs, name) { .float(value) }
}

/// Implements `plx_attrs_set_ints`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_attrs_set_ints(_ attrs: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                               _ values: UnsafePointer<Int64>?, _ count: Int) -> plx_status {
    A.set(attrs, name) { .ints(try A.array(values, count, "values") { $0 }) }
}

/// Implements `plx_attrs_set_floats`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_attrs_set_floats(_ attrs: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                 _ values: UnsafePointer<Float>?, _ count: Int) -> plx_status {
    A.set(attrs, name) { .floats(try A.array(values, count, "values") { Double($0) }) }
}

/// Implements `plx_attrs_set_string`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_attrs_set_string(_ attrs: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                 _ value: UnsafePointer<CChar>?) -> plx_status {
    A.set(attrs, name) { .string(try A.string(value, "value")) }
}

/// Implements `plx_attrs_set_strings`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_attrs_set_strings(_ attrs: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                  _ values: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int) -> plx_status {
    A.set(attrs, name) { .strings(try A.array(values, count, "values") { try A.string($0, "a string in values") }) }
}

/// Implements `plx_attrs_set_tensor`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_attrs_set_tensor(_ attrs: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ value: OpaquePointer?) -> plx_status {
    A.set(attrs, name) { .tensor(try Tensor.from(value, "value")) }
}
