import Foundation
import PlexusCore
import XCTest

/// File formats (npy, npz, IDX, safetensors, JSON) and batching.
final class DataTests: XCTestCase {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-data-tests-\(getpid())").path

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: scratch) }

    func testNpyRoundTripsEveryNumericType() throws {
        let tensors: [Tensor] = [
            try Tensor([Float(1.5), -2, 3], shape: [3]), try Tensor([1.0, 2, 3, 4, 5, 6], shape: [2, 3]),
            try Tensor([Int64(-7)], shape: []), try Tensor([UInt8(1), 2, 255, 0], shape: [2, 2]), try Tensor([true, false], shape: [2]),
            try Tensor(dtype: .float32, shape: [0, 3]),
        ]
        for tensor in tensors {
            let path = scratch + "/t.npy"
            try NumpyFormat.write(tensor, to: path)
            let back = try NumpyFormat.read(path)
            XCTAssertNil(closeness(back, tensor, rtol: 0, atol: 0))
        }
        XCTAssertThrowsError(try NumpyFormat.decode(Array("not numpy".utf8)))
        let truncated = Array(try NumpyFormat.encode(tensors[1]).dropLast(5))
        XCTAssertThrowsError(try NumpyFormat.decode(truncated)) { error in
            XCTAssert((error as? PlexusError)?.message.contains("truncated") == true)
        }
    }

    func testDigitsArchiveLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../data/digits.npz").path
        let arrays = try NpzArchive.read(path)
        XCTAssertEqual(arrays["x_train"]?.shape, [1438, 64])
        XCTAssertEqual(arrays["x_test"]?.shape, [359, 64])
        XCTAssertEqual(arrays["y_train"]?.dtype, .int64)
        XCTAssertEqual(Set(try arrays["y_test"]!.elements(as: Int64.self)), Set(0...9))
        XCTAssertThrowsError(try NpzArchive.read(#filePath))
        XCTAssertThrowsError(try NpzArchive.read(scratch + "/missing.npz")) { error in
            XCTAssertEqual((error as? PlexusError)?.code, .io)
        }
    }

    func testIDXReadsBigEndianData() throws {
        // Two 2×3 uint8 images, then a float32 vector.
        var bytes: [UInt8] = [0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3] + Array(1...12)
        try Data(bytes).write(to: URL(fileURLWithPath: scratch + "/images.idx"))
        let images = try IDXFormat.read(scratch + "/images.idx")
        XCTAssertEqual(images.shape, [2, 2, 3])
        XCTAssertEqual(try images.elements(as: UInt8.self), Array(1...12))
        bytes = [0, 0, 0x0D, 1, 0, 0, 0, 2] + Array(Float(1.5).bitPattern.bigEndianBytes) + Array(Float(-2).bitPattern.bigEndianBytes)
        try Data(bytes).write(to: URL(fileURLWithPath: scratch + "/floats.idx"))
        XCTAssertEqual(try IDXFormat.read(scratch + "/floats.idx").elements(as: Float.self), [1.5, -2])
        try Data([0, 0, 0x08, 1, 0, 0, 0, 9, 1]).write(to: URL(fileURLWithPath: scratch + "/short.idx"))
        XCTAssertThrowsError(try IDXFormat.read(scratch + "/short.idx"))
    }

    func testSafetensorsRoundTripAndValidation() throws {
        let tensors: [(name: String, tensor: Tensor)] = [("a", try Tensor([Float(1), 2, 3], shape: [3])),
                                                         ("b.weight", try Tensor([Int64(4), 5], shape: [1, 2])),
                                                         ("c", try Tensor([BFloat16(1.5)], shape: []))]
        let bytes = try Safetensors.encode(tensors, metadata: ["format": "pt"])
        XCTAssertEqual(Int(bytes[0]) % 8, 0)
        let (back, metadata) = try Safetensors.decode(bytes)
        XCTAssertEqual(back.map(\.name), ["a", "b.weight", "c"])
        for (x, y) in zip(back, tensors) { XCTAssertNil(closeness(x.tensor, y.tensor, rtol: 0, atol: 0)) }
        XCTAssertEqual(metadata, ["format": "pt"])
        XCTAssertThrowsError(try Safetensors.decode(Array(bytes.prefix(20))))
        XCTAssertThrowsError(try Safetensors.decode([255, 255, 255, 255, 0, 0, 0, 0] + Array("{}".utf8)))
        XCTAssertThrowsError(try Safetensors.encode([("s", try Tensor(strings: ["x"], shape: [1]))]))
        XCTAssertEqual(try JSON.parse(#"{"a": [1, 2.5, "x\n", true, null], "b": {}}"#)["a"], .array([.number(1), .number(2.5), .string("x\n"), .bool(true), .null]))
        XCTAssertThrowsError(try JSON.parse(#"{"a": }"#))
        XCTAssertThrowsError(try JSON.parse(String(repeating: "[", count: 500)))
    }

    func testDataLoaderBatchesAndShufflesReproducibly() throws {
        let inputs = try Tensor((0..<10).map(Float.init), shape: [10, 1]), targets = try Tensor((0..<10).map(Int64.init), shape: [10])
        let dataset = try TensorDataset(inputs: inputs, targets: targets)
        let ordered = try DataLoader(dataset, batchSize: 4)
        XCTAssertEqual(try ordered.batches().map { $0.targets.shape }, [[4], [4], [2]])
        XCTAssertEqual(try ordered.batches()[2].inputs.elements(as: Float.self), [8, 9])
        let dropping = try DataLoader(dataset, batchSize: 4, dropLast: true)
        XCTAssertEqual(dropping.batchCount, 2)
        let shuffled = try DataLoader(dataset, batchSize: 10, shuffle: true, seed: 42)
        let first = try shuffled.batches(epoch: 0)[0].targets.elements(as: Int64.self)
        XCTAssertEqual(try shuffled.batches(epoch: 0)[0].targets.elements(as: Int64.self), first)
        XCTAssertNotEqual(try shuffled.batches(epoch: 1)[0].targets.elements(as: Int64.self), first)
        XCTAssertEqual(first.sorted(), Array(0..<10))
        XCTAssertEqual(try shuffled.batches(epoch: 0)[0].inputs.elements(as: Float.self).map(Int64.init), first)  // rows stay paired
        XCTAssertThrowsError(try TensorDataset(inputs: inputs, targets: try Tensor([Int64(1)], shape: [1])))
        XCTAssertThrowsError(try DataLoader(dataset, batchSize: 0))
    }
}

extension UInt32 {
    var bigEndianBytes: [UInt8] { [UInt8(self >> 24), UInt8((self >> 16) & 0xFF), UInt8((self >> 8) & 0xFF), UInt8(self & 0xFF)] }
}
