/*
 * test_missing_plugin.c - with discovery off (PLEXUS_AUTOLOAD=0) and only the cpu plugin loaded
 * explicitly, asking for a layer or op of another family names the plugin that provides it
 * (from plugins/index.json, written by the build) instead of a bare "unknown".
 * Usage: test_missing_plugin PLUGIN_DIR
 */
#include "check.h"

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/libplexus-cpu.so", argv[1]);
    CHECK_STATUS(plx_plugin_load(path), PLX_OK);
    CHECK_EQ(plx_plugin_count(), 1);

    plx_layer *layer = NULL;
    CHECK_STATUS(plx_layer_create("Linear", NULL, &layer), PLX_ERR_NOT_FOUND);
    CHECK_CONTAINS(plx_last_error(), "Linear");
    CHECK_CONTAINS(plx_last_error(), "provided by plugin 'mlp'");
    CHECK_CONTAINS(plx_last_error(), "not loaded");
    CHECK(layer == NULL);

    /* An op nobody provides is still "unknown". */
    int64_t shape[1] = {1};
    plx_tensor *x = NULL, *y = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, shape, 1, NULL, &x), PLX_OK);
    CHECK_STATUS(plx_op_call("", "NoSuchOp", &x, 1, NULL, &y, 1), PLX_ERR_NOT_FOUND);
    CHECK_CONTAINS(plx_last_error(), "unknown operator");
    plx_tensor_release(x);
    return check_finish();
}
