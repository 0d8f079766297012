import PlexusPluginKit

/// float16 and bfloat16 for every op of the plugin: the op runs again on float32 copies of its
/// inputs, and float results are rounded back to the input's half type (index outputs are kept).
enum HalfPrecisionBridge {
    /// True when the kernel should bridge: its first input is float16 or bfloat16.
    static func applies(_ context: KernelContext) -> Bool {
        (context.inputs.first ?? nil).map { HalfPrecision.isHalf($0.dtype) } ?? false
    }

    /// Computes the kernel's outputs through the float32 kernel of the same op. Call it after
    /// validating the inputs, so errors carry the op's own message.
    static func run(_ context: KernelContext, domain: String = "") throws {
        let half = try context.input(0).dtype
        let copies = try context.inputs.map { try $0.map(Scratch.widened) }
        let handles = copies.map { $0?.view.handle }
        var outputs = [OpaquePointer?](repeating: nil, count: context.outputCount)
        let status = withExtendedLifetime(copies) {
            handles.withUnsafeBufferPointer { inputs in
                outputs.withUnsafeMutableBufferPointer { results in
                    Host.api.pointee.op_call(domain, context.op, inputs.baseAddress, inputs.count, context.attributes.handle,
                                             results.baseAddress, results.count)
                }
            }
        }
        defer { for case let output? in outputs { Host.api.pointee.tensor_release(output) } }
        guard status == 0 else {
            let message = Host.api.pointee.last_error().map { String(cString: $0) } ?? "no message"
            throw PlexusError(StatusCode(rawValue: status) ?? .internal, "\(context.op) on float32 copies of its \(half) inputs: \(message)")
        }
        for (index, handle) in outputs.enumerated() {
            let result = KernelTensor(handle: handle!)
            if result.dtype == .float32 {
                let target = try context.output(index, half, result.shape)
                HalfPrecision.store(UnsafeBufferPointer(start: result.pointer(as: Float.self), count: result.count), into: target)
            } else {
                try context.alias(index, of: result, shape: result.shape)
            }
        }
    }
}
