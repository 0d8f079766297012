import PlexusCore
import XCTest

/// The tape itself: accumulation, broadcasting, no-grad, detach, deep graphs.
final class AutogradTests: XCTestCase {
    override func setUp() { loadPlugins() }

    func leaf(_ values: [Double], _ shape: [Int]) throws -> Tensor {
        let t = try Tensor(values, shape: shape)
        t.requiresGrad = true
        return t
    }

    func testGradientsAccumulateUntilZeroed() throws {
        let x = try leaf([1, 2, 3], [3])
        for _ in 0..<2 {
            let y = try Ops.call1("ReduceSum", [try Ops.call1("Mul", [x, x])], attributes: ["keepdims": .int(0)])
            try y.backward()
        }
        XCTAssertEqual(try x.grad?.elements(as: Double.self), [4, 8, 12])  // 2 × 2x
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testBroadcastGradientsAreReducedToTheInputShape() throws {
        let a = try leaf([1, 2, 3, 4, 5, 6], [2, 3]), b = try leaf([10, 20, 30], [3]), c = try leaf([2], [])
        let y = try Ops.call1("Mul", [try Ops.call1("Add", [a, b]), c])
        try y.backward()
        XCTAssertEqual(try a.grad?.elements(as: Double.self), [2, 2, 2, 2, 2, 2])
        XCTAssertEqual(b.grad?.shape, [3])
        XCTAssertEqual(try b.grad?.elements(as: Double.self), [4, 4, 4])
        XCTAssertEqual(try c.grad?.elements(as: Double.self), [141])  // sum(a + b) = 21 + 2 · 60
    }

    func testSharedSubexpressionsSumTheirPaths() throws {
        let x = try leaf([3], [1])
        let y = try Ops.call1("Mul", [x, x])       // x²
        let z = try Ops.call1("Add", [y, try Ops.call1("Mul", [y, x])])  // x² + x³
        try z.backward()
        XCTAssertEqual(try x.grad?.elements(as: Double.self), [2 * 3 + 3 * 9])
    }

    func testNoGradScopeAndDetachStopRecording() throws {
        let x = try leaf([1, 2], [2])
        let inside = try withoutGradients { try Ops.call1("Exp", [x]) }
        XCTAssertFalse(inside.requiresGrad)
        XCTAssertThrowsError(try inside.backward())
        let detached = x.detached()
        XCTAssertFalse(detached.requiresGrad)
        XCTAssert(detached.storage === x.storage)
        let y = try Ops.call1("Mul", [detached, x])
        try y.backward()
        XCTAssertEqual(try x.grad?.elements(as: Double.self), [1, 2])  // detached factor is a constant
        GradMode.begin()
        XCTAssertFalse(GradMode.isEnabled)
        try GradMode.end()
        XCTAssertTrue(GradMode.isEnabled)
        XCTAssertThrowsError(try GradMode.end())
    }

    func testSeedGradientAndIntegerOutputsAreNotTracked() throws {
        let x = try leaf([1, 5, 2], [3])
        let y = try Ops.call1("Mul", [x, x])
        try y.backward(try Tensor([1.0, 0, 2], shape: [3]))
        XCTAssertEqual(try x.grad?.elements(as: Double.self), [2, 0, 8])
        let index = try Ops.call1("ArgMax", [x])
        XCTAssertFalse(index.requiresGrad)
        XCTAssertThrowsError(try y.backward(try Tensor([1.0], shape: [1])))
    }

    func testTenThousandOpChainNeitherOverflowsBackwardNorTeardown() throws {
        let x = try leaf([0.5], [1])
        let step = try Tensor([1.0001], shape: [1])
        var y = x
        for _ in 0..<10_000 { y = try Ops.call1("Mul", [y, step]) }
        try y.backward()
        XCTAssertEqual(try x.grad!.elements(as: Double.self)[0], pow(1.0001, 10_000), accuracy: 1e-9)
        y = x  // releases the 10,000-node graph
    }

    func testOpWithoutGradientFailsClearlyAtBackward() throws {
        let x = try leaf([1, 2], [2])
        // Floor has a (zero) gradient; OneHot's float `values` input has none.
        let y = try Ops.call1("OneHot", [try Tensor([Int64(0)], shape: [1]), try Tensor([Int64(2)], shape: []), x])
        XCTAssertThrowsError(try y.backward()) { error in
            XCTAssert((error as? PlexusError)?.message.contains("OneHot has no gradient") == true, "\(error)")
        }
    }
}

import Foundation
