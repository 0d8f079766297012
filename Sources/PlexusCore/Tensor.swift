#if canImport(Glibc)
import Glibc
#endif
import PlexusABI

/// A dense, contiguous, row-major tensor in CPU memory.
///
/// A `Tensor` is a reference type like PyTorch's: copies of a reference see the same data.
/// Its dtype and shape never change; its elements may be written through `storage`. Several
/// tensors may share storage (views made by reshaping ops), as numpy views do.
public final class Tensor: @unchecked Sendable {
    /// Element type.
    public let dtype: DType
    /// Dimensions, outermost first; empty for a scalar.
    public let shape: [Int]
    /// Number of elements (product of `shape`; 1 for a scalar).
    public let count: Int
    /// The memory holding the elements.
    public let storage: Storage
    /// The shape as `Int64`s, kept for C callers that borrow it (`plx_tensor_shape`).
    let cShape: UnsafeMutablePointer<Int64>

    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs); outputs of
    /// recorded ops get it automatically. Not synchronised: set it before sharing the tensor.
    public var requiresGrad = false
    /// The gradient accumulated by `backward()` (leaves only), or nil.
    public internal(set) var grad: Tensor?
    /// The recorded op that produced this tensor, and which of its outputs it is.
    var gradNode: GradNode?
    var outputIndex = 0

    /// Creates a tensor over `storage`, which must hold at least `count × elementSize` bytes.
    public init(dtype: DType, shape: [Int], storage: Storage) {
        self.dtype = dtype
        self.shape = shape
        self.count = Shape.elementCount(shape) ?? 0
        self.storage = storage
        cShape = .allocate(capacity: max(shape.count, 1))
        for (index, dim) in shape.enumerated() { cShape[index] = Int64(dim) }
        precondition(storage.byteCount >= count * dtype.elementSize, "storage is too small for the shape")
        storage.tensorCount.add(1, ordering: .relaxed)
    }

    /// Allocates a tensor: zero-filled (string elements are empty strings) when `zeroed`, else
    /// uninitialised (string elements are NULL until the writer sets them). Throws `invalid` when
    /// the shape has a negative dimension or its byte size overflows, and `outOfMemory` when the
    /// allocation is above the cap or fails (see `MemoryLimits`).
    public convenience init(dtype: DType, shape: [Int], zeroed: Bool = true) throws {
        let byteCount = try Shape.byteCount(shape, dtype: dtype)
        let count = Shape.elementCount(shape) ?? 0
        self.init(dtype: dtype, shape: shape,
                  storage: try Storage(byteCount: byteCount, zeroed: zeroed,
                                       stringCount: dtype == .string ? count : 0))
        if dtype == .string && zeroed {
            let slots = data.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
            for index in 0..<count { slots[index] = strdup("") }
        }
    }

    deinit {
        storage.tensorCount.subtract(1, ordering: .relaxed)
        cShape.deallocate()
    }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// The raw address of the first element.
    public var data: UnsafeMutableRawPointer { storage.pointer }

    /// A tensor sharing this one's memory with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard Shape.elementCount(newShape) == count else {
            throw PlexusError(.shapeMismatch, "cannot view a tensor of shape \(shape) as \(newShape)")
        }
        return Tensor(dtype: dtype, shape: newShape, storage: storage)
    }
}
