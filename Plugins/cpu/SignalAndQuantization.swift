import PlexusPluginKit

/// Quantization, signal processing, sampling and string operators (see the files that add to
/// `definitions`).
enum SignalAndQuantization {
    static var definitions: [OpDefinition] { [] }
}
