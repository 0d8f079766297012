/*
 * requires_plugin.c - a plugin named NAME (a macro) that requires the plugin REQUIRES (a macro;
 * none when undefined) and registers org.plexus.deps OP(x: float32) -> x + 1. Built three times
 * by run-c-tests.sh: "test-provider" (no requirement), "test-dependent" (requires
 * "test-provider") and "test-needs-missing" (requires "no-such-plugin").
 */
#include <plexus/plexus_plugin.h>

static const plx_host_api *host;

static plx_status plus_one(plx_kernel_context *ctx, plx_tensor *const *inputs, size_t n_inputs, const plx_attrs *attrs,
                           void *user) {
    (void)n_inputs, (void)attrs, (void)user;
    plx_tensor *x = inputs[0], *y = NULL;
    plx_status s = host->kernel_output(ctx, 0, PLX_FLOAT32, host->tensor_shape(x), host->tensor_rank(x), &y);
    if (s != PLX_OK) return s;
    const float *in = host->tensor_data(x);
    float *out = host->tensor_data(y);
    for (int64_t i = 0, n = host->tensor_numel(x); i < n; i++) out[i] = in[i] + 1;
    return PLX_OK;
}

plx_status plx_plugin_init(const plx_host_api *h, plx_plugin_registrar *reg) {
    host = h;
#ifdef REQUIRES
    static const char *const required[1] = {REQUIRES};
    plx_plugin_info info = {PLX_PLUGIN_ABI_MAJOR, PLX_PLUGIN_ABI_MINOR, sizeof(plx_plugin_info), PLX_PLUGIN_KIND_EXTENSION,
                            NAME, "1.0.0", NULL, NULL, required, 1};
#else
    plx_plugin_info info = {PLX_PLUGIN_ABI_MAJOR, PLX_PLUGIN_ABI_MINOR, sizeof(plx_plugin_info), PLX_PLUGIN_KIND_EXTENSION,
                            NAME, "1.0.0", NULL, NULL, NULL, 0};
#endif
    plx_status s = reg->set_info(reg, &info);
    if (s != PLX_OK) return s;  /* a missing requirement: return at once, registering nothing */
    plx_op_schema schema = {0};
    schema.struct_size = sizeof schema;
    schema.domain = "org.plexus.deps";
    schema.name = OP;
    schema.since_version = 1;
    schema.min_inputs = schema.max_inputs = 1;
    schema.min_outputs = schema.max_outputs = 1;
    if ((s = reg->register_op(reg, &schema)) != PLX_OK) return s;
    plx_kernel_def kernel = {sizeof(plx_kernel_def), "org.plexus.deps", OP, "depscpu", 0, NULL, plus_one, NULL, 0};
    return reg->register_kernel(reg, &kernel);
}
