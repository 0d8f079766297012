#if canImport(Glibc)
import Glibc
#endif
import PlexusCore

/// Process setup shared by the fuzz targets: memory caps low enough that a refused size is an
/// error and not libFuzzer's out-of-memory report, and the plugins loaded before fuzzing starts
/// (so their coverage counters are registered once, and a missing plugin stops the run at once
/// instead of fuzzing nothing but "operator not found" errors).
public enum FuzzEnvironment {
    /// The cap on one allocation: far below libFuzzer's `-rss_limit_mb=2048` (scripts/fuzz.sh),
    /// and small enough that filling the largest allowed tensor under ASan takes well under
    /// libFuzzer's 10 s timeout (at 256 MiB, a 500-byte model folding a Pad to 200 MB took 11 s),
    /// so a timeout means a real hang, not legitimate work that the cap allows.
    public static let allocationCap = 32 << 20
    /// The cap on what one session holds at once.
    public static let arenaCap = 256 << 20

    /// Session options for fuzzing: one thread (reproducible, and two cores are shared) and the caps.
    public static var sessionOptions: Session.Options {
        Session.Options(threads: 1, maxAllocationBytes: allocationCap, maxArenaBytes: arenaCap)
    }

    /// Sets the caps and, when `plugins`, loads the plugins found beside the executable (the
    /// `plugins/` folder scripts/fuzz.sh lays out) or in `PLEXUS_PLUGIN_PATH`; exits when none
    /// provides the basic ops, since fuzzing would then reach no kernel.
    public static func setUp(plugins: Bool) {
        setenv("PLEXUS_MAX_ALLOCATION_BYTES", "\(allocationCap)", 0)
        guard plugins else { return }
        PluginLoader.shared.discoverIfNeeded()
        for name in ["Add", "Conv", "Gather"] where OpRegistry.shared.schema(OpKey(name: name)) == nil {
            fail("no loaded plugin provides \(name) (searched \(PluginLoader.shared.searchedLocations)); "
                + "build with scripts/fuzz.sh, or set PLEXUS_PLUGIN_PATH")
        }
    }

    /// Prints `message` and exits: the target is set up wrongly, which is no finding.
    public static func fail(_ message: String) -> Never {
        let line = "fuzz: \(message)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        exit(2)
    }

    /// The bytes libFuzzer passes, as an array.
    public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data, count: size))
    }
}
