import Dispatch
import PlexusCore
import Synchronization
import XCTest

/// Parallel.forRange on the worker pool: every index exactly once, loops inside loops (which
/// must not wait on the pool they run on), and several callers at once (one gets the pool, the
/// others fall back), many times over to shake out races.
final class ParallelTests: XCTestCase {
    /// Counts how often each index of `0..<count` is visited.
    final class Visits: @unchecked Sendable {
        let counts: UnsafeMutablePointer<Atomic<Int>>
        let count: Int
        init(_ count: Int) {
            self.count = count
            counts = .allocate(capacity: count)
            for index in 0..<count { (counts + index).initialize(to: Atomic(0)) }
        }
        func visit(_ range: Range<Int>) { for index in range { counts[index].add(1, ordering: .relaxed) } }
        var allOnce: Bool { (0..<count).allSatisfy { counts[$0].load(ordering: .relaxed) == 1 } }
        deinit { counts.deinitialize(count: count); counts.deallocate() }
    }

    func testEveryIndexOnceEvenWithNestedLoops() {
        try? Parallel.setThreadCount(4)
        defer { try? Parallel.setThreadCount(0) }
        for round in 0..<200 {
            let outer = 7 + round % 13, inner = 5 + round % 11
            let visits = Visits(outer * inner)
            Parallel.forRange(outer) { rows in
                for row in rows {
                    Parallel.forRange(inner) { columns in visits.visit((row * inner + columns.lowerBound)..<(row * inner + columns.upperBound)) }
                }
            }
            XCTAssertTrue(visits.allOnce, "round \(round)")
        }
    }

    func testConcurrentCallersAllFinishCorrectly() {
        try? Parallel.setThreadCount(2)
        defer { try? Parallel.setThreadCount(0) }
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for round in 0..<300 {
                let visits = Visits(64 + round % 50)
                Parallel.forRange(visits.count) { visits.visit($0) }
                if !visits.allOnce { failures.add(1, ordering: .relaxed) }
            }
        }
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
    }
}
