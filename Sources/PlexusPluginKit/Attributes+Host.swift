#if canImport(Glibc)
import Glibc
#endif
import CPlexus

extension AttributeValue {
    /// Creates a host attribute set holding `values` (released by the caller with
    /// `attrs_release`).
    static func makeHostAttributes(_ values: [(String, AttributeValue)]) throws -> OpaquePointer? {
        let api = Host.api.pointee
        var attrs: OpaquePointer?
        guard api.attrs_create(&attrs) == 0 else { throw PlexusError(.outOfMemory, "could not create an attribute set") }
        for (name, value) in values {
            do { try set(attrs, name, value) } catch {
                api.attrs_release(attrs)
                throw error
            }
        }
        return attrs
    }

    /// Sets attribute `name` of the host attribute set `attrs` to `value`.
    static func set(_ attrs: OpaquePointer?, _ name: String, _ value: AttributeValue) throws {
        let api = Host.api.pointee
        let status: Int32
        switch value {
        case .int(let v): status = api.attrs_set_int(attrs, name, Int64(v))
        case .float(let v): status = api.attrs_set_float(attrs, name, v)
        case .ints(let v): status = api.attrs_set_ints(attrs, name, v.map(Int64.init), v.count)
        case .floats(let v): status = api.attrs_set_floats(attrs, name, v.map { Float($0) }, v.count)
        case .string(let v): status = api.attrs_set_string(attrs, name, v)
        case .strings(let v):
            let copies = v.map { strdup($0) }
            defer { copies.forEach { free($0) } }
            status = copies.map { UnsafePointer($0) }.withUnsafeBufferPointer {
                api.attrs_set_strings(attrs, name, $0.baseAddress, $0.count)
            }
        }
        guard status == 0 else { throw PlexusError.invalid("could not set attribute '\(name)'") }
    }
}
