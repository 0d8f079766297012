/// The domain of the plugin's own helper ops: the backward passes that are not themselves
/// ONNX ops (filter gradient of a convolution, pooling and resize adjoints). Gradient rules call
/// them; they never appear in exported models.
enum HelperOps {
    /// The helper ops' ONNX domain.
    static let domain = "ai.plexus.cnn"
}
