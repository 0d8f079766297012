/**
 * @file plexus.h
 * @brief The stable C ABI of Plexus: tensors, attributes, operator calls, plugins and settings.
 *
 * Conventions that hold for every function in this header unless its comment says otherwise:
 *
 * - **Errors.** Fallible functions return a ::plx_status; ::PLX_OK (0) means success. On failure
 *   the out-parameters are left untouched, nothing is leaked, and plx_last_error() returns a
 *   readable message describing the failure. Nothing in this library aborts the process on bad
 *   input: NULL pointers, unknown names and wrong shapes are reported as errors.
 * - **Ownership.** A handle returned through an out-parameter of a `*_create`/`*_call` function
 *   is owned by the caller, who gives it back with the matching `*_release`. Every `*_release`
 *   accepts NULL. Pointers returned by getters (shapes, names) are *borrowed*: they stay valid as
 *   long as the object they were read from, and must not be freed.
 * - **Threads.** Tensors, attribute sets and plugins may be used from any thread. Reading a
 *   tensor from several threads at once is safe; writing to its data while another thread reads
 *   it is a data race, as with any memory. An attribute set must not be modified while another
 *   thread uses it. The error message is per thread.
 * - **Versioning.** The ABI version grows when functions are added; functions are never removed
 *   or changed within one major version. Compare ::PLX_ABI_VERSION (what you compiled against)
 *   with plx_abi_version() (what you run against).
 */
#ifndef PLEXUS_PLEXUS_H
#define PLEXUS_PLEXUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * ABI version of this header. A library whose plx_abi_version() is lower lacks some functions.
 * 2: session memory limits. 3: prepared ops, the export trace, layer buffers and layer types.
 */
#define PLX_ABI_VERSION 3

/* ---------------------------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------------------------- */

/** Result of a fallible call: ::PLX_OK or one of the `PLX_ERR_*` codes. */
typedef int32_t plx_status;

#define PLX_OK 0                    /**< Success. */
#define PLX_ERR_INVALID_ARGUMENT 1  /**< A NULL pointer, bad value, wrong rank or bad attribute. */
#define PLX_ERR_NOT_FOUND 2         /**< Unknown op, plugin file, attribute or name. */
#define PLX_ERR_UNSUPPORTED 3       /**< Valid request that no loaded backend implements (e.g. a dtype). */
#define PLX_ERR_IO 4                /**< A file could not be read or written. */
#define PLX_ERR_OUT_OF_MEMORY 5     /**< An allocation failed. */
#define PLX_ERR_SHAPE_MISMATCH 6    /**< Input shapes that are not compatible (broadcast, matmul, concat...). */
#define PLX_ERR_DTYPE_MISMATCH 7    /**< Input dtypes that are not allowed or do not agree. */
#define PLX_ERR_ABI_MISMATCH 8      /**< A plugin built for an incompatible ABI version. */
#define PLX_ERR_ALREADY_EXISTS 9    /**< Duplicate registration of an op, kernel or plugin. */
#define PLX_ERR_PLUGIN_FAILED 10    /**< A plugin's init or kernel reported a failure. */
#define PLX_ERR_NO_BACKEND 11       /**< No plugin providing kernels is loaded. */
#define PLX_ERR_INTERNAL 12         /**< A bug in Plexus; please report it. */

/* ---------------------------------------------------------------------------------------------
 * Element types (values equal ONNX TensorProto.DataType)
 * ------------------------------------------------------------------------------------------- */

/** Element type of a tensor. The numbers are ONNX `TensorProto.DataType` values. */
typedef int32_t plx_dtype;

#define PLX_FLOAT32 1
#define PLX_UINT8 2
#define PLX_INT8 3
#define PLX_UINT16 4
#define PLX_INT16 5
#define PLX_INT32 6
#define PLX_INT64 7
#define PLX_STRING 8 /**< Elements are `char *` (NUL-terminated UTF-8) owned by the tensor. */
#define PLX_BOOL 9   /**< One byte per element, 0 or 1. */
#define PLX_FLOAT16 10
#define PLX_FLOAT64 11
#define PLX_UINT32 12
#define PLX_UINT64 13
#define PLX_BFLOAT16 16
/* The narrow types are stored one element per byte, the bit pattern in the low bits (as numpy's
 * ml_dtypes holds them; ONNX files pack the 4- and 2-bit ones). Only Cast, CastLike,
 * QuantizeLinear and DequantizeLinear compute on them; shape ops move them like any byte type. */
#define PLX_FLOAT8E4M3FN 17
#define PLX_FLOAT8E4M3FNUZ 18
#define PLX_FLOAT8E5M2 19
#define PLX_FLOAT8E5M2FNUZ 20
#define PLX_UINT4 21
#define PLX_INT4 22
#define PLX_FLOAT4E2M1 23
#define PLX_FLOAT8E8M0 24
#define PLX_UINT2 25
#define PLX_INT2 26

/* ---------------------------------------------------------------------------------------------
 * Library information and errors
 * ------------------------------------------------------------------------------------------- */

/** ABI version of the loaded library (see ::PLX_ABI_VERSION). Thread-safe; never fails. */
uint32_t plx_abi_version(void);

/** Version of the library as "major.minor.patch". The string is static. Thread-safe. */
const char *plx_version(void);

/**
 * Message of the last failed call on the calling thread, or "" when none failed yet.
 * The string is owned by the library and valid until the next failing call on this thread.
 */
const char *plx_last_error(void);

/* ---------------------------------------------------------------------------------------------
 * Tensors
 * ------------------------------------------------------------------------------------------- */

/**
 * A dense, contiguous, row-major tensor on the CPU. Reference-counted: plx_tensor_retain() adds a
 * reference, plx_tensor_release() drops one, and the memory goes when the last one is dropped.
 */
typedef struct plx_tensor plx_tensor;

/**
 * Creates a tensor and copies `data` into it.
 *
 * @param dtype one of the `PLX_*` dtype values.
 * @param shape `rank` non-negative dimensions; may be NULL when `rank` is 0 (a scalar).
 * @param data  numel × element-size bytes to copy, or NULL for zeros (empty strings for
 *              ::PLX_STRING). For ::PLX_STRING it is an array of numel `const char *`, each copied.
 * @param out   receives the new tensor (caller owns one reference).
 * @return ::PLX_OK, or ::PLX_ERR_INVALID_ARGUMENT (NULL out, unknown dtype, negative dimension,
 *         size overflow), ::PLX_ERR_OUT_OF_MEMORY.
 * Storage is 64-byte aligned. Thread-safe.
 */
plx_status plx_tensor_create(plx_dtype dtype, const int64_t *shape, size_t rank, const void *data,
                             plx_tensor **out);

/**
 * Wraps caller memory without copying. The tensor reads and writes `data` directly; when its
 * last reference goes, `deleter(data, ctx)` is called (if `deleter` is not NULL) on whichever
 * thread released it. On failure the deleter is *not* called and the caller keeps the memory.
 * ::PLX_STRING cannot be wrapped. `data` may be NULL only when the tensor has no elements.
 * Errors as plx_tensor_create(). Thread-safe.
 */
plx_status plx_tensor_wrap(plx_dtype dtype, const int64_t *shape, size_t rank, void *data,
                           void (*deleter)(void *data, void *ctx), void *ctx, plx_tensor **out);

/** Adds a reference to `t`. NULL is ignored. Thread-safe. */
void plx_tensor_retain(plx_tensor *t);

/** Drops a reference to `t`, freeing it with the last one. NULL is ignored. Thread-safe. */
void plx_tensor_release(plx_tensor *t);

/** Element type of `t`, or 0 when `t` is NULL. Thread-safe. */
plx_dtype plx_tensor_dtype(const plx_tensor *t);

/** Number of dimensions of `t`, or 0 when `t` is NULL. Thread-safe. */
size_t plx_tensor_rank(const plx_tensor *t);

/**
 * The `rank` dimensions of `t`, borrowed: valid while `t` lives. Returns NULL when `t` is NULL;
 * a scalar gives a valid pointer to no elements. Thread-safe.
 */
const int64_t *plx_tensor_shape(const plx_tensor *t);

/** Number of elements of `t` (1 for a scalar, 0 for an empty tensor), or -1 when `t` is NULL. */
int64_t plx_tensor_numel(const plx_tensor *t);

/**
 * The first element of `t`, borrowed and writable; valid while `t` lives. Elements are
 * contiguous in row-major order; for ::PLX_STRING the elements are `char *` owned by the tensor.
 * Returns NULL when `t` is NULL. Tensors returned by reshaping ops may share memory with their
 * input, as numpy views do. Thread-safe (the memory itself is not synchronised).
 */
void *plx_tensor_data(plx_tensor *t);

/* ---------------------------------------------------------------------------------------------
 * Attributes (named operator parameters, as in ONNX NodeProto.attribute)
 * ------------------------------------------------------------------------------------------- */

/** A set of named attributes. Setting a name twice replaces the earlier value. */
typedef struct plx_attrs plx_attrs;

/** Creates an empty attribute set, released with plx_attrs_release(). Thread-safe. */
plx_status plx_attrs_create(plx_attrs **out);

/** Frees an attribute set (tensors in it are released). NULL is ignored. */
void plx_attrs_release(plx_attrs *a);

/** Sets an integer attribute. Errors: NULL `a`/`name` → ::PLX_ERR_INVALID_ARGUMENT. */
plx_status plx_attrs_set_int(plx_attrs *a, const char *name, int64_t v);

/** Sets a float attribute (stored as double, read as the op needs). Errors as above. */
plx_status plx_attrs_set_float(plx_attrs *a, const char *name, double v);

/** Sets a list of integers, copied. `v` may be NULL only when `n` is 0. Errors as above. */
plx_status plx_attrs_set_ints(plx_attrs *a, const char *name, const int64_t *v, size_t n);

/** Sets a list of floats, copied. `v` may be NULL only when `n` is 0. Errors as above. */
plx_status plx_attrs_set_floats(plx_attrs *a, const char *name, const float *v, size_t n);

/** Sets a string attribute, copied. Errors as above (also for a NULL `v`). */
plx_status plx_attrs_set_string(plx_attrs *a, const char *name, const char *v);

/** Sets a list of strings, each copied. `v` may be NULL only when `n` is 0. Errors as above. */
plx_status plx_attrs_set_strings(plx_attrs *a, const char *name, const char *const *v, size_t n);

/** Sets a tensor attribute; the set takes its own reference to `v`. Errors as above. */
plx_status plx_attrs_set_tensor(plx_attrs *a, const char *name, plx_tensor *v);

/* ---------------------------------------------------------------------------------------------
 * Operators
 * ------------------------------------------------------------------------------------------- */

/**
 * Runs one operator eagerly, like a single ONNX node.
 *
 * @param domain    operator domain; "" or NULL is the default ONNX domain (ai.onnx).
 * @param op        operator name, e.g. "MatMul".
 * @param inputs    `n_inputs` tensors; an omitted optional input is NULL.
 * @param attrs     attributes, or NULL for none; attributes the op does not define are an error.
 * @param outputs   receives `n_outputs` new tensors, each owned by the caller. Ask for as many
 *                  outputs as you need (at least the op's minimum, at most its maximum); for ops
 *                  with a variable number of outputs, such as Split, the count is meaningful.
 * @return ::PLX_OK; ::PLX_ERR_NOT_FOUND (unknown op), ::PLX_ERR_NO_BACKEND (no plugins loaded),
 *         ::PLX_ERR_INVALID_ARGUMENT, ::PLX_ERR_SHAPE_MISMATCH, ::PLX_ERR_DTYPE_MISMATCH,
 *         ::PLX_ERR_UNSUPPORTED (no kernel for these dtypes), ::PLX_ERR_PLUGIN_FAILED.
 *         On failure no output is written.
 * Thread-safe: many threads may call operators at once.
 */
plx_status plx_op_call(const char *domain, const char *op, plx_tensor *const *inputs,
                       size_t n_inputs, const plx_attrs *attrs, plx_tensor **outputs,
                       size_t n_outputs);

/**
 * An operator looked up once for repeated eager calls: its schema found, the call's arity
 * checked and its attributes validated, so each call only picks the kernel for the inputs'
 * dtypes (cached) and runs it. Reference-counted; thread-safe (many threads may call one
 * prepared op at once). Plugins loaded after preparing are seen by later calls.
 */
typedef struct plx_prepared_op plx_prepared_op;

/**
 * Prepares `domain::op` for calls with `n_inputs` inputs, `n_outputs` outputs and `attrs`
 * (copied by reference: changing `attrs` afterwards does not change the prepared op).
 *
 * @param out receives a new prepared op owned by the caller (release with
 *            plx_prepared_op_release).
 * @return ::PLX_OK; the errors of plx_op_call that do not depend on the inputs' values
 *         (::PLX_ERR_NOT_FOUND, ::PLX_ERR_NO_BACKEND, ::PLX_ERR_INVALID_ARGUMENT for a wrong
 *         arity or a bad attribute). On failure `*out` is not written.
 * Thread-safe.
 */
plx_status plx_op_prepare(const char *domain, const char *op, size_t n_inputs, const plx_attrs *attrs,
                          size_t n_outputs, plx_prepared_op **out);

/**
 * Calls a prepared op: the same as plx_op_call with the prepared op, attributes and counts.
 * `n_inputs` and `n_outputs` must equal the prepared counts (else ::PLX_ERR_INVALID_ARGUMENT).
 * Each output written is a new tensor owned by the caller; on failure none is written.
 * Thread-safe.
 */
plx_status plx_prepared_op_call(plx_prepared_op *op, plx_tensor *const *inputs, size_t n_inputs,
                                plx_tensor **outputs, size_t n_outputs);

/** Adds a reference to a prepared op. NULL is ignored. Thread-safe. */
void plx_prepared_op_retain(plx_prepared_op *op);

/** Drops a reference to a prepared op; the last one frees it. NULL is ignored. Thread-safe. */
void plx_prepared_op_release(plx_prepared_op *op);

/* ---------------------------------------------------------------------------------------------
 * Plugins
 * ------------------------------------------------------------------------------------------- */

/**
 * Loads a plugin shared library by path and registers what it provides.
 * Loading a file that is already loaded is harmless and returns ::PLX_OK.
 * @return ::PLX_OK; ::PLX_ERR_NOT_FOUND (no such file), ::PLX_ERR_INVALID_ARGUMENT (not a
 *         shared library, or no `plx_plugin_init` symbol), ::PLX_ERR_ABI_MISMATCH (major version
 *         differs; both numbers are in the message), ::PLX_ERR_ALREADY_EXISTS (it registers an op
 *         or kernel that another plugin already registered), ::PLX_ERR_PLUGIN_FAILED (its init
 *         failed; its own message is included). On failure nothing it registered is kept.
 * Thread-safe (loading is serialised). Plugins are never unloaded.
 */
plx_status plx_plugin_load(const char *path);

/**
 * Number of loaded plugins. The first call (of this or any function that needs kernels) loads the
 * plugins found in the `plugins/` folder beside libplexus.so and in the folders listed in
 * `PLEXUS_PLUGIN_PATH` (colon-separated). Thread-safe.
 */
size_t plx_plugin_count(void);

/** Name of plugin `index` (0-based), borrowed for the life of the process; NULL when out of range. */
const char *plx_plugin_name(size_t index);

/** Version string of plugin `index`, borrowed for the life of the process; NULL when out of range. */
const char *plx_plugin_version(size_t index);

/** File path plugin `index` was loaded from, borrowed for the life of the process; NULL when out of range. */
const char *plx_plugin_path(size_t index);

/** Number of operators plugin `index` registered (schemas or kernels), or -1 when out of range. */
int64_t plx_plugin_op_count(size_t index);

/* ---------------------------------------------------------------------------------------------
 * Settings
 * ------------------------------------------------------------------------------------------- */

/**
 * Sets which backends kernels are taken from, most preferred first, e.g. "openblas,cpu".
 * Backends not named keep their default priority after the named ones. NULL or "" restores the
 * default (the `PLEXUS_BACKENDS` environment variable if set, else the plugins' priorities).
 * Unknown names are allowed (a backend may be loaded later). Thread-safe; affects later calls.
 */
plx_status plx_set_backend_order(const char *comma_separated);

/**
 * Sets how many threads one operator may use (intra-op parallelism); 0 means one per core.
 * Errors: negative `n`, or `n` above 1024 → ::PLX_ERR_INVALID_ARGUMENT. Thread-safe; affects later calls.
 */
plx_status plx_set_num_threads(int32_t n);

/** Number of threads one operator may use (the resolved value of plx_set_num_threads()). */
int32_t plx_num_threads(void);

/**
 * Sets the largest single allocation, in bytes, that any tensor of this process may take; a
 * larger request (a model's huge initializer, an op output sized by run-time data) fails with
 * ::PLX_ERR_OUT_OF_MEMORY instead of exhausting memory. 0 restores the default: the
 * `PLEXUS_MAX_ALLOCATION_BYTES` environment variable if set, else the machine's physical memory.
 * Sessions may lower it further (plx_session_options.max_allocation_bytes).
 * Errors: negative `bytes` → ::PLX_ERR_INVALID_ARGUMENT. Thread-safe; affects later allocations.
 */
plx_status plx_set_max_allocation_bytes(int64_t bytes);

/** The cap on one allocation now in force for the process (see plx_set_max_allocation_bytes()). Never fails. */
int64_t plx_max_allocation_bytes(void);

/* ---------------------------------------------------------------------------------------------
 * Autograd
 * ------------------------------------------------------------------------------------------- */

/**
 * Marks a floating-point tensor as a leaf whose gradient backward() computes (nonzero) or not.
 * Errors: NULL → ::PLX_ERR_INVALID_ARGUMENT; a non-float tensor → ::PLX_ERR_DTYPE_MISMATCH.
 * Set it before sharing the tensor between threads.
 */
plx_status plx_tensor_set_requires_grad(plx_tensor *t, int32_t requires_grad);

/** 1 when gradients flow to `t` (a marked leaf or the output of a recorded op), else 0. */
int32_t plx_tensor_requires_grad(const plx_tensor *t);

/**
 * Back-propagates from `t`: adds d(t·seed)/d(leaf) into the grad of every leaf `t` depends on
 * (gradients accumulate until cleared). `seed` has t's shape and dtype, or is NULL for ones.
 * Errors: `t` does not require grad, a bad seed, an op on the path without a gradient.
 * Not thread-safe with respect to the same graph.
 */
plx_status plx_tensor_backward(plx_tensor *t, plx_tensor *seed);

/**
 * The accumulated gradient of `t`, borrowed: valid until the next backward or zero_grad that
 * touches `t`, or until `t` is released (retain it to keep it). NULL when there is none.
 */
plx_tensor *plx_tensor_grad(plx_tensor *t);

/** Clears the accumulated gradient of `t`. NULL is ignored. */
void plx_tensor_zero_grad(plx_tensor *t);

/** A new tensor sharing `t`'s memory but cut off from the graph (caller owns it). */
plx_status plx_tensor_detach(plx_tensor *t, plx_tensor **out);

/** Starts a no-grad scope on this thread: op calls record nothing until the matching end. Nests. */
void plx_no_grad_begin(void);

/** Ends the innermost no-grad scope on this thread. Error when none is open. */
plx_status plx_no_grad_end(void);

/** Seeds the generator behind parameter initialisation and dropout (thread-safe). */
void plx_manual_seed(uint64_t seed);

/* ---------------------------------------------------------------------------------------------
 * Layers (modules)
 * ------------------------------------------------------------------------------------------- */

/**
 * A layer: parameters, buffers, child layers and a forward pass. Reference-counted like
 * tensors. Forward may run from several threads at once; changing training mode or loading
 * state while another thread runs it is a data race.
 */
typedef struct plx_layer plx_layer;

/**
 * Creates a layer of a type registered by a plugin, e.g. "Linear" with int attributes
 * "in_features", "out_features" and "bias". Parameters are initialised from the seeded
 * generator (plx_manual_seed). Errors: unknown type (::PLX_ERR_NOT_FOUND, the message lists the
 * known ones), unknown/mistyped/missing attributes (::PLX_ERR_INVALID_ARGUMENT).
 */
plx_status plx_layer_create(const char *type, const plx_attrs *attrs, plx_layer **out);

/** A container running `layers` in order (children "0", "1", …); it takes its own references. */
plx_status plx_sequential_create(plx_layer *const *layers, size_t n, plx_layer **out);

/**
 * Runs the layer. Outputs are new tensors owned by the caller; with parameters that require
 * grad, they are recorded for backward(). Errors as plx_op_call().
 */
plx_status plx_layer_forward(plx_layer *layer, plx_tensor *const *inputs, size_t n_inputs,
                             plx_tensor **outputs, size_t n_outputs);

/** Number of trainable parameters of the layer and its children (0 for NULL). */
size_t plx_layer_parameter_count(const plx_layer *layer);

/**
 * Writes the first `n` parameters (in state-dict order) to `out`, borrowed: valid while the layer
 * lives. Error when `n` exceeds plx_layer_parameter_count().
 */
plx_status plx_layer_parameters(plx_layer *layer, plx_tensor **out, size_t n);

/** Dotted name of parameter `index` (e.g. "0.weight"), borrowed for the life of the process; NULL when out of range. */
const char *plx_layer_parameter_name(const plx_layer *layer, size_t index);

/** Sets training (nonzero) or evaluation (0) mode for the layer and its children. */
plx_status plx_layer_set_training(plx_layer *layer, int32_t training);

/** Adds a reference to a layer. NULL is ignored. */
void plx_layer_retain(plx_layer *layer);

/** Drops a reference to a layer, freeing it with the last. NULL is ignored. */
void plx_layer_release(plx_layer *layer);

/* ---------------------------------------------------------------------------------------------
 * Losses, optimizers, checkpoints
 * ------------------------------------------------------------------------------------------- */

/**
 * Computes a loss (PyTorch definitions): "mse", "l1", "smooth_l1" (option "beta"), "huber"
 * ("delta"), "cross_entropy" (logits [N, C, …] and int64 class targets; "weight" tensor,
 * "ignore_index", "label_smoothing"), "nll", "bce", "bce_with_logits" ("weight", "pos_weight").
 * Option "reduction" is "mean" (default), "sum" or "none". `out` is a new tensor, recorded
 * for backward().
 */
plx_status plx_loss(const char *name, plx_tensor *input, plx_tensor *target, const plx_attrs *options,
                    plx_tensor **out);

/** An optimizer over a fixed list of parameters. Not thread-safe. */
typedef struct plx_optimizer plx_optimizer;

/**
 * Creates "sgd" (options lr, momentum, dampening, nesterov, weight_decay), "adam" / "adamw"
 * (lr, beta1, beta2, eps, weight_decay) or "rmsprop" (lr, alpha, eps, weight_decay, momentum,
 * centered), with PyTorch's update formulas and defaults. It keeps references to the params.
 */
plx_status plx_optimizer_create(const char *name, plx_tensor *const *params, size_t n,
                                const plx_attrs *attrs, plx_optimizer **out);

/** Updates every parameter that has a gradient. */
plx_status plx_optimizer_step(plx_optimizer *opt);

/** Clears the gradients of the optimizer's parameters. NULL is ignored. */
void plx_optimizer_zero_grad(plx_optimizer *opt);

/** Sets the learning rate (for schedules). Errors: negative rate, NULL. */
plx_status plx_optimizer_set_learning_rate(plx_optimizer *opt, double lr);

/** The learning rate, or -1 for NULL. */
double plx_optimizer_learning_rate(const plx_optimizer *opt);

/** Frees an optimizer. NULL is ignored. */
void plx_optimizer_release(plx_optimizer *opt);

/** Saves a layer's parameters and buffers by dotted name to a safetensors file. */
plx_status plx_state_save(plx_layer *layer, const char *path);

/**
 * Loads a safetensors file into a layer: every parameter and buffer must be present with its
 * shape and dtype, and nothing else (::PLX_ERR_NOT_FOUND / ::PLX_ERR_SHAPE_MISMATCH otherwise).
 */
plx_status plx_state_load(plx_layer *layer, const char *path);

/* ---------------------------------------------------------------------------------------------
 * Inference sessions (ONNX models)
 * ------------------------------------------------------------------------------------------- */

/** A loaded ONNX model, planned and ready to run. Several threads may run one session at once. */
typedef struct plx_session plx_session;

/** Graph rewrites and memory optimisations of a session (see plx_session_options.disabled_optimizations). */
#define PLX_OPTIMIZE_ELIMINATE_IDENTITIES 1u  /**< Identity and inference Dropout nodes are skipped. */
#define PLX_OPTIMIZE_FOLD_BATCHNORM 2u        /**< Conv → BatchNormalization folds into the Conv. */
#define PLX_OPTIMIZE_FUSE_ACTIVATIONS 4u      /**< An activation (Relu, Clip, ...) runs inside the node before it (Conv) where a backend can. */
#define PLX_OPTIMIZE_FUSE_RESIDUALS 8u        /**< An Add of a node's output and another tensor (a residual) runs inside the node where a backend can. */
#define PLX_OPTIMIZE_REUSE_BUFFERS 16u        /**< Intermediate buffers are kept in the session's arena and reused. */
#define PLX_OPTIMIZE_IN_PLACE 32u             /**< Kernels that declare in-place inputs write into an input that dies there (needs REUSE_BUFFERS). */
/**
 * Constant weights (Conv filters, MatMul matrices) are rearranged once, when the session is
 * created, into the layout the chosen backend's kernels stream, instead of on every run.
 * Backends register these rewrites (plexus_plugin.h, plx_rewrite_def).
 */
#define PLX_OPTIMIZE_PREPACK_WEIGHTS 64u
/** Former name of ::PLX_OPTIMIZE_PREPACK_WEIGHTS (same bit), kept for existing callers. */
#define PLX_OPTIMIZE_PACK_FILTERS PLX_OPTIMIZE_PREPACK_WEIGHTS
/** Rewrites backends register under no other switch (plx_rewrite_def.optimization 0). */
#define PLX_OPTIMIZE_BACKEND_REWRITES 128u

/**
 * Session options; pass NULL for the defaults. Set `struct_size` to sizeof(plx_session_options).
 * Fields are only ever appended: a struct_size from an older header (without
 * `disabled_optimizations` or the memory caps) is accepted and the newer fields take their defaults.
 */
typedef struct plx_session_options {
    uint32_t struct_size;          /**< sizeof(plx_session_options). */
    int32_t intra_op_num_threads;  /**< Threads per operator while this session runs; 0 = the process setting. */
    const char *backend_order;     /**< Preferred backends for this session's runs ("openblas,cpu"), or NULL. */
    int32_t disable_constant_folding; /**< Nonzero to run constant subgraphs on every call. */
    uint32_t disabled_optimizations;  /**< `PLX_OPTIMIZE_*` bits of graph rewrites to skip; 0 = all on. */
    int64_t max_allocation_bytes;  /**< Cap on one allocation while this session loads or runs; 0 = the process cap (ABI version 2). */
    int64_t max_arena_bytes;       /**< Cap on all memory the session holds at once (constants, intermediates, its arena and
                                        outputs not yet released); 0 = no cap (ABI version 2). Over it → ::PLX_ERR_OUT_OF_MEMORY. */
} plx_session_options;

/**
 * Loads an ONNX model file (external data is read relative to it), checks that every op is
 * provided by a loaded plugin (the error lists all missing ones at once), orders the graph and
 * folds constants. Errors: ::PLX_ERR_IO, ::PLX_ERR_INVALID_ARGUMENT (not an ONNX model, a cycle,
 * an undefined value), ::PLX_ERR_NOT_FOUND (missing ops), ::PLX_ERR_UNSUPPORTED.
 */
plx_status plx_session_create(const char *path, const plx_session_options *opts, plx_session **out);

/** Like plx_session_create() from serialized model bytes (copied; external data is not allowed). */
plx_status plx_session_create_from_memory(const void *data, size_t size, const plx_session_options *opts,
                                          plx_session **out);

/**
 * Runs the model. `inputs[i]` is fed as `input_names[i]`; inputs with initializer defaults may be
 * left out. `output_names` selects and orders the outputs (NULL: all, in model order); each
 * output is a new tensor owned by the caller. Errors: unknown names (::PLX_ERR_NOT_FOUND), a
 * missing input, wrong dtype or shape (::PLX_ERR_DTYPE_MISMATCH / ::PLX_ERR_SHAPE_MISMATCH),
 * and the failures of the ops, naming the node. Thread-safe.
 */
plx_status plx_session_run(plx_session *s, const char *const *input_names, plx_tensor *const *inputs,
                           size_t n_inputs, const char *const *output_names, plx_tensor **outputs,
                           size_t n_outputs);

/** Number of inputs the model declares (0 for NULL). */
size_t plx_session_input_count(const plx_session *s);
/** Number of outputs the model declares (0 for NULL). */
size_t plx_session_output_count(const plx_session *s);
/** Name of input `index`, borrowed for the session's life; NULL when out of range. */
const char *plx_session_input_name(const plx_session *s, size_t index);
/** Name of output `index`, borrowed for the session's life; NULL when out of range. */
const char *plx_session_output_name(const plx_session *s, size_t index);
/** Declared dtype of input `index`, or 0 when unknown or out of range. */
plx_dtype plx_session_input_dtype(const plx_session *s, size_t index);
/** Declared dtype of output `index`, or 0 when unknown or out of range. */
plx_dtype plx_session_output_dtype(const plx_session *s, size_t index);

/**
 * Declared shape of input (`is_output` 0) or output (`is_output` 1) `index`: writes up to
 * `capacity` dims (-1 for a symbolic or unknown dim) and the rank to `*rank` (SIZE_MAX when the
 * rank is unknown). Errors: out of range, NULL rank.
 */
plx_status plx_session_shape(const plx_session *s, int32_t is_output, size_t index, int64_t *dims,
                             size_t capacity, size_t *rank);

/** Name of a symbolic dim (e.g. "batch"), borrowed; NULL when the dim is fixed, unknown or out of range. */
const char *plx_session_dim_name(const plx_session *s, int32_t is_output, size_t index, size_t dim);

/** Frees a session. NULL is ignored. */
void plx_session_release(plx_session *s);

/* ---------------------------------------------------------------------------------------------
 * ONNX export and fine-tuning imported models
 * ------------------------------------------------------------------------------------------- */

/**
 * Exports a layer to an ONNX file by tracing its forward (in evaluation mode) on the example
 * inputs: op calls become nodes, parameters and buffers initializers named by their state-dict
 * names, ops from plugins with their own domain custom-domain nodes (with the domain imported).
 * Options (may be NULL): "opset" (int, default 17, 13–23), "input_names" / "output_names"
 * (strings, one distinct name per input / output), "dynamic_batch" (int: nonzero makes dim 0
 * of every input and output symbolic, "batch"), "batch_dim_names" (strings "value=dim name":
 * the symbolic dim 0 of those values is called so; implies "dynamic_batch"). Which ops exist
 * at an opset follows onnx's own schema registry; newer ops are written as their
 * decompositions. Errors: ops that cannot be written at the opset (::PLX_ERR_UNSUPPORTED), bad
 * options or names (::PLX_ERR_INVALID_ARGUMENT), I/O. Not thread-safe for one layer (it is put
 * in evaluation mode while traced); different layers may be exported from several threads.
 */
plx_status plx_onnx_export(plx_layer *model, plx_tensor *const *example_inputs, size_t n, const char *path,
                           const plx_attrs *options);

/**
 * An ONNX export of a computation the caller runs itself (e.g. a Python module's forward mixing
 * layers and tensor ops): begin it with the example inputs, name the parameters and buffers the
 * computation reads, run the computation on the inputs on the same thread, and end it with
 * the results. Same tracer, node names and encoding as plx_onnx_export(), which is this with
 * the layer's forward in between. Owned by the caller; bound to the thread that began it.
 */
typedef struct plx_onnx_trace plx_onnx_trace;

/**
 * Begins a trace on the calling thread: until plx_onnx_trace_end() (or _release), every op call
 * made on this thread — plx_op_call, prepared op calls, and the ops inside plx_layer_forward —
 * becomes a node, with gradient recording off. `example_inputs` (borrowed) become the graph
 * inputs; tensors the computation reads that no recorded op produced become initializers
 * (named by plx_onnx_trace_name(), else "const_N"). Options as plx_onnx_export().
 *
 * @param out receives the trace, owned by the caller (plx_onnx_trace_release()).
 * @return ::PLX_OK; ::PLX_ERR_INVALID_ARGUMENT for bad options or names, or when this thread
 *         is already tracing; ::PLX_ERR_UNSUPPORTED for an opset outside 13–23. On failure
 *         `*out` is not written and nothing is recording.
 * Thread-safety: traces on different threads are independent.
 */
plx_status plx_onnx_trace_begin(plx_tensor *const *example_inputs, size_t n, const plx_attrs *options,
                                plx_onnx_trace **out);

/**
 * Names `tensor` in the trace as `name` (a parameter or buffer by its state-dict name): when the
 * computation reads it, it is the initializer `name`. The trace keeps a reference to it. A graph
 * input keeps its input name. Errors: NULL arguments or an empty name
 * (::PLX_ERR_INVALID_ARGUMENT). Call on the thread that began the trace.
 */
plx_status plx_onnx_trace_name(plx_onnx_trace *trace, plx_tensor *tensor, const char *name);

/**
 * Ends the trace (recording stops, even on error) and writes the model whose outputs are
 * `outputs` (borrowed; named by the "output_names" option, else output_N) to `*model`: a new
 * 1-D uint8 tensor holding the serialized ONNX ModelProto, owned by the caller. A trace ends
 * once. Errors: ops that cannot be written at the opset (::PLX_ERR_UNSUPPORTED), an
 * "output_names" count other than `n`, a second end, or a call from another thread than the
 * one that began it (::PLX_ERR_INVALID_ARGUMENT); on failure `*model` is not written.
 */
plx_status plx_onnx_trace_end(plx_onnx_trace *trace, plx_tensor *const *outputs, size_t n, plx_tensor **model);

/**
 * Frees a trace, first stopping it if it is still recording (after a failed computation).
 * Call it on the thread that began the trace: from another thread a recording trace cannot be
 * stopped and keeps that thread tracing. NULL is ignored.
 */
void plx_onnx_trace_release(plx_onnx_trace *trace);

/**
 * Number of non-trainable state tensors (buffers: batch-norm statistics, positional tables) of
 * the layer and its children; 0 for NULL. Thread-safe.
 */
size_t plx_layer_buffer_count(const plx_layer *layer);

/**
 * Writes the first `n` buffers (in state-dict order, after the parameters) to `out`, borrowed:
 * the layer's own tensors, valid while the layer lives (writing their data changes the layer's
 * state, like plx_state_load()). Errors: NULL layer, NULL `out` with `n` > 0, or `n` beyond
 * plx_layer_buffer_count() (::PLX_ERR_INVALID_ARGUMENT); then nothing is written.
 */
plx_status plx_layer_buffers(plx_layer *layer, plx_tensor **out, size_t n);

/** Dotted name of buffer `index` (e.g. "1.running_mean"), borrowed for the life of the process; NULL when out of range. */
const char *plx_layer_buffer_name(const plx_layer *layer, size_t index);

/** Number of layer types the loaded plugins register (what plx_layer_create() accepts). Thread-safe. */
size_t plx_layer_type_count(void);

/**
 * Name of layer type `index`, in sorted order, borrowed for the life of the process; NULL when
 * out of range. Thread-safe (a plugin loaded meanwhile may shift the indices).
 */
const char *plx_layer_type_name(size_t index);

/**
 * A trainable layer running a session's graph with ordinary op calls: floating-point
 * initializers become parameters (named like the initializers, "." replaced by "_"), except
 * those listed in the option "frozen" (strings), which become buffers; with the option
 * "trainable" (strings) only the listed ones are parameters. Train it with the optimizers
 * and export it with plx_onnx_export(). The caller owns the layer; the session may be released.
 */
plx_status plx_session_to_layer(plx_session *s, const plx_attrs *options, plx_layer **out);

#ifdef __cplusplus
}
#endif

#endif /* PLEXUS_PLEXUS_H */
