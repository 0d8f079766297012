import CPlexus
import PlexusCore

// Tensor functions of the C ABI (plexus.h); the behaviour lives in CTensorFunctions, shared
// with the plugin host table.

/// Implements `plx_tensor_create`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_create(_ dtype: plx_dtype, _ shape: UnsafePointer<Int64>?, _ rank: Int,
                              _ data: UnsafeRawPointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    CTensorFunctions.create(dtype, shape, rank, data, out)
}

/// Implements `plx_tensor_wrap`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_wrap(_ dtype: plx_dtype, _ shape: UnsafePointer<Int64>?, _ rank: Int,
                            _ data: UnsafeMutableRawPointer?,
                            _ deleter: (@convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void)?,
                            _ context: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> plx_status {
    CTensorFunctions.wrap(dtype, shape, rank, data, deleter, context, out)
}

/// Implements `plx_tensor_retain`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_retain(_ tensor: OpaquePointer?) { CTensorFunctions.retain(tensor) }

/// Implements `plx_tensor_release`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_release(_ tensor: OpaquePointer?) { CTensorFunctions.release(tensor) }

/// Implements `plx_tensor_dtype`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_dtype(_ tensor: OpaquePointer?) -> plx_dtype { CTensorFunctions.dtype(of: tensor) }

/// Implements `plx_tensor_rank`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_rank(_ tensor: OpaquePointer?) -> Int { CTensorFunctions.rank(of: tensor) }

/// Implements `plx_tensor_shape`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_shape(_ tensor: OpaquePointer?) -> UnsafePointer<Int64>? { CTensorFunctions.shape(of: tensor) }

/// Implements `plx_tensor_numel`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_numel(_ tensor: OpaquePointer?) -> Int64 { CTensorFunctions.numel(of: tensor) }

/// Implements `plx_tensor_data`, documented in include/plexus/plexus.h.
@c @implementation
public func plx_tensor_data(_ tensor: OpaquePointer?) -> UnsafeMutableRawPointer? { CTensorFunctions.data(of: tensor) }
