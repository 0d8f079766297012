/// float32 helpers for kernels whose loops must vectorise on baseline x86-64 (SSE2): an
/// exponential without libm calls, and row reductions eight lanes at a time. Kernels that must
/// agree bit for bit (the Softmax op and fused attention) use the same ones.
public enum FastMath {
    /// e^x for x ≤ 0 (NaN stays NaN), branch-free so a loop over it vectorises: x = k·ln 2 + r
    /// with |r| ≤ ln 2 / 2, e^r by its Taylor series to r⁷ (truncation error below 6e-9, under
    /// float32 rounding), and 2^k put into the exponent bits. Results below 2⁻¹²⁶ (x < −87.3)
    /// become 0 instead of subnormals, which a softmax row, whose sum is at least 1, cannot see.
    @inlinable @inline(__always)
    public static func expOfNonPositive(_ x: Float) -> Float {
        let clamped = Swift.max(x, -87.3)
        // Round to nearest by adding 1.5·2²³ (|x·log2 e| < 2²²): the integer k lands in the low
        // mantissa bits, with no rounding or conversion instruction, which SSE2 lacks in vector form.
        let magic: Float = 12_582_912
        let shifted = clamped * 1.44269504 + magic
        let k = shifted - magic
        let r = (clamped - k * 0.693359375) - k * -2.12194440e-4  // ln 2 split so k·ln2_high is exact
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) << 23)
        return x < -87.3 ? 0 : p * scale
    }

    /// The largest of `count` floats (NaN is skipped, as Swift.max skips it).
    @inlinable public static func maximum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: -.infinity), k = 0
        while k + 8 <= count {
            let values = UnsafeRawPointer(p + k).loadUnaligned(as: SIMD8<Float>.self)
            lanes.replace(with: values, where: values .> lanes)  // (pointwiseMax is not inlined)
            k += 8
        }
        var result = lanes.max()
        while k < count { result = Swift.max(result, p[k]); k += 1 }
        return result
    }

    /// The sum of `count` floats, added in eight interleaved lanes (a fixed order, so equal
    /// inputs give equal sums everywhere it is used).
    @inlinable public static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: 0), k = 0
        while k + 8 <= count {
            lanes += UnsafeRawPointer(p + k).loadUnaligned(as: SIMD8<Float>.self)
            k += 8
        }
        var result = lanes.sum()
        while k < count { result += p[k]; k += 1 }
        return result
    }
}
