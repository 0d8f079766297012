import PlexusPluginKit

/// Shorthands for the ops this plugin's gradient rule, decomposition and layers are written
/// with (the CPU plugin has the same ones on `Gradient`; plugins cannot share code, so these
/// would belong in the kit).
extension OpCaller {
    /// a + b, broadcasting.
    func add(_ a: KernelTensor, _ b: KernelTensor) throws -> KernelTensor { try call1("Add", [a, b]) }
    /// a − b, broadcasting.
    func sub(_ a: KernelTensor, _ b: KernelTensor) throws -> KernelTensor { try call1("Sub", [a, b]) }
    /// a · b, broadcasting.
    func mul(_ a: KernelTensor, _ b: KernelTensor) throws -> KernelTensor { try call1("Mul", [a, b]) }
    /// a · value for a constant (`a` itself when the constant is 1).
    func scale(_ a: KernelTensor, _ value: Double) throws -> KernelTensor {
        value == 1 ? a : try mul(a, try scalar(value, a.dtype))
    }
    /// `t` in `dtype` (`t` itself when it already is).
    func cast(_ t: KernelTensor, to dtype: DType) throws -> KernelTensor {
        t.dtype == dtype ? t : try call1("Cast", [t], [("to", .int(Int(dtype.rawValue)))])
    }
    /// `t` with its dims reordered by `perm`.
    func transpose(_ t: KernelTensor, _ perm: [Int]) throws -> KernelTensor {
        try call1("Transpose", [t], [("perm", .ints(perm))])
    }
}
