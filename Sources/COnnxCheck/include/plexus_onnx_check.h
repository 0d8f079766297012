/*
 * An extern "C" shim over Debian's libonnx (1.12): the official ONNX checker and shape
 * inference, reachable from Swift without C++ interop. Internal to the plexus command.
 */
#ifndef PLEXUS_ONNX_CHECK_H
#define PLEXUS_ONNX_CHECK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The model passed the checker (and shape inference, when asked). */
#define PLX_ONNX_CHECK_OK 0
/** The checker rejected the model; the message says why. */
#define PLX_ONNX_CHECK_INVALID 1
/** The model's IR version or an opset is newer than libonnx knows; it was not checked. */
#define PLX_ONNX_CHECK_OUT_OF_RANGE 2

/**
 * Checks serialized model bytes with onnx::checker::check_model and, when `infer_shapes` is
 * nonzero, strict shape inference, in a child process (a crash or hang of libonnx is reported
 * as INVALID with the signal named). Attribute sizes libonnx divides by (strides, dilations,
 * kernel_shape, group, blocksize) must be 1 to 2^31-1. Writes a NUL-terminated message (at most `capacity` bytes)
 * for every result but OK. Thread-safe. Never throws.
 */
int plx_onnx_check(const void *bytes, size_t size, int infer_shapes, char *message, size_t capacity);

/** Highest IR version and ai.onnx opset the linked libonnx understands. */
void plx_onnx_check_limits(long *ir_version, long *opset);

#ifdef __cplusplus
}
#endif

#endif
