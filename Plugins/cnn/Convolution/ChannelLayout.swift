import PlexusPluginKit

/// Moves batch data between the [N, C, L] layout of tensors and the layouts the matrix products
/// of a convolution use, where the items of a batch chunk sit side by side in each row.
enum ChannelLayout {
    /// [N, C, L] → [C, count·L]: row c holds channel c of each item of `items` in turn.
    static func gather<T>(_ source: UnsafePointer<T>, items: Range<Int>, channels: Int, length: Int, into target: UnsafeMutablePointer<T>) {
        let rowLength = items.count * length
        Host.parallelFor(items.count * channels, grain: WorkGrain.items(cost: length)) { units in
            for unit in units {
                let item = unit / channels, channel = unit % channels
                (target + (channel &* rowLength &+ item &* length))
                    .update(from: source + ((items.lowerBound &+ item) &* channels &+ channel) &* length, count: length)
            }
        }
    }

    /// The inverse of `gather`, adding `bias[c]` to channel c when given.
    static func scatter<T: CPUFloat>(_ source: UnsafePointer<T>, items: Range<Int>, channels: Int, length: Int,
                                     bias: UnsafePointer<T>?, into target: UnsafeMutablePointer<T>) {
        let rowLength = items.count * length
        Host.parallelFor(items.count * channels, grain: WorkGrain.items(cost: length)) { units in
            for unit in units {
                let item = unit / channels, channel = unit % channels
                let from = source + (channel &* rowLength &+ item &* length)
                let to = target + ((items.lowerBound &+ item) &* channels &+ channel) &* length
                let shift = bias?[channel] ?? T.zero
                for i in 0..<length { to[i] = from[i] + shift }
            }
        }
    }

    /// [N, group·P, L] → [group, count·L, P]: each group's channels become columns, so the
    /// product columns · this sums over batch items and positions.
    static func gatherTransposed<T>(_ source: UnsafePointer<T>, items: Range<Int>, group: Int, perGroup: Int, length: Int,
                                    into target: UnsafeMutablePointer<T>) {
        let channels = group * perGroup, groupSize = items.count * length * perGroup
        Host.parallelFor(items.count * channels, grain: WorkGrain.items(cost: length)) { units in
            for unit in units {
                let item = unit / channels, channel = unit % channels
                let from = source + ((items.lowerBound &+ item) &* channels &+ channel) &* length
                let to = target + ((channel / perGroup) &* groupSize &+ item &* length &* perGroup &+ channel % perGroup)
                for i in 0..<length { to[i &* perGroup] = from[i] }
            }
        }
    }
}
