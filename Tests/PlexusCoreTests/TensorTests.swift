import PlexusCore
import XCTest

final class TensorTests: XCTestCase {
    func testCreationShapesAndElements() throws {
        let t = try Tensor([Int32(1), 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual(t.dtype, .int32)
        XCTAssertEqual(t.rank, 2)
        XCTAssertEqual(t.count, 6)
        XCTAssertEqual(try t.elements(as: Int32.self), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Int(bitPattern: t.data) % Storage.alignment, 0)
        XCTAssertThrowsError(try t.elements(as: Float.self))
        XCTAssertThrowsError(try Tensor([Float(1), 2], shape: [3]))
        let scalar = Tensor(scalar: 2.5)
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.count, 1)
        let empty = try Tensor(dtype: .float32, shape: [0, 4])
        XCTAssertEqual(empty.count, 0)
    }

    func testReshapeSharesStorage() throws {
        let t = try Tensor([Float(1), 2, 3, 4], shape: [2, 2])
        let view = try t.reshaped([4])
        XCTAssert(view.storage === t.storage)
        view.data.assumingMemoryBound(to: Float.self)[0] = 9
        XCTAssertEqual(try t.elements(as: Float.self)[0], 9)
        XCTAssertThrowsError(try t.reshaped([3]))
    }

    func testStringsAreOwnedCopies() throws {
        let t = try Tensor(strings: ["a", "bé", ""], shape: [3])
        XCTAssertEqual(try t.strings(), ["a", "bé", ""])
        XCTAssertEqual(try Tensor(dtype: .string, shape: [2]).strings(), ["", ""])
    }

    func testWrappedMemoryRunsTheDeleterOnce() throws {
        final class Flag: @unchecked Sendable { var count = 0 }
        let flag = Flag()
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: 2)
        memory.initialize(repeating: 3, count: 2)
        do {
            let storage = Storage(wrapping: memory, byteCount: 8, deleter: { pointer, context in
                Unmanaged<Flag>.fromOpaque(context!).takeUnretainedValue().count += 1
                pointer!.deallocate()
            }, context: Unmanaged.passUnretained(flag).toOpaque())
            let t = Tensor(dtype: .float32, shape: [2], storage: storage)
            XCTAssertEqual(try t.elements(as: Float.self), [3, 3])
        }
        XCTAssertEqual(flag.count, 1)
    }

    func testBFloat16RoundsToNearestEven() {
        XCTAssertEqual(BFloat16(1.0).floatValue, 1.0)
        XCTAssertEqual(BFloat16(Float(bitPattern: 0x3F80_8000)).bitPattern, 0x3F80)  // tie → even
        XCTAssertEqual(BFloat16(Float(bitPattern: 0x3F81_8000)).bitPattern, 0x3F82)  // tie → even
        XCTAssert(BFloat16(.nan).floatValue.isNaN)
    }
}
