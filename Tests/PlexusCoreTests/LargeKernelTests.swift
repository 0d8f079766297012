import PlexusCore
import XCTest

/// The goldens use small tensors; these cover the paths that only large inputs take (SIMD
/// GEMM tiles, multi-threaded chunks) against straightforward Swift references.
final class LargeKernelTests: XCTestCase {
    override func setUp() { loadPlugins() }

    func random(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
    }

    func naiveMatMul(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var sum = 0.0
            for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
            c[i * n + j] = Float(sum)
        } }
        return c
    }

    func testMatMulLargeAndRaggedSizes() throws {
        for (m, n, k) in [(128, 96, 64), (37, 45, 50), (5, 33, 17), (1, 300, 200), (257, 19, 3)] {
            let a = random(m * k, seed: 1), b = random(k * n, seed: 2)
            let result = try Ops.call1("MatMul", [try Tensor(a, shape: [m, k]), try Tensor(b, shape: [k, n])])
            assertClose(result, try Tensor(naiveMatMul(a, b, m: m, n: n, k: k), shape: [m, n]), rtol: 1e-4, atol: 1e-4, "\(m)x\(n)x\(k)")
        }
    }

    func testBatchedMatMulBroadcastsBatches() throws {
        let (m, n, k) = (20, 24, 16)
        let a = random(3 * m * k, seed: 3), b = random(k * n, seed: 4)
        let result = try Ops.call1("MatMul", [try Tensor(a, shape: [3, 1, m, k]), try Tensor(b + b, shape: [2, k, n])])
        XCTAssertEqual(result.shape, [3, 2, m, n])
        let values = try result.elements(as: Float.self)
        for batch in 0..<3 {
            let expected = naiveMatMul(Array(a[(batch * m * k)..<((batch + 1) * m * k)]), b, m: m, n: n, k: k)
            for copy in 0..<2 {
                let start = (batch * 2 + copy) * m * n
                assertClose(try Tensor(Array(values[start..<(start + m * n)]), shape: [m, n]), try Tensor(expected, shape: [m, n]),
                            rtol: 1e-4, atol: 1e-4)
            }
        }
    }

    func testElementwiseAndReductionsAcrossThreads() throws {
        let rows = 600, columns = 700
        let a = random(rows * columns, seed: 5), bias = random(columns, seed: 6)
        let sum = try Ops.call1("Add", [try Tensor(a, shape: [rows, columns]), try Tensor(bias, shape: [columns])])
        let expected = (0..<(rows * columns)).map { a[$0] + bias[$0 % columns] }
        assertClose(sum, try Tensor(expected, shape: [rows, columns]), rtol: 0, atol: 0)

        let reduced = try Ops.call1("ReduceSum", [sum, try Tensor([Int64(0)], shape: [1])], attributes: ["keepdims": .int(0)])
        let columnSums = (0..<columns).map { j in (0..<rows).reduce(0.0) { $0 + Double(expected[$1 * columns + j]) } }
        assertClose(reduced, try Tensor(columnSums.map(Float.init), shape: [columns]), rtol: 1e-4, atol: 1e-3)

        let softmax = try Ops.call1("Softmax", [sum])
        let rowSums = try Ops.call1("ReduceSum", [softmax, try Tensor([Int64(-1)], shape: [1])], attributes: ["keepdims": .int(0)])
        assertClose(rowSums, try Tensor([Float](repeating: 1, count: rows), shape: [rows]), rtol: 1e-5, atol: 1e-5)

        let transposed = try Ops.call1("Transpose", [sum])
        let back = try Ops.call1("Transpose", [transposed])
        assertClose(back, sum, rtol: 0, atol: 0)
        XCTAssertEqual(try transposed.elements(as: Float.self)[1], expected[columns])
    }

    /// The CPU backend's own kernels split work without changing any sum's order. (OpenBLAS
    /// makes no such promise, so the test pins the CPU backend.)
    func testThreadCountSettingGivesIdenticalResults() throws {
        let a = try Tensor(random(300 * 200, seed: 7), shape: [300, 200]), b = try Tensor(random(200 * 100, seed: 8), shape: [200, 100])
        BackendOrder.set(["cpu"])
        defer { BackendOrder.set(nil) }
        try Parallel.setThreadCount(1)
        let serial = try Ops.call1("MatMul", [a, b])
        try Parallel.setThreadCount(0)
        let parallel = try Ops.call1("MatMul", [a, b])
        assertClose(parallel, serial, rtol: 0, atol: 0)
        XCTAssertThrowsError(try Parallel.setThreadCount(-1))
    }

    func testConcurrentCallsFromManyThreads() throws {
        let a = try Tensor(random(64 * 64, seed: 9), shape: [64, 64])
        let expected = try Ops.call1("MatMul", [a, a])
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            for _ in 0..<20 {
                guard let result = try? Ops.call1("MatMul", [a, a]), closeness(result, expected, rtol: 0, atol: 0) == nil else {
                    failures.withLock { $0 += 1 }
                    return
                }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0)
    }
}

import Dispatch
import Synchronization
