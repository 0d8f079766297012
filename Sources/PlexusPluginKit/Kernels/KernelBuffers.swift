import Synchronization

/// A few float buffers kept between calls for kernels' per-call scratch (a convolution's
/// unfolded panels or transformed tiles, a product's packed rows), so a model's layers do not
/// map, fault in and unmap fresh pages each time. Shared by the plugins that link this kit (each
/// plugin has its own copy of the pool). Thread-safe; at most `kept` buffers wait at once, the
/// smallest going first.
public enum KernelBuffers {
    /// A 64-byte-aligned buffer of `capacity` floats.
    public struct Buffer: @unchecked Sendable {
        public let pointer: UnsafeMutablePointer<Float>
        public let capacity: Int
    }

    /// Buffers waiting to be reused: a few per concurrent caller (a Winograd convolution holds
    /// five at once on two threads).
    static let kept = 8
    private static let waiting = Mutex<[Buffer]>([])

    /// A buffer of at least `floats` floats: a kept one that is large enough, or a new one.
    /// Hand it back with `give`.
    public static func take(floats: Int) -> Buffer {
        let reused = waiting.withLock { list -> Buffer? in
            guard let index = list.firstIndex(where: { $0.capacity >= floats }) else { return nil }
            return list.remove(at: index)
        }
        if let reused { return reused }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(floats, 1) * 4, alignment: 64)
        return Buffer(pointer: raw.bindMemory(to: Float.self, capacity: max(floats, 1)), capacity: max(floats, 1))
    }

    /// Returns a buffer from `take` for reuse (freeing the smallest kept one when full).
    public static func give(_ buffer: Buffer) {
        let evicted = waiting.withLock { list -> Buffer? in
            list.append(buffer)
            guard list.count > kept, let smallest = list.indices.min(by: { list[$0].capacity < list[$1].capacity }) else { return nil }
            return list.remove(at: smallest)
        }
        evicted?.pointer.deallocate()
    }
}
