import CPlexus
import PlexusCore

// Losses and optimizers of the C ABI (plexus.h). A plx_optimizer * is a retained Optimizer.

/// Implements `plx_loss`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_loss(_ name: UnsafePointer<CChar>?, _ input: OpaquePointer?, _ target: OpaquePointer?, _ options: OpaquePointer?,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    withStatus {
        guard let out else { throw PlexusError.invalid("out is NULL") }
        let loss = try Loss.named(try CAttributeFunctions.string(name, "loss name"), try Tensor.from(input, "input"),
                                  try Tensor.from(target, "target"), options: options.map(Attributes.from) ?? Attributes())
        out.pointee = loss.retainedHandle()
    }
}

private func optimizer(_ handle: OpaquePointer?) throws -> Optimizer {
    guard let handle else { throw PlexusError.invalid("optimizer is NULL") }
    return Unmanaged<Optimizer>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// Implements `plx_optimizer_create`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_optimizer_create(_ name: UnsafePointer<CChar>?, _ parameters: UnsafePointer<OpaquePointer?>?, _ count: Int,
                                 _ attrs: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    withStatus {
        guard let out else { throw PlexusError.invalid("out is NULL") }
        let tensors = try CAttributeFunctions.array(parameters, count, "params") { try Tensor.from($0, "a parameter") }
        let created = try Optimizer.named(try CAttributeFunctions.string(name, "optimizer name"), parameters: tensors,
                                          options: attrs.map(Attributes.from) ?? Attributes())
        out.pointee = OpaquePointer(Unmanaged.passRetained(created).toOpaque())
    }
}

/// Implements `plx_optimizer_step`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_optimizer_step(_ handle: OpaquePointer?) -> plx_status { withStatus { try optimizer(handle).step() } }

/// Implements `plx_optimizer_zero_grad`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_optimizer_zero_grad(_ handle: OpaquePointer?) { (try? optimizer(handle))?.zeroGrad() }

/// Implements `plx_optimizer_set_learning_rate`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_optimizer_set_learning_rate(_ handle: OpaquePointer?, _ rate: Double) -> plx_status {
    withStatus {
        guard rate >= 0 else { throw PlexusError.invalid("learning rate must be >= 0, got \(rate)") }
        try optimizer(handle).learningRate = rate
    }
}

/// Implements `plx_optimizer_learning_rate`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_optimizer_learning_rate(_ handle: OpaquePointer?) -> Double { (try? optimizer(handle))?.learningRate ?? -1 }

/// Implements `plx_optimizer_release`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_optimizer_release(_ handle: OpaquePointer?) {
    handle.map { Unmanaged<Optimizer>.fromOpaque(UnsafeRawPointer($0)).release() }
}
