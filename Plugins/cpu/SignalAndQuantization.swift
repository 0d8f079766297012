import PlexusPluginKit

/// Quantization, signal processing, sampling and string operators (see the files that add to
/// `definitions`).
enum SignalAndQuantization: OperatorFamily {
    static var definitions: [OpDefinition] {
        LinearQuantization.definitions + QuantizedLinearAlgebra.definitions + BitCast.definitions
            + Windows.definitions + FourierTransforms.definitions + MelWeightMatrix.definitions
            + GridSample.definitions + AffineGrid.definitions + RoiAlign.definitions + NonMaxSuppression.definitions
            + LpPool.definitions + MaxUnpool.definitions + Col2Im.definitions + CenterCropPad.definitions
            + ScatterAlias.definitions
    }
}
