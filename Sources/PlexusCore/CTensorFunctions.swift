#if canImport(Glibc)
import Glibc
#endif
import PlexusABI

/// The C-callable behaviour of the tensor functions, shared by the public C ABI (`plx_tensor_*`)
/// and the plugin host table. Each validates its arguments and reports through `withStatus`.
public enum CTensorFunctions {
    static func dtype(_ raw: Int32) throws -> DType {
        guard let dtype = DType(rawValue: raw) else { throw PlexusError.invalid("unknown dtype \(raw)") }
        return dtype
    }

    /// `plx_tensor_create`.
    public static func create(_ rawDType: Int32, _ shape: UnsafePointer<Int64>?, _ rank: Int,
                              _ data: UnsafeRawPointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
        withStatus {
            guard let out else { throw PlexusError.invalid("out is NULL") }
            let dtype = try dtype(rawDType)
            let dims = try Shape.validated(shape, rank: rank, dtype: dtype)
            let tensor = try Tensor(dtype: dtype, shape: dims, zeroed: data == nil)  // strings: zeroed = ""
            if let data {
                if dtype == .string {
                    let source = data.assumingMemoryBound(to: UnsafePointer<CChar>?.self)
                    let slots = tensor.data.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
                    for index in 0..<tensor.count { slots[index] = source[index].map { strdup($0) } ?? strdup("") }
                } else {
                    tensor.data.copyMemory(from: data, byteCount: tensor.count * dtype.elementSize)
                }
            }
            out.pointee = tensor.retainedHandle()
        }
    }

    /// `plx_tensor_wrap`.
    public static func wrap(_ rawDType: Int32, _ shape: UnsafePointer<Int64>?, _ rank: Int,
                            _ data: UnsafeMutableRawPointer?,
                            _ deleter: (@convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void)?,
                            _ context: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
        withStatus {
            guard let out else { throw PlexusError.invalid("out is NULL") }
            let dtype = try dtype(rawDType)
            guard dtype != .string else { throw PlexusError.invalid("string tensors cannot wrap caller memory; use plx_tensor_create") }
            let dims = try Shape.validated(shape, rank: rank, dtype: dtype)
            let count = Shape.elementCount(dims)!
            guard data != nil || count == 0 else { throw PlexusError.invalid("data is NULL for a tensor of \(count) elements") }
            let pointer = data ?? UnsafeMutableRawPointer(bitPattern: Storage.alignment)!
            let storage = Storage(wrapping: pointer, byteCount: count * dtype.elementSize,
                                  deleter: data == nil ? nil : deleter, context: context)
            out.pointee = Tensor(dtype: dtype, shape: dims, storage: storage).retainedHandle()
        }
    }

    /// `plx_tensor_retain`.
    public static func retain(_ handle: OpaquePointer?) { handle.map(Tensor.retain) }
    /// `plx_tensor_release`.
    public static func release(_ handle: OpaquePointer?) { handle.map(Tensor.release) }
    /// `plx_tensor_dtype`.
    public static func dtype(of handle: OpaquePointer?) -> Int32 { handle.map { Tensor.from($0).dtype.rawValue } ?? 0 }
    /// `plx_tensor_rank`.
    public static func rank(of handle: OpaquePointer?) -> Int { handle.map { Tensor.from($0).rank } ?? 0 }
    /// `plx_tensor_shape`.
    public static func shape(of handle: OpaquePointer?) -> UnsafePointer<Int64>? {
        handle.map { UnsafePointer(Tensor.from($0).cShape) }
    }
    /// `plx_tensor_numel`.
    public static func numel(of handle: OpaquePointer?) -> Int64 { handle.map { Int64(Tensor.from($0).count) } ?? -1 }
    /// `plx_tensor_data`.
    public static func data(of handle: OpaquePointer?) -> UnsafeMutableRawPointer? { handle.map { Tensor.from($0).data } }

    /// `plx_op_call`.
    public static func opCall(_ domain: UnsafePointer<CChar>?, _ op: UnsafePointer<CChar>?,
                              _ inputs: UnsafePointer<OpaquePointer?>?, _ inputCount: Int,
                              _ attrs: OpaquePointer?, _ outputs: UnsafeMutablePointer<OpaquePointer?>?,
                              _ outputCount: Int) -> Int32 {
        withStatus {
            guard let op else { throw PlexusError.invalid("op name is NULL") }
            guard inputCount == 0 || inputs != nil else { throw PlexusError.invalid("inputs is NULL but n_inputs is \(inputCount)") }
            guard let outputs else { throw PlexusError.invalid("outputs is NULL") }
            let key = OpKey(domain: domain.map { String(cString: $0) } ?? "", name: String(cString: op))
            let tensors = (0..<inputCount).map { inputs![$0].map(Tensor.from) }
            let attributes = attrs.map(Attributes.from) ?? Attributes()
            let results = try OpRegistry.shared.call(key, tensors, attributes: attributes, outputCount: outputCount)
            for (index, tensor) in results.enumerated() { outputs[index] = tensor.retainedHandle() }
        }
    }
}
