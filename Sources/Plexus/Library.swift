import CPlexus
import PlexusCore

// Library information, errors and settings of the C ABI (plexus.h). Each function is checked
// against its declaration in the header by the compiler (`@c @implementation`).

/// The semantic version of this build of Plexus.
let plexusVersion: StaticString = "0.1.0"

/// Implements `plx_abi_version`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_abi_version() -> UInt32 { UInt32(PLX_ABI_VERSION) }

/// Implements `plx_version`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_version() -> UnsafePointer<CChar>? {
    UnsafeRawPointer(plexusVersion.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Implements `plx_last_error`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_last_error() -> UnsafePointer<CChar>? { ThreadErrors.lastMessage }

/// Implements `plx_set_backend_order`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_set_backend_order(_ names: UnsafePointer<CChar>?) -> plx_status {
    withStatus { BackendOrder.set(names.map { String(cString: $0) }.map(BackendOrder.names(from:)) ?? nil) }
}

/// Implements `plx_set_num_threads`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_set_num_threads(_ count: Int32) -> plx_status {
    withStatus { try Parallel.setThreadCount(Int(count)) }
}

/// Implements `plx_num_threads`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_num_threads() -> Int32 { Int32(clamping: Parallel.threadCount) }

/// Implements `plx_set_max_allocation_bytes`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_set_max_allocation_bytes(_ bytes: Int64) -> plx_status {
    withStatus { try MemoryLimits.setMaxAllocationBytes(Int(bytes)) }
}

/// Implements `plx_max_allocation_bytes`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_max_allocation_bytes() -> Int64 { Int64(MemoryLimits.maxAllocationBytes) }
