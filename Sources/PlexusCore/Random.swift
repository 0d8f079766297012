#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The process-wide seeded random generator behind parameter initialisation, dropout masks and
/// data shuffling. `seed(_:)` makes runs reproducible (PyTorch's `manual_seed`).
/// Thread-safe; draws from several threads interleave in an unspecified order.
public enum RandomSource {
    private static let state = Mutex<UInt64>(0x5EED_0F_91E7)

    /// Restarts the sequence from `value`.
    public static func seed(_ value: UInt64) { state.withLock { $0 = value } }

    /// The next 64 random bits (SplitMix64).
    public static func next() -> UInt64 {
        state.withLock { state in SplitMix64.advance(&state) }
    }

    /// A uniform Double in [low, high).
    public static func uniform(_ low: Double = 0, _ high: Double = 1) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }

    /// A normal Double (Box–Muller).
    public static func normal(mean: Double = 0, std: Double = 1) -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return mean + std * (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

/// The SplitMix64 step: a fast, well-mixed 64-bit generator.
public enum SplitMix64 {
    /// Advances `state` and returns the next output.
    public static func advance(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
