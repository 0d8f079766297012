#if canImport(Glibc)
import Glibc
#endif
import PlexusPluginKit

/// MelWeightMatrix (opset 17): the [dft_length/2 + 1, num_mel_bins] matrix of triangular filters
/// spaced evenly on the mel scale between `lower_edge_hertz` and `upper_edge_hertz`, mapping a
/// one-sided spectrum to mel bands (edges rounded down to spectrum bins, as ONNX's reference does).
enum MelWeightMatrix {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        [OpDefinition("MelWeightMatrix", since: 17, inputs: 5...5, attributes: [AttributeDeclaration("output_datatype", .int, default: .int(1))],
                      doc: "triangular mel filter bank", supports: DTypes.first(DTypes.indices), compute: compute)]
    }

    /// The kernel: checks the inputs and attributes, then writes the output.
    static func compute(_ context: KernelContext) throws {
        func integer(_ index: Int) throws -> Int {
            guard let value = try context.input(index).integers().first else { throw PlexusError.invalid("MelWeightMatrix: input \(index) is empty") }
            return value
        }
        func real(_ index: Int) throws -> Double {
            guard let value = try Casting.doubles(try context.input(index)).first else { throw PlexusError.invalid("MelWeightMatrix: input \(index) is empty") }
            return value
        }
        let bands = try integer(0), dftLength = try integer(1), sampleRate = try integer(2)
        let lower = try real(3), upper = try real(4)
        guard bands > 0, dftLength > 0, sampleRate > 0, lower >= 0, upper > lower, upper.isFinite else {
            throw PlexusError.invalid("MelWeightMatrix: needs positive num_mel_bins, dft_length, sample_rate and 0 <= lower < upper edge (finite), "
                + "got \(bands), \(dftLength), \(sampleRate), \(lower), \(upper)")
        }
        let raw = try context.attributes.int("output_datatype") ?? 1
        guard let dtype = DType(rawValue: Int32(clamping: raw)), dtype != .string, dtype != .bool else {
            throw PlexusError(.unsupported, "MelWeightMatrix: unsupported output_datatype \(raw)")
        }
        let spectrumBins = dftLength / 2 + 1
        // Checked first, so that `bands + 2` and the scratch below cannot overflow.
        let count = try CheckedSize.scratch(try CheckedSize.count([spectrumBins, bands], "MelWeightMatrix: output"), of: Double.self,
                                            "MelWeightMatrix: output")
        let lowMel = 2595 * log10(1 + lower / 700), highMel = 2595 * log10(1 + upper / 700)
        let step = (highMel - lowMel) / Double(bands + 2)
        let edges = try (0..<(bands + 2)).map { i -> Int in
            let hertz = 700 * (pow(10, (Double(i) * step + lowMel) / 2595) - 1)
            let bin = max(((Double(dftLength) + 1) * hertz / Double(sampleRate)).rounded(.down), 0)
            guard bin < Double(spectrumBins) else {
                throw PlexusError.invalid("MelWeightMatrix: upper_edge_hertz \(upper) lies above the Nyquist frequency of sample_rate \(sampleRate)")
            }
            return Int(bin)
        }
        var result = [Double](repeating: 0, count: count)
        for band in 0..<bands {
            let (low, center, high) = (edges[band], edges[band + 1], edges[band + 2])
            if center == low {
                result[center * bands + band] = 1
            } else {
                for j in low...center { result[j * bands + band] = Double(j - low) / Double(center - low) }
            }
            for j in center..<max(center, high) { result[j * bands + band] = Double(high - j) / Double(high - center) }
        }
        try DoubleStaging.write(result, into: try context.output(0, dtype, [spectrumBins, bands]))
    }
}
