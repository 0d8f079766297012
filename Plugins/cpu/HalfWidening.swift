import PlexusPluginKit

extension OpSequence {
    /// `tensor` in float32 when it is float16 or bfloat16 (composed ops compute halfs in
    /// float32), otherwise unchanged.
    func widened(_ tensor: KernelTensor) throws -> KernelTensor {
        DTypes.halfs.contains(tensor.dtype) ? try call("Cast", [tensor], [("to", .int(Int(DType.float32.rawValue)))]) : tensor
    }

    /// `tensor` cast back to `dtype` when widening changed its dtype.
    func narrowed(_ tensor: KernelTensor, to dtype: DType) throws -> KernelTensor {
        tensor.dtype == dtype ? tensor : try call("Cast", [tensor], [("to", .int(Int(dtype.rawValue)))])
    }
}
