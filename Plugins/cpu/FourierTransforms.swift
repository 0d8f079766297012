#if canImport(Glibc)
import Glibc
#endif
import PlexusPluginKit

/// DFT (opset 20's `axis` input, default -2; an `axis` attribute is still read for direct
/// calls, and ONNX import turns opset 17's attribute, default 1, into the input) and STFT
/// (opset 17).
/// Signals carry a last dim of 1 (real) or 2 (real, imaginary). Forward transforms may be
/// `onesided` (bins 0...n/2); the inverse divides by n, and an inverse `onesided` transform
/// reads a half spectrum and returns the real signal of length n (n defaults to 2·(bins - 1)).
enum FourierTransforms {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        let floats = DTypes.first(DTypes.floats.union(DTypes.halfs))
        let flags = [AttributeDeclaration("inverse", .int, default: .int(0)), AttributeDeclaration("onesided", .int, default: .int(0))]
        return [
            OpDefinition("DFT", since: 17, inputs: 1...3, attributes: flags + [AttributeDeclaration("axis", .int)],
                         doc: "discrete Fourier transform along `axis` (input 2, else attribute, else -2)", supports: floats) { context in
                let axis = try context.optionalInput(2).map { try $0.integers().first ?? -2 } ?? context.attributes.int("axis") ?? -2
                try dft(context, axis: axis)
            },
            OpDefinition("STFT", since: 17, inputs: 2...4, attributes: [AttributeDeclaration("onesided", .int, default: .int(1))],
                         doc: "windowed DFT of frames of a [batch, length, 1|2] signal", supports: floats, compute: stft),
        ]
    }

    /// The DFT of `signal` (complex, any length) at length `n`: bins 0..<count, e^{∓2πikt/n}.
    static func transform(_ real: [Double], _ imaginary: [Double], n: Int, count: Int, inverse: Bool) -> ([Double], [Double]) {
        let sign: Double = inverse ? 1 : -1, used = min(real.count, n)
        var outReal = [Double](repeating: 0, count: count), outImaginary = [Double](repeating: 0, count: count)
        for k in 0..<count {
            var sumReal = 0.0, sumImaginary = 0.0
            for t in 0..<used {
                let angle = sign * 2 * Double.pi * Double((k * t) % n) / Double(n)
                let (c, s) = (cos(angle), sin(angle))
                sumReal += real[t] * c - imaginary[t] * s
                sumImaginary += real[t] * s + imaginary[t] * c
            }
            (outReal[k], outImaginary[k]) = inverse ? (sumReal / Double(n), sumImaginary / Double(n)) : (sumReal, sumImaginary)
        }
        return (outReal, outImaginary)
    }

    /// The real signal of length `n` whose one-sided spectrum is given (numpy's irfft).
    static func realInverse(_ real: [Double], _ imaginary: [Double], n: Int) -> [Double] {
        let half = n / 2 + 1
        var fullReal = [Double](repeating: 0, count: n), fullImaginary = [Double](repeating: 0, count: n)
        for k in 0..<min(half, real.count) {
            fullReal[k] = real[k]
            fullImaginary[k] = (k == 0 || 2 * k == n) ? 0 : imaginary[k]
            if k > 0 && k < n - k {
                fullReal[n - k] = real[k]
                fullImaginary[n - k] = -imaginary[k]
            }
        }
        return transform(fullReal, fullImaginary, n: n, count: n, inverse: true).0
    }

    /// The DFT kernel along `rawAxis` (may be negative).
    static func dft(_ context: KernelContext, axis rawAxis: Int) throws {
        let x = try context.input(0)
        guard x.rank >= 2, x.shape[x.rank - 1] == 1 || x.shape[x.rank - 1] == 2 else {
            throw PlexusError(.shapeMismatch, "DFT: input needs a last dim of 1 or 2, got \(x.shape)")
        }
        let axis = try normalizedAxis(rawAxis, rank: x.rank, op: "DFT")
        guard axis < x.rank - 1 else { throw PlexusError.invalid("DFT: axis \(rawAxis) is the real/imaginary dim") }
        let inverse = try context.attributes.int("inverse") ?? 0 != 0, onesided = try context.attributes.int("onesided") ?? 0 != 0
        let components = x.shape[x.rank - 1], length = x.shape[axis]
        let n = try context.optionalInput(1).map { try $0.integers().first ?? length } ?? (inverse && onesided ? 2 * (length - 1) : length)
        guard n > 0 else { throw PlexusError.invalid("DFT: dft_length must be positive, got \(n)") }
        let bins = inverse ? n : (onesided ? n / 2 + 1 : n), outComponents = inverse && onesided ? 1 : 2
        let outer = product(x.shape, 0..<axis), inner = product(x.shape, (axis + 1)..<(x.rank - 1))
        var shape = x.shape
        shape[axis] = bins
        shape[x.rank - 1] = outComponents
        // The output first: the host refuses a dft_length too large to allocate before any work.
        let output = try context.output(0, x.dtype, shape)
        let values = try Casting.doubles(x)
        var result = [Double](repeating: 0, count: try CheckedSize.scratch(output.count, of: Double.self, "DFT: output"))
        for o in 0..<outer {
            for i in 0..<inner {
                let element = { (t: Int, c: Int) in values[((o * length + t) * inner + i) * components + c] }
                let real = (0..<length).map { element($0, 0) }
                let imaginary = (0..<length).map { components == 2 ? element($0, 1) : 0 }
                let target = { (k: Int) in ((o * bins + k) * inner + i) * outComponents }
                if inverse && onesided {
                    for (k, value) in realInverse(real, imaginary, n: n).enumerated() { result[target(k)] = value }
                } else {
                    let (outReal, outImaginary) = transform(real, imaginary, n: n, count: bins, inverse: inverse)
                    for k in 0..<bins { (result[target(k)], result[target(k) + 1]) = (outReal[k], outImaginary[k]) }
                }
            }
        }
        try DoubleStaging.write(result, into: output)
    }

    /// The STFT kernel: frames of `frame_length` every `frame_step` samples, each windowed and transformed.
    static func stft(_ context: KernelContext) throws {
        let signal = try context.input(0)
        guard signal.rank == 3, signal.shape[2] == 1 || signal.shape[2] == 2 else {
            throw PlexusError(.shapeMismatch, "STFT: signal must be [batch, length, 1|2], got \(signal.shape)")
        }
        let step = try context.input(1).integers().first ?? 0
        let window = try context.optionalInput(2).map(Casting.doubles)
        let frameLength = try context.optionalInput(3).map { try $0.integers().first ?? 0 } ?? window?.count ?? 0
        let (batch, length, components) = (signal.shape[0], signal.shape[1], signal.shape[2])
        guard step > 0, frameLength > 0, frameLength <= length, window.map({ $0.count == frameLength }) ?? true else {
            throw PlexusError.invalid("STFT: needs frame_step > 0 and a frame length (or window) of at most \(length), matching each other")
        }
        let onesided = try context.attributes.int("onesided") ?? 1 != 0
        guard !(onesided && components == 2) else { throw PlexusError.invalid("STFT: onesided needs a real signal") }
        let frames = (length - frameLength) / step + 1, bins = onesided ? frameLength / 2 + 1 : frameLength
        let values = try Casting.doubles(signal)
        let output = try context.output(0, signal.dtype, [batch, frames, bins, 2])
        var result = [Double](repeating: 0, count: try CheckedSize.scratch(output.count, of: Double.self, "STFT: output"))
        for b in 0..<batch {
            for f in 0..<frames {
                let sample = { (t: Int, c: Int) -> Double in
                    values[(b * length + f * step + t) * components + c] * (window?[t] ?? 1)
                }
                let real = (0..<frameLength).map { sample($0, 0) }
                let imaginary = (0..<frameLength).map { components == 2 ? sample($0, 1) : 0 }
                let (outReal, outImaginary) = transform(real, imaginary, n: frameLength, count: bins, inverse: false)
                for k in 0..<bins {
                    let target = ((b * frames + f) * bins + k) * 2
                    (result[target], result[target + 1]) = (outReal[k], outImaginary[k])
                }
            }
        }
        try DoubleStaging.write(result, into: output)
    }
}
