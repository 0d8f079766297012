/*
 * rewrite_plugin.c - a third-party backend's graph rewrite ("test-rewrite", ABI 1.2). It
 * registers org.plexus.rewrite Absolute(x: float32) -> |x| and a rewrite "relu-to-absolute"
 * (switch PLX_OPTIMIZE_BACKEND_REWRITES) that turns every Relu into Absolute(x) * one, where one
 * is a constant it adds: it reads nodes, producers, readers and graph outputs, and removes, adds
 * and replaces nodes. A session then computes |z| where the model says relu(z).
 */
#include <plexus/plexus_plugin.h>
#include <stdio.h>
#include <string.h>

#define DOMAIN "org.plexus.rewrite"

static const plx_host_api *host;

static plx_status absolute(plx_kernel_context *ctx, plx_tensor *const *inputs, size_t n_inputs, const plx_attrs *attrs,
                           void *user) {
    (void)n_inputs, (void)attrs, (void)user;
    plx_tensor *x = inputs[0], *y = NULL;
    plx_status s = host->kernel_output(ctx, 0, PLX_FLOAT32, host->tensor_shape(x), host->tensor_rank(x), &y);
    if (s != PLX_OK) return s;
    const float *in = host->tensor_data(x);
    float *out = host->tensor_data(y);
    for (int64_t i = 0, n = host->tensor_numel(x); i < n; i++) out[i] = in[i] < 0 ? -in[i] : in[i];
    return PLX_OK;
}

static plx_status fail(const char *message) {
    host->set_error(PLX_ERR_INTERNAL, message);
    return PLX_ERR_INTERNAL;
}

static plx_status relu_to_absolute(plx_graph *g, void *user) {
    (void)user;
    for (size_t node = 0, count = host->graph_node_count(g); node < count; node++) {
        const char *domain = NULL, *op = NULL, *name = NULL;
        size_t n_inputs = 0, n_outputs = 0;
        if (host->graph_node(g, node, &domain, &op, &name, &n_inputs, &n_outputs) != PLX_OK) continue;
        if (strcmp(domain, "") != 0 || strcmp(op, "Relu") != 0 || n_inputs != 1 || n_outputs != 1) continue;
        const char *input = host->graph_node_input(g, node, 0), *output = host->graph_node_output(g, node, 0);
        int64_t producer = host->graph_producer(g, input);
        if (producer < 0 || host->graph_reader_count(g, input) != 1 || host->graph_reader(g, input, 0) != (int64_t)node)
            return fail("the Relu's input should have a producer and the Relu as its one reader");
        if (!host->graph_is_output(g, output) || host->graph_constant(g, input) != NULL)
            return fail("the Relu's output should be a graph output and its input no constant");

        float one_value = 1;
        plx_tensor *one = NULL;
        const char *one_name = NULL;
        plx_status s = host->tensor_create(PLX_FLOAT32, NULL, 0, &one_value, &one);
        if (s == PLX_OK) s = host->graph_add_constant(g, "one", one, &one_name);
        host->tensor_release(one);  /* the graph holds its own reference */
        if (s != PLX_OK) return s;
        if (host->graph_constant(g, one_name) == NULL) return fail("the added constant is not visible");

        char temporary[256];
        snprintf(temporary, sizeof temporary, "%s_absolute", output);
        const char *abs_inputs[1] = {input}, *abs_outputs[1] = {temporary};
        plx_attrs *attrs = NULL;
        s = host->attrs_copy(host->graph_node_attrs(g, node), &attrs);
        if (s != PLX_OK) return s;
        plx_graph_node absolute_node = {sizeof(plx_graph_node), DOMAIN, "Absolute", name, abs_inputs, 1, abs_outputs, 1, attrs};
        s = host->graph_replace_node(g, node, &absolute_node);
        host->attrs_release(attrs);
        if (s != PLX_OK) return s;

        const char *mul_inputs[2] = {temporary, one_name}, *mul_outputs[1] = {output};
        plx_graph_node scale = {sizeof(plx_graph_node), "", "Mul", "scale", mul_inputs, 2, mul_outputs, 1, NULL};
        size_t added = 0;
        s = host->graph_add_node(g, &scale, &added);
        if (s != PLX_OK) return s;
        if (added < count) return fail("an added node should take a new number");

        /* Removing and re-adding: the number of a removed node reads as removed. */
        size_t extra = 0;
        const char *dead_outputs[1] = {"unused_by_anyone"};
        plx_graph_node dead = {sizeof(plx_graph_node), "", "Neg", NULL, abs_inputs, 1, dead_outputs, 1, NULL};
        if ((s = host->graph_add_node(g, &dead, &extra)) != PLX_OK) return s;
        if ((s = host->graph_remove_node(g, extra)) != PLX_OK) return s;
        if (host->graph_node(g, extra, NULL, NULL, NULL, NULL, NULL) != PLX_ERR_NOT_FOUND) return fail("removed node still there");
        if (host->graph_remove_node(g, extra) != PLX_ERR_NOT_FOUND) return fail("a node was removed twice");

        /* An op nobody registered is refused. */
        plx_graph_node unknown = {sizeof(plx_graph_node), DOMAIN, "NoSuchOp", NULL, abs_inputs, 1, dead_outputs, 1, NULL};
        if (host->graph_add_node(g, &unknown, NULL) != PLX_ERR_NOT_FOUND) return fail("an unknown op was accepted");
    }
    return PLX_OK;
}

plx_status plx_plugin_init(const plx_host_api *h, plx_plugin_registrar *reg) {
    host = h;
    plx_plugin_info info = {PLX_PLUGIN_ABI_MAJOR, PLX_PLUGIN_ABI_MINOR, sizeof(plx_plugin_info), PLX_PLUGIN_KIND_BACKEND,
                            "test-rewrite", "1.0.0", "MIT", "a backend with its own graph rewrite", NULL, 0};
    plx_status s = reg->set_info(reg, &info);
    if (s != PLX_OK) return s;
    if (reg->struct_size < offsetof(plx_plugin_registrar, register_rewrite) + sizeof(void *)) {
        host->set_error(PLX_ERR_ABI_MISMATCH, "the host has no register_rewrite");
        return PLX_ERR_ABI_MISMATCH;
    }
    plx_op_schema schema = {0};
    schema.struct_size = sizeof schema;
    schema.domain = DOMAIN;
    schema.name = "Absolute";
    schema.since_version = 1;
    schema.min_inputs = schema.max_inputs = 1;
    schema.min_outputs = schema.max_outputs = 1;
    if ((s = reg->register_op(reg, &schema)) != PLX_OK) return s;
    plx_kernel_def kernel = {sizeof(plx_kernel_def), DOMAIN, "Absolute", "rewritecpu", 0, NULL, absolute, NULL, 1};
    if ((s = reg->register_kernel(reg, &kernel)) != PLX_OK) return s;
    plx_rewrite_def rewrite = {sizeof(plx_rewrite_def), "relu-to-absolute", 0, PLX_REWRITE_PHASE_FUSE, relu_to_absolute, NULL};
    return reg->register_rewrite(reg, &rewrite);
}
