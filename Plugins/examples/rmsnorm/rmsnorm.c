/*
 * rmsnorm.c - an example third-party plugin in plain C: RMS normalisation over the last
 * dimension, y = x / sqrt(mean(x²) + epsilon) * weight, as an op in "org.plexus.examples"
 * with a fused kernel and a decomposition into standard ops (so autograd differentiates it
 * with no hand-written gradient), and a layer type "RMSNorm" whose weight the host creates.
 * Build: make (needs pkg-config plexus).
 */
#include <math.h>
#include <plexus/plexus_plugin.h>

#define DOMAIN "org.plexus.examples"

static const plx_host_api *host;

static plx_status fail(plx_status code, const char *message) {
    host->set_error(code, message);
    return code;
}

static double epsilon_of(const plx_attrs *attrs) {
    double epsilon = 1e-6;
    host->attrs_get_float(attrs, "epsilon", &epsilon);
    return epsilon;
}

/* Checks x [..., D] against weight [D]. */
static plx_status check_shapes(plx_tensor *x, plx_tensor *weight) {
    size_t rank = host->tensor_rank(x);
    if (rank == 0 || host->tensor_rank(weight) != 1 || host->tensor_shape(weight)[0] != host->tensor_shape(x)[rank - 1])
        return fail(PLX_ERR_SHAPE_MISMATCH, "RMSNorm: weight must be [D] for input [..., D]");
    if (host->tensor_dtype(x) != PLX_FLOAT32 || host->tensor_dtype(weight) != PLX_FLOAT32)
        return fail(PLX_ERR_UNSUPPORTED, "RMSNorm's kernel handles float32 (other types decompose)");
    return PLX_OK;
}

static plx_status rmsnorm_compute(plx_kernel_context *ctx, plx_tensor *const *inputs, size_t n_inputs,
                                  const plx_attrs *attrs, void *user) {
    (void)n_inputs, (void)user;
    plx_tensor *x = inputs[0], *weight = inputs[1], *y = NULL;
    plx_status s = check_shapes(x, weight);
    if (s == PLX_OK) s = host->kernel_output(ctx, 0, PLX_FLOAT32, host->tensor_shape(x), host->tensor_rank(x), &y);
    if (s != PLX_OK) return s;
    const float *in = host->tensor_data(x), *w = host->tensor_data(weight);
    float *out = host->tensor_data(y);
    int64_t d = host->tensor_shape(weight)[0], rows = d == 0 ? 0 : host->tensor_numel(x) / d;
    double epsilon = epsilon_of(attrs);
    for (int64_t r = 0; r < rows; r++) {
        double sum = 0;
        for (int64_t i = 0; i < d; i++) sum += (double)in[r * d + i] * in[r * d + i];
        double scale = 1.0 / sqrt(sum / (double)d + epsilon);
        for (int64_t i = 0; i < d; i++) out[r * d + i] = (float)(in[r * d + i] * scale * w[i]);
    }
    return PLX_OK;
}

/* A one-op helper: calls `op` on `inputs` (with `attrs`) into *out. */
static plx_status call(const char *op, plx_tensor *a, plx_tensor *b, plx_attrs *attrs, plx_tensor **out) {
    plx_tensor *inputs[2] = {a, b};
    return host->op_call("", op, inputs, b ? 2 : 1, attrs, out, 1);
}

/* The same computation with standard ops: Mul, ReduceMean, Add, Sqrt, Div, Mul. */
static plx_status rmsnorm_decompose(plx_kernel_context *ctx, plx_tensor *const *inputs, size_t n_inputs,
                                    const plx_attrs *attrs, void *user) {
    (void)n_inputs, (void)user;
    plx_tensor *x = inputs[0], *weight = inputs[1];
    plx_tensor *square = NULL, *axes = NULL, *mean = NULL, *eps = NULL, *shifted = NULL, *root = NULL, *normal = NULL, *y = NULL;
    plx_attrs *keep = NULL;
    int64_t last[1] = {-1}, one[1] = {1};
    double epsilon = epsilon_of(attrs);
    float epsilon32 = (float)epsilon;
    plx_status s = call("Mul", x, x, NULL, &square);
    if (s == PLX_OK) s = host->tensor_create(PLX_INT64, one, 1, last, &axes);
    if (s == PLX_OK) s = host->attrs_create(&keep);
    if (s == PLX_OK) s = host->attrs_set_int(keep, "keepdims", 1);
    if (s == PLX_OK) s = call("ReduceMean", square, axes, keep, &mean);
    if (s == PLX_OK)
        s = host->tensor_create(host->tensor_dtype(x), NULL, 0,
                                host->tensor_dtype(x) == PLX_FLOAT32 ? (const void *)&epsilon32 : (const void *)&epsilon, &eps);
    if (s == PLX_OK) s = call("Add", mean, eps, NULL, &shifted);
    if (s == PLX_OK) s = call("Sqrt", shifted, NULL, NULL, &root);
    if (s == PLX_OK) s = call("Div", x, root, NULL, &normal);
    if (s == PLX_OK) s = call("Mul", normal, weight, NULL, &y);
    if (s == PLX_OK) s = host->kernel_set_output(ctx, 0, y);
    plx_tensor *made[] = {square, axes, mean, eps, shifted, root, normal, y};
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) host->tensor_release(made[i]);
    host->attrs_release(keep);
    return s;
}

static plx_status layer_create(plx_layer_builder *builder, const plx_attrs *attrs, void *user, void **state) {
    (void)user, (void)state;
    int64_t size = 0;
    plx_status s = host->attrs_get_int(attrs, "normalized_size", &size);
    if (s != PLX_OK) return s;
    if (size <= 0) return fail(PLX_ERR_INVALID_ARGUMENT, "RMSNorm: normalized_size must be positive");
    plx_tensor *weight = NULL;
    int64_t shape[1] = {size};
    return host->layer_add_parameter(builder, "weight", PLX_FLOAT32, shape, 1, PLX_INIT_ONES, 0, 0, &weight);
}

static plx_status layer_forward(plx_layer_context *ctx, plx_tensor *const *inputs, size_t n_inputs,
                                plx_tensor **outputs, size_t n_outputs, void *state) {
    (void)n_inputs, (void)n_outputs, (void)state;
    plx_tensor *operands[2] = {inputs[0], host->layer_tensor(ctx, "weight")};
    return host->op_call(DOMAIN, "RMSNorm", operands, 2, NULL, outputs, 1);
}

plx_status plx_plugin_init(const plx_host_api *api, plx_plugin_registrar *reg) {
    host = api;
    if (api->abi_major != PLX_PLUGIN_ABI_MAJOR) return PLX_ERR_ABI_MISMATCH;
    plx_plugin_info info = {
        .abi_major = PLX_PLUGIN_ABI_MAJOR, .abi_minor = PLX_PLUGIN_ABI_MINOR, .struct_size = sizeof info,
        .kind = PLX_PLUGIN_KIND_EXTENSION, .name = "example-rmsnorm", .version = "1.0.0", .license = "MIT",
        .description = "RMS normalisation with a learnable weight (example plugin)",
    };
    plx_status s = reg->set_info(reg, &info);
    if (s != PLX_OK) return s;

    plx_attrs *defaults = NULL;
    if ((s = host->attrs_create(&defaults)) != PLX_OK) return s;
    s = host->attrs_set_float(defaults, "epsilon", 1e-6);
    const plx_attr_spec epsilon = {.name = "epsilon", .type = PLX_ATTR_FLOAT, .required = 0};
    plx_op_schema schema = {
        .struct_size = sizeof schema, .domain = DOMAIN, .name = "RMSNorm", .since_version = 1, .min_inputs = 2,
        .max_inputs = 2, .min_outputs = 1, .max_outputs = 1, .attrs = &epsilon, .n_attrs = 1, .attr_defaults = defaults,
        .doc = "x / sqrt(mean(x^2, last axis) + epsilon) * weight",
    };
    plx_kernel_def kernel = {.struct_size = sizeof kernel, .domain = DOMAIN, .op = "RMSNorm", .backend = "cpu",
                             .compute = rmsnorm_compute};
    plx_decomposition_def decomposition = {.struct_size = sizeof decomposition, .domain = DOMAIN, .op = "RMSNorm",
                                           .decompose = rmsnorm_decompose};
    if (s == PLX_OK) s = reg->register_op(reg, &schema);
    if (s == PLX_OK) s = reg->register_kernel(reg, &kernel);
    if (s == PLX_OK) s = reg->register_decomposition(reg, &decomposition);
    host->attrs_release(defaults);
    if (s != PLX_OK) return s;

    const plx_attr_spec size = {.name = "normalized_size", .type = PLX_ATTR_INT, .required = 1};
    plx_layer_def layer = {
        .struct_size = sizeof layer, .name = "RMSNorm", .attrs = &size, .n_attrs = 1, .min_inputs = 1, .max_inputs = 1,
        .min_outputs = 1, .max_outputs = 1, .create = layer_create, .forward = layer_forward,
        .doc = "RMS normalisation over the last dimension with a learnable weight",
    };
    return reg->register_layer(reg, &layer);
}
