import PlexusPluginKit

/// NonMaxSuppression (opset 11): per batch and class, greedily keeps the highest-scoring boxes
/// (ties: lower index first) whose IoU with every kept box is at most `iou_threshold`, after
/// dropping scores not above `score_threshold`, up to `max_output_boxes_per_class` (default 0).
/// Boxes are [y1, x1, y2, x2] corners in either order, or [x_center, y_center, w, h] with
/// `center_point_box` = 1. Output: int64 rows [batch, class, box].
enum NonMaxSuppression {
    /// The operator definitions this file provides.
    static var definitions: [OpDefinition] {
        [OpDefinition("NonMaxSuppression", since: 11, inputs: 2...5,
                      attributes: [AttributeDeclaration("center_point_box", .int, default: .int(0))],
                      doc: "greedy non-maximum suppression of boxes per batch and class",
                      supports: DTypes.first([.float32, .float64]),
                      infer: { context in try context.setOutput(0, .int64, [nil, 3]) },
                      compute: compute)]
    }

    /// A box as (low y, low x, high y, high x).
    typealias Box = (Double, Double, Double, Double)

    /// Whether two boxes overlap with IoU above `threshold` (degenerate boxes never do).
    static func overlaps(_ a: Box, _ b: Box, above threshold: Double) -> Bool {
        let height = min(a.2, b.2) - max(a.0, b.0), width = min(a.3, b.3) - max(a.1, b.1)
        guard height > 0, width > 0 else { return false }
        let intersection = height * width
        let areaA = (a.2 - a.0) * (a.3 - a.1), areaB = (b.2 - b.0) * (b.3 - b.1)
        let union = areaA + areaB - intersection
        guard areaA > 0, areaB > 0, union > 0 else { return false }
        return intersection / union > threshold
    }

    /// The kernel: checks the inputs and attributes, then writes the output.
    static func compute(_ context: KernelContext) throws {
        let boxes = try context.input(0), scores = try context.input(1)
        guard boxes.rank == 3, boxes.shape[2] == 4, scores.rank == 3, scores.shape[0] == boxes.shape[0], scores.shape[2] == boxes.shape[1] else {
            throw PlexusError(.shapeMismatch, "NonMaxSuppression: boxes must be [B, N, 4] and scores [B, C, N], got \(boxes.shape) and \(scores.shape)")
        }
        let names = [2: "max_output_boxes_per_class", 3: "iou_threshold", 4: "score_threshold"]
        func first(_ index: Int) throws -> Double? {
            guard let tensor = context.optionalInput(index), tensor.count > 0 else { return nil }
            return try tensor.scalar("NonMaxSuppression: \(names[index]!)")
        }
        // int64 in the spec; anything beyond the box count selects every box, so clamp there.
        let limit = try context.optionalInput(2).flatMap { $0.count > 0 ? try $0.scalarInteger("NonMaxSuppression: max_output_boxes_per_class") : nil } ?? 0
        let iouThreshold = try first(3) ?? 0, scoreThreshold = try first(4)
        guard !iouThreshold.isNaN, !(scoreThreshold?.isNaN ?? false) else {
            throw PlexusError.invalid("NonMaxSuppression: iou_threshold and score_threshold must not be NaN")
        }
        let centered = try context.attributes.int("center_point_box") ?? 0
        guard centered == 0 || centered == 1 else { throw PlexusError.invalid("NonMaxSuppression: center_point_box must be 0 or 1") }
        let (batches, classes, count) = (scores.shape[0], scores.shape[1], boxes.shape[1])
        let corners = try Casting.doubles(boxes), values = try Casting.doubles(scores)
        let box: (Int) -> Box = { index in
            let c = Array(corners[(index * 4)..<(index * 4 + 4)])
            if centered == 1 { return (c[1] - c[3] / 2, c[0] - c[2] / 2, c[1] + c[3] / 2, c[0] + c[2] / 2) }
            return (min(c[0], c[2]), min(c[1], c[3]), max(c[0], c[2]), max(c[1], c[3]))
        }
        var selected: [Int64] = []
        for b in 0..<batches {
            for c in 0..<classes {
                let base = (b * classes + c) * count
                let candidates = (0..<count).filter { (index: Int) -> Bool in
                    guard let scoreThreshold else { return true }
                    return values[base + index] > scoreThreshold
                }.sorted { (i: Int, j: Int) -> Bool in
                    // NaN scores rank last, so the order stays a strict weak one.
                    let (a, b) = (values[base + i].isNaN ? -.infinity : values[base + i], values[base + j].isNaN ? -.infinity : values[base + j])
                    return a > b || (a == b && i < j)
                }
                var kept: [Box] = []
                for index in candidates where kept.count < limit {
                    let candidate = box(b * count + index)
                    if kept.contains(where: { overlaps($0, candidate, above: iouThreshold) }) { continue }
                    kept.append(candidate)
                    selected += [Int64(b), Int64(c), Int64(index)]
                }
            }
        }
        let output = try context.output(0, .int64, [selected.count / 3, 3])
        selected.withUnsafeBufferPointer { output.pointer(as: Int64.self).update(from: $0.baseAddress!, count: selected.count) }
    }
}
