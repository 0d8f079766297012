import CPlexus
import PlexusABI

/// The host function table handed to every plugin. Built once; lives for the process.
enum HostAPI {
    nonisolated(unsafe) static let table: UnsafeMutablePointer<plx_host_api> = {
        let table = UnsafeMutablePointer<plx_host_api>.allocate(capacity: 1)
        table.initialize(to: plx_host_api())
        table.pointee.abi_major = UInt32(PLX_PLUGIN_ABI_MAJOR)
        table.pointee.abi_minor = UInt32(PLX_PLUGIN_ABI_MINOR)
        table.pointee.struct_size = UInt32(MemoryLayout<plx_host_api>.size)
        table.pointee.set_error = { code, message in
            ThreadErrors.setPluginError(code: code, message: message.map { String(cString: $0) } ?? "(no message)")
        }
        fillTensorFunctions(table)
        fillAttributeFunctions(table)
        table.pointee.op_call = { CTensorFunctions.opCall($0, $1, $2, $3, $4, $5, $6) }
        table.pointee.last_error = { ThreadErrors.lastMessage }
        table.pointee.max_allocation_bytes = { Int64(MemoryLimits.effectiveCap) }
        fillKernelFunctions(table)
        fillInferFunctions(table)
        fillGradientFunctions(table)
        fillLayerFunctions(table)
        fillGraphFunctions(table)
        return table
    }()

    private static func fillTensorFunctions(_ table: UnsafeMutablePointer<plx_host_api>) {
        table.pointee.tensor_create = { CTensorFunctions.create($0, $1, $2, $3, $4) }
        table.pointee.tensor_retain = { CTensorFunctions.retain($0) }
        table.pointee.tensor_release = { CTensorFunctions.release($0) }
        table.pointee.tensor_dtype = { CTensorFunctions.dtype(of: $0) }
        table.pointee.tensor_rank = { CTensorFunctions.rank(of: $0) }
        table.pointee.tensor_shape = { CTensorFunctions.shape(of: $0) }
        table.pointee.tensor_numel = { CTensorFunctions.numel(of: $0) }
        table.pointee.tensor_data = { CTensorFunctions.data(of: $0) }
    }

    private static func fillAttributeFunctions(_ table: UnsafeMutablePointer<plx_host_api>) {
        typealias A = CAttributeFunctions
        table.pointee.attrs_create = { A.create($0) }
        table.pointee.attrs_release = { A.release($0) }
        table.pointee.attrs_set_int = { a, name, v in A.set(a, name) { .int(v) } }
        table.pointee.attrs_set_float = { a, name, v in A.set(a, name) { .float(v) } }
        table.pointee.attrs_set_ints = { a, name, v, n in A.set(a, name) { .ints(try A.array(v, n, "values") { $0 }) } }
        table.pointee.attrs_set_floats = { a, name, v, n in A.set(a, name) { .floats(try A.array(v, n, "values") { Double($0) }) } }
        table.pointee.attrs_set_string = { a, name, v in A.set(a, name) { .string(try A.string(v, "value")) } }
        table.pointee.attrs_set_strings = { a, name, v, n in
            A.set(a, name) { .strings(try A.array(v, n, "values") { try A.string($0, "a string in values") }) }
        }
        table.pointee.attrs_set_tensor = { a, name, v in A.set(a, name) { .tensor(try Tensor.from(v, "value")) } }
        table.pointee.attrs_get_int = { a, name, out in
            A.get(a, name, as: .int) { entry in out?.pointee = entry.cInts[0] }
        }
        table.pointee.attrs_get_float = { a, name, out in
            A.get(a, name, as: .float) { entry in out?.pointee = entry.cFloats[0] }
        }
        table.pointee.attrs_get_ints = { a, name, out, n in
            A.get(a, name, as: .ints) { entry in
                out?.pointee = UnsafePointer(entry.cInts.baseAddress)
                n?.pointee = entry.intCount
            }
        }
        table.pointee.attrs_get_floats = { a, name, out, n in
            A.get(a, name, as: .floats) { entry in
                out?.pointee = UnsafePointer(entry.cFloats.baseAddress)
                n?.pointee = entry.floatCount
            }
        }
        table.pointee.attrs_get_string = { a, name, out in
            A.get(a, name, as: .string) { entry in out?.pointee = UnsafePointer(entry.cString) }
        }
        table.pointee.attrs_get_strings = { a, name, out, n in
            A.get(a, name, as: .strings) { entry in
                out?.pointee = UnsafePointer(entry.cStrings.baseAddress)
                n?.pointee = entry.stringCount
            }
        }
        table.pointee.attrs_get_tensor = { a, name, out in
            A.get(a, name, as: .tensor) { entry in
                if case .tensor(let tensor) = entry.value { out?.pointee = tensor.handle }
            }
        }
    }

    fileprivate static func kernelContext(_ pointer: OpaquePointer?) throws -> KernelContext {
        guard let pointer else { throw PlexusError.invalid("kernel context is NULL") }
        return Unmanaged<KernelContext>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    fileprivate static func inferContext(_ pointer: OpaquePointer?) -> InferContext? {
        pointer.map { Unmanaged<InferContext>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }

    private static func fillKernelFunctions(_ table: UnsafeMutablePointer<plx_host_api>) {
        table.pointee.kernel_output_count = { context in
            context.map { Unmanaged<KernelContext>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue().outputCount } ?? 0
        }
        table.pointee.kernel_output = { context, index, rawDType, shape, rank, out in
            withStatus {
                guard let out else { throw PlexusError.invalid("out is NULL") }
                let kernelContext = try HostAPI.kernelContext(context)
                if let reserved = kernelContext.reserved(index, dtype: rawDType, shape: shape, rank: rank) {
                    out.pointee = reserved.handle
                    return
                }
                let dtype = try CTensorFunctions.dtype(rawDType)
                let dims = try Shape.validated(shape, rank: rank, dtype: dtype)
                out.pointee = try kernelContext.allocate(index, dtype: dtype, shape: dims).handle
            }
        }
        table.pointee.kernel_output_alias = { context, index, source, shape, rank, out in
            withStatus {
                guard let out else { throw PlexusError.invalid("out is NULL") }
                let tensor = try Tensor.from(source, "source")
                let dims = try Shape.validated(shape, rank: rank, dtype: tensor.dtype)
                out.pointee = try HostAPI.kernelContext(context).alias(index, source: tensor, shape: dims).handle
            }
        }
        table.pointee.kernel_set_output = { context, index, tensor in
            withStatus { try HostAPI.kernelContext(context).set(index, try Tensor.from(tensor, "tensor")) }
        }
        table.pointee.num_threads = { Int32(clamping: Parallel.threadCount) }
        table.pointee.parallel_for = { count, grain, body, user in
            guard let body, count > 0 else { return }
            Parallel.forRange(Int(count), grain: Int(max(grain, 1))) { range in
                body(user, Int64(range.lowerBound), Int64(range.upperBound))
            }
        }
    }

    fileprivate static func gradientContext(_ pointer: OpaquePointer?) -> GradientContext? {
        pointer.map { Unmanaged<GradientContext>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }

    private static func fillGradientFunctions(_ table: UnsafeMutablePointer<plx_host_api>) {
        table.pointee.gradient_needed = { context, index in
            HostAPI.gradientContext(context)?.needs(index) == true ? 1 : 0
        }
        table.pointee.gradient_set = { context, index, gradient in
            withStatus {
                guard let context = HostAPI.gradientContext(context) else { throw PlexusError.invalid("gradient context is NULL") }
                try context.set(index, try Tensor.from(gradient, "gradient"))
            }
        }
    }

    private static func fillLayerFunctions(_ table: UnsafeMutablePointer<plx_host_api>) {
        table.pointee.layer_add_parameter = { builder, name, dtype, shape, rank, kind, a, b, out in
            HostAPI.addLayerTensor(builder, name, dtype, shape, rank, kind, a, b, out, trainable: true)
        }
        table.pointee.layer_add_buffer = { builder, name, dtype, shape, rank, kind, a, b, out in
            HostAPI.addLayerTensor(builder, name, dtype, shape, rank, kind, a, b, out, trainable: false)
        }
        table.pointee.layer_tensor = { context, name in
            guard let context, let name else { return nil }
            let layer = Unmanaged<LayerContext>.fromOpaque(UnsafeRawPointer(context)).takeUnretainedValue()
            return layer.tensor(String(cString: name))?.handle
        }
        table.pointee.layer_training = { context in
            guard let context else { return 0 }
            return Unmanaged<LayerContext>.fromOpaque(UnsafeRawPointer(context)).takeUnretainedValue().layer.isTraining ? 1 : 0
        }
        table.pointee.layer_next_seed = { _ in RandomSource.next() }
    }

    fileprivate static func addLayerTensor(_ builder: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ rawDType: Int32,
                                           _ shape: UnsafePointer<Int64>?, _ rank: Int, _ kind: Int32, _ a: Double, _ b: Double,
                                           _ out: UnsafeMutablePointer<OpaquePointer?>?, trainable: Bool) -> Int32 {
        withStatus {
            guard let builder else { throw PlexusError.invalid("layer builder is NULL") }
            let layer = Unmanaged<LayerBuilder>.fromOpaque(UnsafeRawPointer(builder)).takeUnretainedValue()
            let dtype = try CTensorFunctions.dtype(rawDType)
            let dims = try Shape.validated(shape, rank: rank, dtype: dtype)
            let tensor = try layer.add(try CAttributeFunctions.string(name, "name"), dtype: dtype, shape: dims,
                                       initialization: try Initialization.fromABI(kind, a, b), trainable: trainable)
            out?.pointee = tensor.handle
        }
    }

    private static func fillInferFunctions(_ table: UnsafeMutablePointer<plx_host_api>) {
        table.pointee.infer_input_count = { HostAPI.inferContext($0)?.inputs.count ?? 0 }
        table.pointee.infer_input = { context, index, dtype, shape, rank in
            guard let context = HostAPI.inferContext(context), index < context.inputs.count else {
                return ThreadErrors.record(.invalid("input index \(index) is out of range"))
            }
            guard let input = context.inputs[index] else { return StatusCode.notFound.rawValue }
            dtype?.pointee = input.type.dtype.rawValue
            if let buffer = context.cShapes[index] {
                shape?.pointee = UnsafePointer(buffer.baseAddress)
                rank?.pointee = buffer.count
            } else {
                shape?.pointee = nil
                rank?.pointee = -1 // PLX_RANK_UNKNOWN: (size_t)-1 is -1 as a Swift Int
            }
            return StatusCode.ok.rawValue
        }
        table.pointee.infer_input_value = { context, index in
            guard let context = HostAPI.inferContext(context), index < context.inputs.count else { return nil }
            return context.inputs[index]?.value?.handle
        }
        table.pointee.infer_output_count = { HostAPI.inferContext($0)?.outputs.count ?? 0 }
        table.pointee.infer_set_output = { context, index, rawDType, shape, rank in
            withStatus {
                guard let context = HostAPI.inferContext(context) else { throw PlexusError.invalid("inference context is NULL") }
                guard index < context.outputs.count else { throw PlexusError.invalid("output index \(index) is out of range") }
                let dtype = try CTensorFunctions.dtype(rawDType)
                if rank == -1 {
                    context.outputs[index] = TensorType(dtype: dtype, shape: nil)
                } else {
                    guard rank <= 64, rank == 0 || shape != nil else { throw PlexusError.invalid("bad output shape") }
                    context.outputs[index] = TensorType(dtype: dtype, shape: (0..<rank).map { shape![$0] < 0 ? nil : Int(shape![$0]) })
                }
            }
        }
    }
}
