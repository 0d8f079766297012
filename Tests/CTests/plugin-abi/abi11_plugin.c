/*
 * abi11_plugin.c - a plugin built against the frozen plugin ABI 1.1 headers (abi-1.1/), as a
 * third party's plugin compiled before ABI 1.2: its plx_plugin_info and plx_kernel_def are the
 * 1.1 sizes. Registers org.plexus.abi11 Triple(x: float32) -> 3x with a "abi11cpu" kernel.
 */
#include <plexus/plexus_plugin.h>

#if PLX_PLUGIN_ABI_MINOR != 1
#error "abi11_plugin.c must be built against the frozen ABI 1.1 headers (-I Tests/CTests/plugin-abi/abi-1.1)"
#endif

static const plx_host_api *host;

static plx_status triple(plx_kernel_context *ctx, plx_tensor *const *inputs, size_t n_inputs, const plx_attrs *attrs,
                         void *user) {
    (void)n_inputs, (void)attrs, (void)user;
    plx_tensor *x = inputs[0], *y = NULL;
    if (host->tensor_dtype(x) != PLX_FLOAT32) {
        host->set_error(PLX_ERR_DTYPE_MISMATCH, "Triple takes float32");
        return PLX_ERR_DTYPE_MISMATCH;
    }
    plx_status s = host->kernel_output(ctx, 0, PLX_FLOAT32, host->tensor_shape(x), host->tensor_rank(x), &y);
    if (s != PLX_OK) return s;
    const float *in = host->tensor_data(x);
    float *out = host->tensor_data(y);
    for (int64_t i = 0, n = host->tensor_numel(x); i < n; i++) out[i] = 3 * in[i];
    return PLX_OK;
}

plx_status plx_plugin_init(const plx_host_api *h, plx_plugin_registrar *reg) {
    host = h;
    plx_plugin_info info = {PLX_PLUGIN_ABI_MAJOR, PLX_PLUGIN_ABI_MINOR, sizeof(plx_plugin_info), PLX_PLUGIN_KIND_EXTENSION,
                            "test-abi11", "1.1.0", "MIT", "built against the plugin ABI 1.1 headers"};
    plx_status s = reg->set_info(reg, &info);
    if (s != PLX_OK) return s;
    plx_op_schema schema = {0};
    schema.struct_size = sizeof schema;
    schema.domain = "org.plexus.abi11";
    schema.name = "Triple";
    schema.since_version = 1;
    schema.min_inputs = schema.max_inputs = 1;
    schema.min_outputs = schema.max_outputs = 1;
    s = reg->register_op(reg, &schema);
    if (s != PLX_OK) return s;
    plx_kernel_def kernel = {sizeof(plx_kernel_def), "org.plexus.abi11", "Triple", "abi11cpu", 0, NULL, triple, NULL};
    return reg->register_kernel(reg, &kernel);
}
