/**
 * @file plexus_plugin.h
 * @brief The plugin ABI: what a plugin shared library exports and what the host offers it.
 *
 * A plugin is a shared library exporting one function, plx_plugin_init(). The host calls it once
 * with a table of host functions (::plx_host_api) and a registrar (::plx_plugin_registrar).
 * Through the registrar the plugin first declares who it is (set_info), then registers operator
 * schemas and kernels. Through the host table it creates and reads tensors, reads attributes,
 * allocates kernel outputs, runs work in parallel, calls other operators and reports errors.
 *
 * Rules of the contract:
 * - **Versions.** Both structs start with `{abi_major, abi_minor, struct_size}` and, for the
 *   registrar, `set_info`; these fields never move in any version. A plugin whose major version
 *   differs from the host's is refused (the message names both). When minors differ, each side
 *   uses only the entries that fit in the other's `struct_size`; an entry that is NULL or lies
 *   beyond `struct_size` means "not supported". The tables are append-only.
 * - **Copies.** The host copies every string, schema, attribute default and definition it is
 *   given, so nothing a plugin passes has to outlive the call. Only function pointers and the
 *   `user` pointers are kept: plugins are never unloaded, so they stay valid.
 * - **Memory.** Kernels allocate outputs through the kernel context (host->kernel_output), so
 *   `malloc`/`free` never cross libraries. Tensors given to a kernel are borrowed for the call and
 *   must not be written.
 * - **Threads.** A kernel's `compute` may run on several threads at once with different inputs:
 *   its `user` state must be immutable after registration. host->parallel_for is the way to use
 *   more threads; it honours the user's thread setting. set_error may be called only on the
 *   thread that entered the plugin (init, infer, compute or a rewrite), not inside parallel_for bodies.
 * - **Errors.** Nothing may throw, trap or call exit across the boundary. A plugin reports a
 *   failure by calling host->set_error(code, message) and returning that code.
 */
#ifndef PLEXUS_PLEXUS_PLUGIN_H
#define PLEXUS_PLEXUS_PLUGIN_H

#include "plexus.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Major version of the plugin ABI: a plugin built for another major is refused. */
#define PLX_PLUGIN_ABI_MAJOR 1
/**
 * Minor version of the plugin ABI: grows when entries are appended to the tables.
 * 1.1: host->max_allocation_bytes. 1.2: kernels declare in-place inputs
 * (plx_kernel_def.inplace_inputs), plugins declare the plugins they need
 * (plx_plugin_info.required_plugins), register graph rewrites (reg->register_rewrite) that read and edit
 * a session's graph through the host's `graph_*` functions, and copy attribute sets
 * (host->attrs_copy).
 */
#define PLX_PLUGIN_ABI_MINOR 2

/** Attribute types; the values equal ONNX `AttributeProto.AttributeType`. */
#define PLX_ATTR_FLOAT 1
#define PLX_ATTR_INT 2
#define PLX_ATTR_STRING 3
#define PLX_ATTR_TENSOR 4
#define PLX_ATTR_FLOATS 6
#define PLX_ATTR_INTS 7
#define PLX_ATTR_STRINGS 8

/** What a plugin is for; informational (listing, docs). */
#define PLX_PLUGIN_KIND_BACKEND 1      /**< Provides kernels for a compute backend. */
#define PLX_PLUGIN_KIND_ARCHITECTURE 2 /**< Provides ops and layers of a model family. */
#define PLX_PLUGIN_KIND_EXTENSION 3    /**< Anything else (custom ops, third-party layers). */

/** Passed as `rank` in shape inference when not even the rank is known. */
#define PLX_RANK_UNKNOWN ((size_t)-1)

/** The context of one kernel invocation (owned by the host; valid during compute only). */
typedef struct plx_kernel_context plx_kernel_context;
/** The context of one shape-inference call (owned by the host; valid during infer only). */
typedef struct plx_infer_context plx_infer_context;
/** The context of one gradient computation (owned by the host; valid during the call only). */
typedef struct plx_gradient_context plx_gradient_context;
/** Collects a new layer's parameters and buffers (owned by the host; valid during create only). */
typedef struct plx_layer_builder plx_layer_builder;
/** The context of one layer forward call (owned by the host; valid during forward only). */
typedef struct plx_layer_context plx_layer_context;
/**
 * A session's copy of a model graph being rewritten (ABI 1.2; owned by the host; valid during a
 * rewrite call only). Read and edited with the host's `graph_*` functions.
 */
typedef struct plx_graph plx_graph;

/** How the host initialises a parameter or buffer it creates for a layer. */
#define PLX_INIT_ZEROS 0
#define PLX_INIT_ONES 1
#define PLX_INIT_CONSTANT 2 /**< every element = a */
#define PLX_INIT_UNIFORM 3  /**< uniform in [a, b) from the host's seeded generator */
#define PLX_INIT_NORMAL 4   /**< normal with mean a and standard deviation b */

/* ---------------------------------------------------------------------------------------------
 * What the plugin registers
 * ------------------------------------------------------------------------------------------- */

/** Who the plugin is. All strings are copied. */
typedef struct plx_plugin_info {
    uint32_t abi_major;   /**< Set to ::PLX_PLUGIN_ABI_MAJOR. */
    uint32_t abi_minor;   /**< Set to ::PLX_PLUGIN_ABI_MINOR. */
    uint32_t struct_size; /**< Set to sizeof(plx_plugin_info). */
    int32_t kind;         /**< One of `PLX_PLUGIN_KIND_*`. */
    const char *name;     /**< Unique name, e.g. "cpu" (required). */
    const char *version;  /**< Version of the plugin, e.g. "1.0.0" (required). */
    const char *license;  /**< SPDX identifier, or NULL. */
    const char *description; /**< One line, or NULL. */
    /**
     * ABI 1.2: names of the plugins this one needs loaded first (a backend whose kernels serve
     * another plugin's ops, as openblas needs cpu), or NULL. Copied. When one is not loaded,
     * set_info refuses with ::PLX_ERR_NOT_FOUND and the plugin must return that status at once
     * without registering anything; the loader then loads the missing plugin if it can find it
     * (the plugins folders, their index) and calls plx_plugin_init again, or refuses the plugin
     * with an error naming what is missing.
     */
    const char *const *required_plugins;
    size_t n_required_plugins; /**< ABI 1.2: length of `required_plugins`. */
} plx_plugin_info;

/** One attribute an operator accepts. */
typedef struct plx_attr_spec {
    const char *name; /**< Attribute name. */
    int32_t type;     /**< One of `PLX_ATTR_*`. */
    int32_t required; /**< Nonzero if a call must give it (then it has no default). */
} plx_attr_spec;

/**
 * Shape and dtype inference for an operator: reads inputs with host->infer_input (and their
 * values, when known, with host->infer_input_value) and declares each output with
 * host->infer_set_output. Returns ::PLX_OK or reports an error through host->set_error.
 */
typedef plx_status (*plx_infer_fn)(plx_infer_context *ctx, const plx_attrs *attrs, void *user);

/** An operator's schema, keyed by (domain, name). Copied by the host. */
typedef struct plx_op_schema {
    uint32_t struct_size;     /**< sizeof(plx_op_schema). */
    const char *domain;       /**< "" for ai.onnx, or e.g. "org.example". */
    const char *name;         /**< Operator name, e.g. "Add". */
    int32_t since_version;    /**< Opset version whose semantics this implements. */
    int32_t min_inputs;       /**< Inputs a call must give. */
    int32_t max_inputs;       /**< Inputs a call may give; -1 for no limit (variadic). */
    int32_t min_outputs;      /**< Outputs a call must ask for (at least 1). */
    int32_t max_outputs;      /**< Outputs a call may ask for; -1 for no limit. */
    const plx_attr_spec *attrs; /**< The attributes accepted; others are rejected. */
    size_t n_attrs;           /**< Length of `attrs`. */
    const plx_attrs *attr_defaults; /**< Defaults for optional attributes, or NULL. Copied. */
    plx_infer_fn infer;       /**< Shape/dtype inference, or NULL (outputs unknown). */
    void *infer_user;         /**< Passed to `infer`; must stay valid forever. */
    const char *doc;          /**< One-line description, or NULL. */
    /* Appended in ABI 1.2: read only when struct_size covers it (older plugins: 0). */
    uint32_t flags;           /**< `PLX_OP_*` properties of the op; 0 for none. */
} plx_op_schema;

/**
 * An op whose outputs may differ between calls with equal inputs (random ops; Dropout, which
 * draws a mask when training): sessions never fold it into a constant at load time.
 */
#define PLX_OP_NONDETERMINISTIC 1u

/**
 * Whether a kernel handles these input dtypes (0 for an omitted optional input). Returns nonzero
 * for yes. Must be cheap and thread-safe. NULL in ::plx_kernel_def means "every dtype".
 */
typedef int32_t (*plx_kernel_supports_fn)(const plx_dtype *input_dtypes, size_t n_inputs,
                                          const plx_attrs *attrs, void *user);

/**
 * Computes an operator. Inputs are borrowed (NULL for an omitted optional input) and must not
 * be written. Outputs are allocated with host->kernel_output; every output the caller asked for
 * (host->kernel_output_count) must be produced. Must be re-entrant.
 */
typedef plx_status (*plx_kernel_fn)(plx_kernel_context *ctx, plx_tensor *const *inputs,
                                    size_t n_inputs, const plx_attrs *attrs, void *user);

/** A kernel: the implementation of (domain, op) for one backend. Copied by the host. */
typedef struct plx_kernel_def {
    uint32_t struct_size;     /**< sizeof(plx_kernel_def). */
    const char *domain;       /**< Operator domain ("" for ai.onnx). */
    const char *op;           /**< Operator name. */
    const char *backend;      /**< Backend name, e.g. "cpu"; used by the backend order. */
    int32_t priority;         /**< Default preference among backends: higher wins. cpu uses 0. */
    plx_kernel_supports_fn supports; /**< Dtype filter, or NULL for all dtypes. */
    plx_kernel_fn compute;    /**< The kernel (required). */
    void *user;               /**< Immutable state passed to `supports` and `compute`. */
    /**
     * ABI 1.2: bit i set = output 0 may be written into input i's memory. When the host offers
     * such an input (one that dies at this node, is read once there and has output 0's byte
     * size), host->kernel_output(ctx, 0, ...) returns that memory instead of new memory; the
     * kernel must then read each element of the input before it writes the same element of the
     * output (true of elementwise maps, not of transposes or reductions). 0: never in place.
     * Bits at or beyond 64 inputs cannot be declared.
     */
    uint64_t inplace_inputs;
} plx_kernel_def;

/**
 * The gradient rule of an operator (a vector-Jacobian product): given the node's inputs, its
 * outputs and the gradients flowing into its outputs (NULL where none flows), computes the
 * gradient of each input that needs one and hands it over with host->gradient_set. Rules are
 * written by calling other ops through host->op_call, so they work on every backend; gradient
 * recording is off while a rule runs. host->gradient_needed says which inputs need one.
 */
typedef plx_status (*plx_gradient_fn)(plx_gradient_context *ctx, plx_tensor *const *inputs,
                                      size_t n_inputs, plx_tensor *const *outputs, size_t n_outputs,
                                      plx_tensor *const *output_grads, const plx_attrs *attrs,
                                      void *user);

/** A gradient rule for (domain, op), registered by whoever defines the op. Copied by the host. */
typedef struct plx_gradient_def {
    uint32_t struct_size;     /**< sizeof(plx_gradient_def). */
    const char *domain;       /**< Operator domain ("" for ai.onnx). */
    const char *op;           /**< Operator name; its schema must be registered (by this plugin or an earlier one). */
    plx_gradient_fn gradient; /**< The rule (required). */
    void *user;               /**< Immutable state passed to the rule. */
} plx_gradient_def;

/**
 * Creates the per-instance state of a layer: declares its parameters and buffers through
 * host->layer_add_parameter / layer_add_buffer (the host creates and initialises them), and
 * stores anything else it needs in `*state` (may stay NULL). `attrs` has defaults filled in.
 */
typedef plx_status (*plx_layer_create_fn)(plx_layer_builder *builder, const plx_attrs *attrs, void *user,
                                          void **state);
/**
 * Runs a layer: computes `n_outputs` outputs from the inputs by calling ops through
 * host->op_call (so autograd records them) and stores each result, a reference the host takes
 * over, in `outputs`. Parameters are read with host->layer_tensor. Must be re-entrant.
 */
typedef plx_status (*plx_layer_forward_fn)(plx_layer_context *ctx, plx_tensor *const *inputs,
                                           size_t n_inputs, plx_tensor **outputs, size_t n_outputs,
                                           void *state);
/** Frees a layer's state when the layer goes. May be NULL. */
typedef void (*plx_layer_destroy_fn)(void *state);

/** A layer type, created by name with plx_layer_create(). Copied by the host. */
typedef struct plx_layer_def {
    uint32_t struct_size;       /**< sizeof(plx_layer_def). */
    const char *name;           /**< Type name, e.g. "Linear" (unique across plugins). */
    const plx_attr_spec *attrs; /**< Constructor attributes accepted. */
    size_t n_attrs;             /**< Length of `attrs`. */
    const plx_attrs *attr_defaults; /**< Defaults, or NULL. Copied. */
    int32_t min_inputs, max_inputs;   /**< Inputs forward accepts (-1: no limit). */
    int32_t min_outputs, max_outputs; /**< Outputs forward produces. */
    plx_layer_create_fn create;       /**< Required. */
    plx_layer_forward_fn forward;     /**< Required. */
    plx_layer_destroy_fn destroy;     /**< May be NULL. */
    void *user;                 /**< Immutable state passed to create. */
    const char *doc;            /**< One line, or NULL. */
} plx_layer_def;

/**
 * A decomposition: the op's forward written as calls to other ops (through host->op_call),
 * each output handed over with host->kernel_set_output. When an op with a decomposition is
 * called while gradients are being recorded and an input requires grad, the host runs the
 * decomposition instead of a kernel, so autograd records the primitive ops and back-propagates
 * through them (an LSTM gets backpropagation through time this way). Otherwise the kernel runs.
 * Same signature and rules as a kernel.
 */
typedef struct plx_decomposition_def {
    uint32_t struct_size;   /**< sizeof(plx_decomposition_def). */
    const char *domain;     /**< Operator domain ("" for ai.onnx). */
    const char *op;         /**< Operator name; its schema must be registered. */
    plx_kernel_fn decompose; /**< Computes the outputs with other ops (required). */
    void *user;             /**< Immutable state passed to `decompose`. */
} plx_decomposition_def;

/**
 * A graph rewrite (ABI 1.2): reads the session's graph through the host's `graph_*` functions
 * and edits it (fuses nodes into the plugin's own ops, pre-packs constant weights with an op
 * call and adds the result as a constant). It must keep the graph's results the same, up to
 * float rounding, and may only use ops that are registered. Returns ::PLX_OK, or reports with
 * host->set_error and returns the code: session creation then fails with a message naming the
 * plugin and the rewrite. Runs on the thread creating the session, gradients off; may run on
 * several threads at once for different sessions, so `user` must be immutable.
 */
typedef plx_status (*plx_rewrite_fn)(plx_graph *graph, void *user);

/** Rewrite phases: every rewrite of an earlier phase runs before any of a later one. */
#define PLX_REWRITE_PHASE_FUSE 0 /**< Fusions: several nodes become one. */
#define PLX_REWRITE_PHASE_PACK 1 /**< Layouts and pre-packed weights, after the fusions settled which nodes remain. */

/**
 * A graph rewrite a plugin registers (ABI 1.2). Copied by the host.
 *
 * Order at session creation: the core's own rewrites (Identity elimination, BatchNormalization
 * folding, which know only standard ONNX ops) first; then plugin rewrites by `phase`, within a
 * phase by plugin load order, within a plugin in registration order. A rewrite runs only when
 * its switch is on (not set in plx_session_options.disabled_optimizations).
 */
typedef struct plx_rewrite_def {
    uint32_t struct_size;  /**< sizeof(plx_rewrite_def). */
    const char *name;      /**< Name for messages and profiles, unique within the plugin, e.g. "fuse-conv-activation". */
    /**
     * The one `PLX_OPTIMIZE_*` bit of plexus.h that turns this rewrite off, e.g.
     * ::PLX_OPTIMIZE_FUSE_ACTIVATIONS; 0 means ::PLX_OPTIMIZE_BACKEND_REWRITES. Memory switches
     * (REUSE_BUFFERS, IN_PLACE) are refused.
     */
    uint32_t optimization;
    int32_t phase;         /**< One of `PLX_REWRITE_PHASE_*`. */
    plx_rewrite_fn rewrite; /**< The rewrite (required). */
    void *user;            /**< Immutable state passed to `rewrite`. */
} plx_rewrite_def;

/**
 * A node to put into a graph being rewritten (host->graph_replace_node, graph_add_node).
 * Everything is copied; an omitted optional input or output is "".
 */
typedef struct plx_graph_node {
    uint32_t struct_size;       /**< sizeof(plx_graph_node). */
    const char *domain;         /**< Operator domain ("" or NULL for ai.onnx). */
    const char *op;             /**< Operator name; the op must be registered. */
    const char *name;           /**< Node name for messages, or NULL. */
    const char *const *inputs;  /**< Value names read. */
    size_t n_inputs;
    const char *const *outputs; /**< Value names written. */
    size_t n_outputs;
    const plx_attrs *attrs;     /**< Attributes, or NULL for none. Copied. */
} plx_graph_node;

/**
 * Handed to plx_plugin_init(). The first four fields are frozen for every ABI version.
 * Registrations are staged and kept only if plx_plugin_init() returns ::PLX_OK.
 */
typedef struct plx_plugin_registrar plx_plugin_registrar;
struct plx_plugin_registrar {
    uint32_t abi_major;   /**< Host's ::PLX_PLUGIN_ABI_MAJOR. */
    uint32_t abi_minor;   /**< Host's ::PLX_PLUGIN_ABI_MINOR. */
    uint32_t struct_size; /**< sizeof(plx_plugin_registrar) on the host. */
    /** Declares the plugin; must be called first. Refuses (::PLX_ERR_ABI_MISMATCH) a different major. */
    plx_status (*set_info)(plx_plugin_registrar *reg, const plx_plugin_info *info);
    /** Registers an operator schema. ::PLX_ERR_ALREADY_EXISTS if (domain, name) is taken. */
    plx_status (*register_op)(plx_plugin_registrar *reg, const plx_op_schema *schema);
    /** Registers a kernel. ::PLX_ERR_ALREADY_EXISTS if (domain, op, backend) is taken. */
    plx_status (*register_kernel)(plx_plugin_registrar *reg, const plx_kernel_def *kernel);
    void *host_state; /**< Owned by the host; do not touch. */
    /** Registers the gradient rule of an op. ::PLX_ERR_ALREADY_EXISTS if the op has one. */
    plx_status (*register_gradient)(plx_plugin_registrar *reg, const plx_gradient_def *gradient);
    /** Registers a layer type. ::PLX_ERR_ALREADY_EXISTS if the name is taken. */
    plx_status (*register_layer)(plx_plugin_registrar *reg, const plx_layer_def *layer);
    /** Registers the decomposition of an op. ::PLX_ERR_ALREADY_EXISTS if the op has one. */
    plx_status (*register_decomposition)(plx_plugin_registrar *reg, const plx_decomposition_def *def);
    /**
     * ABI 1.2: registers a graph rewrite run at session creation. ::PLX_ERR_ALREADY_EXISTS if
     * this plugin registered one of that name; ::PLX_ERR_INVALID_ARGUMENT for an unknown phase
     * or a switch that is not one rewrite bit.
     */
    plx_status (*register_rewrite)(plx_plugin_registrar *reg, const plx_rewrite_def *def);
};

/* ---------------------------------------------------------------------------------------------
 * What the host offers
 * ------------------------------------------------------------------------------------------- */

/**
 * The host function table. Valid for the life of the process. Append-only: fields are never
 * reordered or removed; check `struct_size` before using fields added after ABI 1.0.
 * Tensor and attribute functions behave exactly like their `plx_*` namesakes in plexus.h.
 */
typedef struct plx_host_api {
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t struct_size;

    /** Records the error of the current call on this thread; the host adds the op/plugin name. */
    void (*set_error)(plx_status code, const char *message);

    /* Tensors: see plexus.h. */
    plx_status (*tensor_create)(plx_dtype dtype, const int64_t *shape, size_t rank,
                                const void *data, plx_tensor **out);
    void (*tensor_retain)(plx_tensor *t);
    void (*tensor_release)(plx_tensor *t);
    plx_dtype (*tensor_dtype)(const plx_tensor *t);
    size_t (*tensor_rank)(const plx_tensor *t);
    const int64_t *(*tensor_shape)(const plx_tensor *t);
    int64_t (*tensor_numel)(const plx_tensor *t);
    void *(*tensor_data)(plx_tensor *t);

    /* Attribute sets, for schema defaults and for calling other ops: see plexus.h. */
    plx_status (*attrs_create)(plx_attrs **out);
    void (*attrs_release)(plx_attrs *a);
    plx_status (*attrs_set_int)(plx_attrs *a, const char *name, int64_t v);
    plx_status (*attrs_set_float)(plx_attrs *a, const char *name, double v);
    plx_status (*attrs_set_ints)(plx_attrs *a, const char *name, const int64_t *v, size_t n);
    plx_status (*attrs_set_floats)(plx_attrs *a, const char *name, const float *v, size_t n);
    plx_status (*attrs_set_string)(plx_attrs *a, const char *name, const char *v);
    plx_status (*attrs_set_strings)(plx_attrs *a, const char *name, const char *const *v, size_t n);
    plx_status (*attrs_set_tensor)(plx_attrs *a, const char *name, plx_tensor *v);

    /**
     * Attribute getters. Each returns ::PLX_OK and writes `out`, ::PLX_ERR_NOT_FOUND when the
     * attribute is absent (defaults are already filled in), or ::PLX_ERR_INVALID_ARGUMENT when
     * it has another type (an INT is readable as FLOAT, INTS as FLOATS). Returned pointers are
     * borrowed from `a` and valid while it lives. `attrs_get_strings` writes an array of `n`
     * borrowed strings.
     */
    plx_status (*attrs_get_int)(const plx_attrs *a, const char *name, int64_t *out);
    plx_status (*attrs_get_float)(const plx_attrs *a, const char *name, double *out);
    plx_status (*attrs_get_ints)(const plx_attrs *a, const char *name, const int64_t **out, size_t *n);
    plx_status (*attrs_get_floats)(const plx_attrs *a, const char *name, const double **out, size_t *n);
    plx_status (*attrs_get_string)(const plx_attrs *a, const char *name, const char **out);
    plx_status (*attrs_get_strings)(const plx_attrs *a, const char *name, const char *const **out, size_t *n);
    plx_status (*attrs_get_tensor)(const plx_attrs *a, const char *name, plx_tensor **out);

    /** Calls another operator; see plx_op_call() in plexus.h. */
    plx_status (*op_call)(const char *domain, const char *op, plx_tensor *const *inputs,
                          size_t n_inputs, const plx_attrs *attrs, plx_tensor **outputs,
                          size_t n_outputs);

    /** Number of outputs the caller asked for. */
    size_t (*kernel_output_count)(const plx_kernel_context *ctx);
    /**
     * Allocates output `index` (uninitialised memory, 64-byte aligned) and returns it borrowed:
     * the context owns it until the kernel returns. Allocating an index twice is an error.
     */
    plx_status (*kernel_output)(plx_kernel_context *ctx, size_t index, plx_dtype dtype,
                                const int64_t *shape, size_t rank, plx_tensor **out);
    /**
     * Makes output `index` a view of `source` (same dtype and element count) with a new shape;
     * the memory is shared, as Reshape does in numpy. Returns the output borrowed.
     */
    plx_status (*kernel_output_alias)(plx_kernel_context *ctx, size_t index,
                                      plx_tensor *source, const int64_t *shape, size_t rank,
                                      plx_tensor **out);

    /** Threads one operator may use (the user's setting, at least 1). */
    int32_t (*num_threads)(void);
    /**
     * Runs `body(user, begin, end)` over [0, count) split into at most num_threads() chunks of
     * at least `grain` items, and returns when all are done. Runs inline when the work is small.
     */
    void (*parallel_for)(int64_t count, int64_t grain,
                         void (*body)(void *user, int64_t begin, int64_t end), void *user);

    /** Number of inputs given to the node being inferred (omitted optional ones included). */
    size_t (*infer_input_count)(const plx_infer_context *ctx);
    /**
     * Type of input `index`: dtype, rank (or ::PLX_RANK_UNKNOWN) and dims (-1 for an unknown
     * dim), borrowed. ::PLX_ERR_NOT_FOUND for an omitted optional input.
     */
    plx_status (*infer_input)(const plx_infer_context *ctx, size_t index, plx_dtype *dtype,
                              const int64_t **shape, size_t *rank);
    /** Value of input `index` when it is known at inference time (a constant), else NULL. Borrowed. */
    plx_tensor *(*infer_input_value)(const plx_infer_context *ctx, size_t index);
    /** Number of outputs being inferred. */
    size_t (*infer_output_count)(const plx_infer_context *ctx);
    /** Declares output `index`: dtype and shape (-1 dims unknown; rank may be ::PLX_RANK_UNKNOWN). */
    plx_status (*infer_set_output)(plx_infer_context *ctx, size_t index, plx_dtype dtype,
                                   const int64_t *shape, size_t rank);

    /** Nonzero when input `index` of the node needs a gradient. */
    int32_t (*gradient_needed)(const plx_gradient_context *ctx, size_t index);
    /**
     * Gives the gradient of input `index` (same shape as the input; the host takes its own
     * reference). Setting an index twice, or a wrong shape, is an error.
     */
    plx_status (*gradient_set)(plx_gradient_context *ctx, size_t index, plx_tensor *grad);

    /**
     * Creates a trainable parameter of the layer being built, initialised by `init`
     * (`PLX_INIT_*` with its numbers `a`, `b`), and returns it borrowed (the layer owns it).
     * Names must be unique within the layer and not contain '.'.
     */
    plx_status (*layer_add_parameter)(plx_layer_builder *builder, const char *name, plx_dtype dtype,
                                      const int64_t *shape, size_t rank, int32_t init, double a,
                                      double b, plx_tensor **out);
    /** Like layer_add_parameter for state that is saved but not trained (running statistics). */
    plx_status (*layer_add_buffer)(plx_layer_builder *builder, const char *name, plx_dtype dtype,
                                   const int64_t *shape, size_t rank, int32_t init, double a,
                                   double b, plx_tensor **out);
    /** The layer's parameter or buffer `name`, borrowed; NULL when there is none. */
    plx_tensor *(*layer_tensor)(plx_layer_context *ctx, const char *name);
    /** Nonzero when the layer is in training mode. */
    int32_t (*layer_training)(const plx_layer_context *ctx);
    /** A fresh 64-bit seed from the host's seeded generator (for dropout masks and the like). */
    uint64_t (*layer_next_seed)(plx_layer_context *ctx);

    /**
     * Makes an existing tensor output `index` of the current kernel or decomposition call (the
     * host takes its own reference). Used by decompositions, whose outputs come from op calls.
     */
    plx_status (*kernel_set_output)(plx_kernel_context *ctx, size_t index, plx_tensor *tensor);

    /** Message of the last failed host call on this thread (e.g. an op_call), as plx_last_error(). */
    const char *(*last_error)(void);

    /**
     * ABI 1.1: the largest single allocation allowed on this thread now, in bytes (the process
     * cap, lowered by the cap of a session running on the thread). A kernel sizing scratch memory
     * from data checks it against this and reports ::PLX_ERR_OUT_OF_MEMORY instead of asking for
     * more. Outputs from host->kernel_output are checked by the host itself.
     */
    int64_t (*max_allocation_bytes)(void);

    /**
     * ABI 1.2: a new attribute set holding a copy of every attribute of `a` (NULL: an empty set),
     * owned by the caller (release with attrs_release). Used to build a node from another's
     * attributes. ::PLX_ERR_INVALID_ARGUMENT when `out` is NULL.
     */
    plx_status (*attrs_copy)(const plx_attrs *a, plx_attrs **out);

    /*
     * ABI 1.2: the graph a rewrite is given. Nodes are numbered 0 ..< graph_node_count; a removed
     * node keeps its number (graph_node says ::PLX_ERR_NOT_FOUND) and added nodes take the next
     * numbers, so numbers stay valid during the rewrite. Nodes are in no particular order (the
     * session sorts them). Strings, attribute sets and tensors returned are borrowed and stay
     * valid until the rewrite returns. Only the thread running the rewrite may call these.
     */
    /** Number of node numbers in use (removed nodes included). 0 for a NULL graph. */
    size_t (*graph_node_count)(const plx_graph *g);
    /**
     * Node `node`: its domain ("" for ai.onnx), op, name ("" when unnamed) and input and output
     * counts; any out-pointer may be NULL. ::PLX_ERR_NOT_FOUND for a removed node,
     * ::PLX_ERR_INVALID_ARGUMENT for a number out of range.
     */
    plx_status (*graph_node)(const plx_graph *g, size_t node, const char **domain, const char **op,
                             const char **name, size_t *n_inputs, size_t *n_outputs);
    /** Name of input `index` of `node` ("" for an omitted optional input); NULL when out of range or removed. */
    const char *(*graph_node_input)(const plx_graph *g, size_t node, size_t index);
    /** Name of output `index` of `node` ("" for an unused optional output); NULL when out of range or removed. */
    const char *(*graph_node_output)(const plx_graph *g, size_t node, size_t index);
    /** The attributes of `node` (read with attrs_get_*); NULL when out of range or removed. */
    const plx_attrs *(*graph_node_attrs)(const plx_graph *g, size_t node);
    /** The live node writing `value`, or -1 (a graph input, a constant, unknown). */
    int64_t (*graph_producer)(const plx_graph *g, const char *value);
    /** Number of live nodes reading `value` (a node reading it twice counts once). */
    size_t (*graph_reader_count)(const plx_graph *g, const char *value);
    /** The `index`-th live node reading `value` (in node order), or -1 when out of range. */
    int64_t (*graph_reader)(const plx_graph *g, const char *value, size_t index);
    /** Nonzero when `value` is an output of the graph (its producer must keep writing it). */
    int32_t (*graph_is_output)(const plx_graph *g, const char *value);
    /**
     * The constant `value` (an initializer a caller cannot replace by feeding an input of that
     * name), borrowed; NULL when `value` is not constant.
     */
    plx_tensor *(*graph_constant)(const plx_graph *g, const char *value);
    /**
     * Replaces node `node` by `def` (copied). ::PLX_ERR_NOT_FOUND for a removed node or an
     * unregistered op, ::PLX_ERR_INVALID_ARGUMENT for a bad definition.
     */
    plx_status (*graph_replace_node)(plx_graph *g, size_t node, const plx_graph_node *def);
    /** Adds a node (copied) and writes its number to `index` (may be NULL). Errors as graph_replace_node. */
    plx_status (*graph_add_node)(plx_graph *g, const plx_graph_node *def, size_t *index);
    /** Removes node `node`; its readers must be rewired by the rewrite. ::PLX_ERR_NOT_FOUND if already removed. */
    plx_status (*graph_remove_node)(plx_graph *g, size_t node);
    /**
     * Adds `tensor` (the graph takes its own reference) as a constant under `suggested_name`, or
     * that name with a numeric suffix when it is taken, and writes the name used to `name`
     * (borrowed; may be NULL). Initializers no node reads any more are dropped after the rewrites.
     */
    plx_status (*graph_add_constant)(plx_graph *g, const char *suggested_name, plx_tensor *tensor,
                                     const char **name);
} plx_host_api;

/** Name of the one symbol a plugin exports. */
#define PLX_PLUGIN_INIT_SYMBOL "plx_plugin_init"

/**
 * The plugin's entry point, called once per process under the loader's lock. It must call
 * `reg->set_info` first, then register its ops and kernels, and return ::PLX_OK; or report with
 * host->set_error and return an error code, in which case none of its registrations are kept.
 */
#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
plx_status plx_plugin_init(const plx_host_api *host, plx_plugin_registrar *reg);

#ifdef __cplusplus
}
#endif

#endif /* PLEXUS_PLEXUS_PLUGIN_H */
