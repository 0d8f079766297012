import PlexusPluginKit

/// The im2col matrix of a batch chunk, [channels·taps, count·positions] (equivalently
/// [group, rows per group, count·positions]), and its fold back into images.
enum ColumnMatrix {
    /// Unfolds the images of `items` (image layout [N, channels, input volume]).
    static func unfold<T: CPUFloat>(_ image: UnsafePointer<T>, _ geometry: ConvolutionGeometry, items: Range<Int>) throws -> OwnedTensor {
        let volume = geometry.volume, taps = volume.kernelCount, positions = volume.outputCount
        let rowLength = items.count * positions
        let columns = try Scratch.zeros(T.dtype, [geometry.group, geometry.rowsPerGroup, rowLength])
        let target = columns.view.pointer(as: T.self), channels = geometry.channels, planeSize = volume.inputCount
        Host.parallelFor(items.count * channels, grain: WorkGrain.items(cost: taps * positions)) { units in
            for unit in units {
                let item = unit / channels, channel = unit % channels
                Unfolding.unfold(image + ((items.lowerBound &+ item) &* channels &+ channel) &* planeSize, volume,
                                 into: target + (channel &* taps &* rowLength &+ item &* positions), rowLength: rowLength)
            }
        }
        return columns
    }

    /// Adds the columns of `items` (as `unfold` lays them out) into their images (layout
    /// [N, channels, input volume]).
    static func fold<T: CPUFloat>(_ columns: UnsafePointer<T>, _ geometry: ConvolutionGeometry, items: Range<Int>,
                                  into image: UnsafeMutablePointer<T>) {
        let volume = geometry.volume, taps = volume.kernelCount, positions = volume.outputCount
        let rowLength = items.count * positions, channels = geometry.channels, planeSize = volume.inputCount
        Host.parallelFor(items.count * channels, grain: WorkGrain.items(cost: taps * positions)) { units in
            for unit in units {
                let item = unit / channels, channel = unit % channels
                Unfolding.fold(columns + (channel &* taps &* rowLength &+ item &* positions), rowLength: rowLength, volume,
                               into: image + ((items.lowerBound &+ item) &* channels &+ channel) &* planeSize)
            }
        }
    }
}
