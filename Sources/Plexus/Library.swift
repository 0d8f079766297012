import CPlexus
import PlexusCore

// Library information, errors and settings of the C ABI (plexus.h). Each function is checked
// against its declaration in the header by the compiler (`@c @implementation`).

/// The semantic version of this build of Plexus.
let plexusVersion: StaticString = "0.1.0"

@c @implementation
public func plx_abi_version() -> UInt32 { UInt32(PLX_ABI_VERSION) }

@c @implementation
public func plx_version() -> UnsafePointer<CChar>? {
    UnsafeRawPointer(plexusVersion.utf8Start).assumingMemoryBound(to: CChar.self)
}

@c @implementation
public func plx_last_error() -> UnsafePointer<CChar>? { ThreadErrors.lastMessage }

@c @implementation
public func plx_set_backend_order(_ names: UnsafePointer<CChar>?) -> plx_status {
    withStatus { BackendOrder.set(names.map { String(cString: $0) }.map(BackendOrder.names(from:)) ?? nil) }
}

@c @implementation
public func plx_set_num_threads(_ count: Int32) -> plx_status {
    withStatus { try Parallel.setThreadCount(Int(count)) }
}

@c @implementation
public func plx_num_threads() -> Int32 { Int32(clamping: Parallel.threadCount) }
