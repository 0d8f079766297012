/*
 * test_no_backend.c - behaviour with plugin discovery off (run with PLEXUS_AUTOLOAD=0): no
 * plugin is loaded, and calling an op fails with PLX_ERR_NO_BACKEND and a message that says
 * how to load one.
 */
#include "check.h"

#include <stdlib.h>

int main(void) {
    const char *autoload = getenv("PLEXUS_AUTOLOAD");
    if (!CHECK(autoload != NULL && strcmp(autoload, "0") == 0))
        fprintf(stderr, "    run this test with PLEXUS_AUTOLOAD=0\n");

    int64_t two = 2;
    float v[2] = {1, 2};
    plx_tensor *x = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, &two, 1, v, &x), PLX_OK);
    plx_tensor *inputs[2] = {x, x};
    int sentinel;
    plx_tensor *out = (plx_tensor *)&sentinel;
    CHECK_STATUS(plx_op_call("", "Add", inputs, 2, NULL, &out, 1), PLX_ERR_NO_BACKEND);
    const char *e = plx_last_error();
    CHECK(e != NULL && (strstr(e, "plx_plugin_load") != NULL || strstr(e, "PLEXUS_PLUGIN_PATH") != NULL));
    CHECK(out == (plx_tensor *)&sentinel);
    CHECK_EQ(plx_plugin_count(), 0);
    CHECK(plx_plugin_name(0) == NULL);
    plx_tensor_release(x);
    return check_finish();
}
