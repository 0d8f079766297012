/*
 * test_backend_order.c - kernel dispatch follows backend priority by default, the order set by
 * plx_set_backend_order, and PLEXUS_BACKENDS. Usage: test_backend_order FIXTURE_DIR [EXPECT]
 * where EXPECT is the value Neg(1) gives before any explicit order is set (-1: cpu wins, 42:
 * alt wins, as when the script runs it with PLEXUS_BACKENDS=alt).
 */
#include <stdlib.h>
#include "check.h"

static float neg_of_one(void) {
    int64_t shape[1] = {1};
    float one = 1.0f, result = 0.0f;
    plx_tensor *x = NULL, *y = NULL;
    if (plx_tensor_create(PLX_FLOAT32, shape, 1, &one, &x) != PLX_OK) return -999.0f;
    if (plx_op_call("", "Neg", &x, 1, NULL, &y, 1) == PLX_OK) result = *(float *)plx_tensor_data(y);
    plx_tensor_release(y);
    plx_tensor_release(x);
    return result;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    float expected_default = argc > 2 ? (float)atof(argv[2]) : -1.0f;
    char path[4096];
    snprintf(path, sizeof path, "%s/alt_backend.so", argv[1]);
    CHECK_STATUS(plx_plugin_load(path), PLX_OK);

    CHECK_NEAR(neg_of_one(), expected_default);
    CHECK_STATUS(plx_set_backend_order("alt"), PLX_OK);
    CHECK_NEAR(neg_of_one(), 42.0f);
    CHECK_STATUS(plx_set_backend_order(" cpu , alt "), PLX_OK);
    CHECK_NEAR(neg_of_one(), -1.0f);
    CHECK_STATUS(plx_set_backend_order("nonexistent,alt"), PLX_OK);
    CHECK_NEAR(neg_of_one(), 42.0f);
    CHECK_STATUS(plx_set_backend_order(NULL), PLX_OK);
    CHECK_NEAR(neg_of_one(), expected_default);

    /* The alt kernel rejects int64 at run time: its message reaches the caller. */
    CHECK_STATUS(plx_set_backend_order("alt"), PLX_OK);
    int64_t shape[1] = {1}, value = 3;
    plx_tensor *x = NULL, *y = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_INT64, shape, 1, &value, &x), PLX_OK);
    CHECK_STATUS(plx_op_call("", "Neg", &x, 1, NULL, &y, 1), PLX_ERR_UNSUPPORTED);
    CHECK(strstr(plx_last_error(), "alt Neg handles float32 only") != NULL);
    CHECK(y == NULL);
    plx_tensor_release(x);
    return check_finish();
}
