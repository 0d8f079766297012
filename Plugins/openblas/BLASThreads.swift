import CPlexusOpenBLAS
import PlexusPluginKit

/// OpenBLAS keeps one process-wide thread count; each product sets it to the caller's intra-op
/// setting (the session's or the process's) so OpenBLAS threads never add to Plexus's own.
/// Products smaller than `smallProduct` multiply-adds run on one thread: below it, waking a
/// second thread costs more than it saves (measured on the digits MLP and CNN, whose products
/// are about 32 × 64 × 128). Sessions running at once with different settings share the last
/// one set, which changes speed, never results.
enum BLASThreads {
    static let smallProduct = 1 << 21

    static func match(multiplyAdds: Int) {
        let wanted = Int32(multiplyAdds < smallProduct ? 1 : max(1, Host.threadCount))
        if plx_openblas_threads() != wanted { plx_openblas_set_threads(wanted) }
    }
}
