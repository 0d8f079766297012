import PlexusPluginKit

/// Row-major matrix multiply-accumulate `C[m×n] = A[m×k] · B[k×n]` (C is overwritten).
///
/// Floating-point types use a register-blocked kernel: 4 rows × 8 columns of C are kept in
/// SIMD accumulators while k runs, B rows are read as vectors and A elements broadcast, and
/// the work is split across threads by row blocks. (Multiply and add stay separate operations:
/// `addingProduct` would call libm's scalar `fma` per lane on the baseline x86-64 target.) Integer types use a plain i-k-j loop with
/// wrapping arithmetic. Both are exact reorderings of the dot product, so results match a naive
/// loop to rounding.
enum Gemm {
    /// Multiply-adds below which a product runs on one thread: waking a second costs more.
    static let parallelWork = 1 << 21

    static func multiply<T: CPUNumber>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
                                       m: Int, n: Int, k: Int) {
        if let af = a as? UnsafePointer<Float>, let bf = b as? UnsafePointer<Float>, let cf = c as? UnsafeMutablePointer<Float> {
            blocked(af, bf, cf, m: m, n: n, k: k)
        } else if let ad = a as? UnsafePointer<Double>, let bd = b as? UnsafePointer<Double>, let cd = c as? UnsafeMutablePointer<Double> {
            blocked(ad, bd, cd, m: m, n: n, k: k)
        } else {
            naive(a, b, c, m: m, n: n, k: k)
        }
    }

    static func naive<T: CPUNumber>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>, m: Int, n: Int, k: Int) {
        Host.parallelFor(m, grain: max(1, Gemm.parallelWork / max(n * k, 1))) { rows in
            for i in rows {
                let row = c + i &* n
                for j in 0..<n { row[j] = T.zero }
                for p in 0..<k {
                    let x = a[i &* k &+ p], brow = b + p &* n
                    for j in 0..<n { row[j] = T.add(row[j], T.mul(x, brow[j])) }
                }
            }
        }
    }

    /// The SIMD kernel for Float and Double: tiles of 4 rows × 8 columns of C, whose
    /// accumulators (4 × SIMD8) fit the 16 vector registers of baseline x86-64.
    static func blocked<T: CPUFloat & SIMDScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
                                                   m: Int, n: Int, k: Int) {
        let rowBlocks = (m + 3) / 4
        let work = m * n * k
        Host.parallelFor(rowBlocks, grain: work < parallelWork ? rowBlocks : max(1, parallelWork / max(4 * n * k, 1))) { blocks in
            for block in blocks {
                let i0 = block * 4, rows = min(4, m - i0)
                var j = 0
                while j + 8 <= n {
                    tile(a, b, c, i0: i0, rows: rows, j: j, n: n, k: k)
                    j += 8
                }
                // Remaining columns: scalar.
                for i in i0..<(i0 + rows) {
                    for jj in j..<n {
                        var sum = T.zero
                        for p in 0..<k { sum += a[i &* k &+ p] * b[p &* n &+ jj] }
                        c[i &* n &+ jj] = sum
                    }
                }
            }
        }
    }

    @inline(__always)
    static func tile<T: CPUFloat & SIMDScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
                                                i0: Int, rows: Int, j: Int, n: Int, k: Int) {
        typealias V = SIMD8<T>
        var c0 = V(), c1 = V(), c2 = V(), c3 = V()
        let r0 = a + i0 &* k
        let r1 = rows > 1 ? r0 + k : r0, r2 = rows > 2 ? r0 + 2 &* k : r0, r3 = rows > 3 ? r0 + 3 &* k : r0
        let raw = UnsafeRawPointer(b + j)
        let rowBytes = n &* MemoryLayout<T>.stride
        for p in 0..<k {
            let bp = raw.loadUnaligned(fromByteOffset: p &* rowBytes, as: V.self)
            c0 += V(repeating: r0[p]) * bp
            c1 += V(repeating: r1[p]) * bp
            c2 += V(repeating: r2[p]) * bp
            c3 += V(repeating: r3[p]) * bp
        }
        func store(_ row: Int, _ value: V) {
            guard row < rows else { return }
            UnsafeMutableRawPointer(c + ((i0 + row) &* n &+ j)).storeBytes(of: value, as: V.self)
        }
        store(0, c0)
        store(1, c1)
        store(2, c2)
        store(3, c3)
    }
}
