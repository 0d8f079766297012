import CPlexus
import PlexusCore

// Autograd functions of the C ABI (plexus.h).

/// Implements `plx_tensor_set_requires_grad`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_set_requires_grad(_ tensor: OpaquePointer?, _ requiresGrad: Int32) -> plx_status {
    withStatus {
        let tensor = try Tensor.from(tensor, "tensor")
        guard requiresGrad == 0 || tensor.dtype.isFloatingPoint else {
            throw PlexusError(.dtypeMismatch, "only floating-point tensors can require grad, not \(tensor.dtype)")
        }
        tensor.requiresGrad = requiresGrad != 0
    }
}

/// Implements `plx_tensor_requires_grad`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_requires_grad(_ tensor: OpaquePointer?) -> Int32 {
    tensor.map { Tensor.from($0).requiresGrad ? 1 : 0 } ?? 0
}

/// Implements `plx_tensor_backward`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_backward(_ tensor: OpaquePointer?, _ seed: OpaquePointer?) -> plx_status {
    withStatus { try Tensor.from(tensor, "tensor").backward(seed.map(Tensor.from)) }
}

/// Implements `plx_tensor_grad`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_grad(_ tensor: OpaquePointer?) -> OpaquePointer? {
    tensor.flatMap { Tensor.from($0).grad?.handle }
}

/// Implements `plx_tensor_zero_grad`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_zero_grad(_ tensor: OpaquePointer?) { tensor.map { Tensor.from($0).zeroGrad() } }

/// Implements `plx_tensor_detach`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_detach(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    withStatus {
        guard let out else { throw PlexusError.invalid("out is NULL") }
        out.pointee = try Tensor.from(tensor, "tensor").detached().retainedHandle()
    }
}

/// Implements `plx_no_grad_begin`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_no_grad_begin() { GradMode.begin() }

/// Implements `plx_no_grad_end`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_no_grad_end() -> plx_status { withStatus { try GradMode.end() } }

/// Implements `plx_manual_seed`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_manual_seed(_ seed: UInt64) { RandomSource.seed(seed) }
