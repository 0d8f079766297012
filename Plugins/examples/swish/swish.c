/*
 * swish.c - an example third-party plugin in plain C: the activation y = x * sigmoid(beta * x)
 * with a learnable beta, as an op in the domain "org.plexus.examples" with forward and
 * gradient kernels, and a layer type "Swish" that owns beta (created by the host, starting at 1).
 *
 * It trains (its gradient feeds autograd), exports to ONNX as an org.plexus.examples node, and
 * re-imports wherever this plugin is loaded. Build: make (needs pkg-config plexus).
 */
#include <math.h>
#include <plexus/plexus_plugin.h>

#define DOMAIN "org.plexus.examples"

static const plx_host_api *host;

/* Fails the current call with a message. */
static plx_status fail(plx_status code, const char *message) {
    host->set_error(code, message);
    return code;
}

/* Element i of a float32 or float64 tensor as double; beta is broadcast if it has one element. */
static double element(plx_tensor *t, int64_t i) {
    if (host->tensor_numel(t) == 1) i = 0;
    return host->tensor_dtype(t) == PLX_FLOAT32 ? ((float *)host->tensor_data(t))[i] : ((double *)host->tensor_data(t))[i];
}

static void store(plx_tensor *t, int64_t i, double value) {
    if (host->tensor_dtype(t) == PLX_FLOAT32) ((float *)host->tensor_data(t))[i] = (float)value;
    else ((double *)host->tensor_data(t))[i] = value;
}

static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

static int32_t floats_only(const plx_dtype *dtypes, size_t n, const plx_attrs *attrs, void *user) {
    (void)attrs, (void)user;
    return n == 2 && (dtypes[0] == PLX_FLOAT32 || dtypes[0] == PLX_FLOAT64) && dtypes[1] == dtypes[0];
}

/* Swish(x, beta) = x * sigmoid(beta * x); beta holds one value. */
static plx_status swish_compute(plx_kernel_context *ctx, plx_tensor *const *inputs, size_t n_inputs,
                                const plx_attrs *attrs, void *user) {
    (void)n_inputs, (void)attrs, (void)user;
    plx_tensor *x = inputs[0], *beta = inputs[1], *y = NULL;
    if (host->tensor_numel(beta) != 1) return fail(PLX_ERR_SHAPE_MISMATCH, "Swish: beta must hold one value");
    plx_status s = host->kernel_output(ctx, 0, host->tensor_dtype(x), host->tensor_shape(x), host->tensor_rank(x), &y);
    if (s != PLX_OK) return s;
    double b = element(beta, 0);
    for (int64_t i = 0, n = host->tensor_numel(x); i < n; i++) {
        double v = element(x, i);
        store(y, i, v * sigmoid(b * v));
    }
    return PLX_OK;
}

/* dy/dx = s + b·x·s·(1−s) and dy/dbeta = x²·s·(1−s), with s = sigmoid(b·x); beta's gradient is summed. */
static plx_status swish_gradient(plx_gradient_context *ctx, plx_tensor *const *inputs, size_t n_inputs,
                                 plx_tensor *const *outputs, size_t n_outputs, plx_tensor *const *grads,
                                 const plx_attrs *attrs, void *user) {
    (void)n_inputs, (void)outputs, (void)n_outputs, (void)attrs, (void)user;
    plx_tensor *x = inputs[0], *beta = inputs[1], *dy = grads[0];
    if (!dy) return PLX_OK;
    plx_tensor *dx = NULL, *dbeta = NULL;
    plx_status s = host->tensor_create(host->tensor_dtype(x), host->tensor_shape(x), host->tensor_rank(x), NULL, &dx);
    if (s == PLX_OK)
        s = host->tensor_create(host->tensor_dtype(beta), host->tensor_shape(beta), host->tensor_rank(beta), NULL, &dbeta);
    if (s == PLX_OK) {
        double b = element(beta, 0), sum = 0;
        for (int64_t i = 0, n = host->tensor_numel(x); i < n; i++) {
            double v = element(x, i), g = element(dy, i), sg = sigmoid(b * v);
            store(dx, i, g * (sg + b * v * sg * (1 - sg)));
            sum += g * v * v * sg * (1 - sg);
        }
        store(dbeta, 0, sum);
        if (host->gradient_needed(ctx, 0)) s = host->gradient_set(ctx, 0, dx);
        if (s == PLX_OK && host->gradient_needed(ctx, 1)) s = host->gradient_set(ctx, 1, dbeta);
    }
    host->tensor_release(dx); /* the host took its own references */
    host->tensor_release(dbeta);
    return s;
}

/* The layer: one parameter, beta, created by the host and initialised to 1. */
static plx_status layer_create(plx_layer_builder *builder, const plx_attrs *attrs, void *user, void **state) {
    (void)attrs, (void)user, (void)state;
    int64_t dtype = PLX_FLOAT32;
    plx_status s = host->attrs_get_int(attrs, "dtype", &dtype);
    if (s != PLX_OK) return s;
    if (dtype != PLX_FLOAT32 && dtype != PLX_FLOAT64) return fail(PLX_ERR_INVALID_ARGUMENT, "Swish: dtype must be 1 or 11");
    plx_tensor *beta = NULL;
    int64_t one[1] = {1};
    return host->layer_add_parameter(builder, "beta", (plx_dtype)dtype, one, 1, PLX_INIT_ONES, 0, 0, &beta);
}

static plx_status layer_forward(plx_layer_context *ctx, plx_tensor *const *inputs, size_t n_inputs,
                                plx_tensor **outputs, size_t n_outputs, void *state) {
    (void)n_inputs, (void)n_outputs, (void)state;
    plx_tensor *operands[2] = {inputs[0], host->layer_tensor(ctx, "beta")};
    return host->op_call(DOMAIN, "Swish", operands, 2, NULL, outputs, 1);
}

plx_status plx_plugin_init(const plx_host_api *api, plx_plugin_registrar *reg) {
    host = api;
    if (api->abi_major != PLX_PLUGIN_ABI_MAJOR) return PLX_ERR_ABI_MISMATCH;
    plx_plugin_info info = {
        .abi_major = PLX_PLUGIN_ABI_MAJOR, .abi_minor = PLX_PLUGIN_ABI_MINOR, .struct_size = sizeof info,
        .kind = PLX_PLUGIN_KIND_EXTENSION, .name = "example-swish", .version = "1.0.0", .license = "MIT",
        .description = "Swish activation with a learnable beta (example plugin)",
    };
    plx_status s = reg->set_info(reg, &info);
    if (s != PLX_OK) return s;

    plx_op_schema schema = {
        .struct_size = sizeof schema, .domain = DOMAIN, .name = "Swish", .since_version = 1,
        .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1, .doc = "x * sigmoid(beta * x)",
    };
    plx_kernel_def kernel = {
        .struct_size = sizeof kernel, .domain = DOMAIN, .op = "Swish", .backend = "cpu", .supports = floats_only,
        .compute = swish_compute,
    };
    plx_gradient_def gradient = {.struct_size = sizeof gradient, .domain = DOMAIN, .op = "Swish", .gradient = swish_gradient};
    if ((s = reg->register_op(reg, &schema)) != PLX_OK) return s;
    if ((s = reg->register_kernel(reg, &kernel)) != PLX_OK) return s;
    if ((s = reg->register_gradient(reg, &gradient)) != PLX_OK) return s;

    plx_attrs *defaults = NULL;
    if ((s = host->attrs_create(&defaults)) != PLX_OK) return s;
    s = host->attrs_set_int(defaults, "dtype", PLX_FLOAT32);
    const plx_attr_spec dtype_attr = {.name = "dtype", .type = PLX_ATTR_INT, .required = 0};
    plx_layer_def layer = {
        .struct_size = sizeof layer, .name = "Swish", .attrs = &dtype_attr, .n_attrs = 1, .attr_defaults = defaults,
        .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
        .create = layer_create, .forward = layer_forward, .doc = "x * sigmoid(beta * x) with a learnable beta",
    };
    if (s == PLX_OK) s = reg->register_layer(reg, &layer);
    host->attrs_release(defaults); /* copied by the host */
    return s;
}
