/// Questions the exporter asks of the generated history (`Generated/ONNXVersions.swift`).
extension ONNXVersions {
    /// The version of ai.onnx `op` in force at `opset` (the newest change at or before it), or
    /// nil when the op does not exist yet at that opset or onnx does not know it.
    public static func version(of op: String, at opset: Int) -> Int? {
        history[op]?.last { $0 <= opset }
    }

    /// Whether ai.onnx `op` may be written in a model importing `opset`: it exists there and
    /// that version is not a deprecation stub (Upsample from 10, GroupNormalization 18–20).
    public static func isAvailable(_ op: String, at opset: Int) -> Bool {
        guard let version = version(of: op, at: opset) else { return false }
        return !(deprecations[op]?.contains(version) ?? false)
    }

    /// The lowest opset at or after `opset` at which `op` may be written, or nil when there is
    /// none (onnx does not know the op, or it stays deprecated).
    public static func firstOpset(of op: String, from opset: Int = 1) -> Int? {
        if isAvailable(op, at: opset) { return opset }
        return history[op]?.first { $0 > opset && isAvailable(op, at: $0) }
    }

    /// The IR version to write with `opset`: the lowest that onnx releases pair with it.
    public static func irVersion(for opset: Int) -> Int? { irVersions[opset] }
}
