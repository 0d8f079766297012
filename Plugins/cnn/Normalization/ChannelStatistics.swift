import PlexusPluginKit

/// Means and biased variances of X [N, C, L...] per channel (over batch and positions, as
/// batch normalisation needs) or per plane (over positions, as instance normalisation needs).
/// Sums run in Double, two passes (mean, then squared deviations).
struct ChannelStatistics {
    let means: [Double]
    let variances: [Double]

    /// Statistics of `x` [batch, channels, planeSize]; `acrossBatch` pools the batch items of
    /// each channel (one result per channel) instead of one result per (item, channel) plane.
    init<T: CPUFloat>(_ x: UnsafePointer<T>, batch: Int, channels: Int, planeSize: Int, acrossBatch: Bool) {
        let groups = acrossBatch ? channels : batch * channels
        let members = acrossBatch ? batch : 1
        let count = Double(max(members * planeSize, 1))
        var means = [Double](repeating: 0, count: groups), variances = [Double](repeating: 0, count: groups)
        means.withUnsafeMutableBufferPointer { meanOut in
            variances.withUnsafeMutableBufferPointer { varianceOut in
                let (meanOut, varianceOut) = (meanOut.baseAddress!, varianceOut.baseAddress!)
                Host.parallelFor(groups, grain: WorkGrain.items(cost: members * planeSize)) { range in
                    for group in range {
                        func plane(_ member: Int) -> UnsafePointer<T> {
                            x + (acrossBatch ? member &* channels &+ group : group) &* planeSize
                        }
                        var sum = 0.0
                        for member in 0..<members {
                            let p = plane(member)
                            for i in 0..<planeSize { sum += p[i].double }
                        }
                        let mean = sum / count
                        var squares = 0.0
                        for member in 0..<members {
                            let p = plane(member)
                            for i in 0..<planeSize {
                                let deviation = p[i].double - mean
                                squares += deviation * deviation
                            }
                        }
                        meanOut[group] = mean
                        varianceOut[group] = squares / count
                    }
                }
            }
        }
        self.means = means
        self.variances = variances
    }

    /// y = x·a[c] + b[c] for every plane of x [batch, channels, planeSize]: the affine map each
    /// normalisation ends with, per channel (`perPlane` false) or per plane.
    static func applyAffine<T: CPUFloat>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, a: [Double], b: [Double],
                                         planes: Int, channels: Int, planeSize: Int, perPlane: Bool) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let (a, b) = (a.baseAddress!, b.baseAddress!)
                Host.parallelFor(planes, grain: WorkGrain.items(cost: planeSize)) { range in
                    for p in range {
                        let k = perPlane ? p : p % channels
                        let scale = T(a[k]), shift = T(b[k]), from = x + p &* planeSize, to = y + p &* planeSize
                        for i in 0..<planeSize { to[i] = from[i] * scale + shift }
                    }
                }
            }
        }
    }
}
