/*
 * test_plugin_abi.c - plugin ABI versions and the ABI 1.2 additions, with the fixtures of
 * Tests/CTests/plugin-abi: a plugin built against the frozen ABI 1.1 headers loads and runs; a
 * plugin's required plugins are loaded first by discovery (PLEXUS_PLUGIN_PATH must name the
 * folder holding test-dependent and test-provider) and a missing one is named; a third-party
 * backend's graph rewrite changes what a session runs, its switch turns it off, and a failing
 * rewrite fails session creation naming the plugin and the rewrite.
 * Usage: test_plugin_abi PLUGIN_ABI_FIXTURE_DIR MODEL_DIR   (MODEL_DIR: Tests/fixtures)
 */
#include "check.h"

#include <plexus/plexus_plugin.h>

static const char *fixtures;
static const char *models;

static const char *path_of(const char *dir, const char *name) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static long find_plugin(const char *name) {
    for (size_t i = 0, n = plx_plugin_count(); i < n; i++)
        if (plx_plugin_name(i) != NULL && strcmp(plx_plugin_name(i), name) == 0) return (long)i;
    return -1;
}

/* Calls domain:op on [1, 2, 3] and checks the result is scale * x + shift. */
static void check_op(const char *domain, const char *op, float scale, float shift) {
    float xs[3] = {1, 2, 3};
    int64_t shape[1] = {3};
    plx_tensor *x = NULL, *y = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, shape, 1, xs, &x), PLX_OK);
    CHECK_STATUS(plx_op_call(domain, op, &x, 1, NULL, &y, 1), PLX_OK);
    if (CHECK(y != NULL)) {
        const float *ys = plx_tensor_data(y);
        for (int i = 0; i < 3; i++) CHECK_NEAR(ys[i], scale * xs[i] + shift);
    }
    plx_tensor_release(y);
    plx_tensor_release(x);
}

static void test_abi11_plugin(void) {
    CHECK_STATUS(plx_plugin_load(path_of(fixtures, "abi11_plugin.so")), PLX_OK);
    CHECK(find_plugin("test-abi11") >= 0);
    check_op("org.plexus.abi11", "Triple", 3, 0);
}

static void test_required_plugins(void) {
    /* Discovery met test-dependent (a_dependent.so) before the plugin it requires (b_provider.so). */
    check_op("org.plexus.deps", "Dependent", 1, 1);
    CHECK(find_plugin("test-dependent") >= 0);
    CHECK(find_plugin("test-provider") >= 0);
    CHECK(find_plugin("test-provider") < find_plugin("test-dependent"));

    CHECK_STATUS(plx_plugin_load(path_of(fixtures, "needs_missing.so")), PLX_ERR_NOT_FOUND);
    CHECK_CONTAINS(plx_last_error(), "'no-such-plugin'");
    CHECK(find_plugin("test-needs-missing") < 0);
}

static const float W[3][2] = {{1, 2}, {3, 4}, {5, 6}};
static const float B[2] = {-10, 0.5f};

/* Creates a session on affine_relu.onnx (y = relu(x·W + b)) with `disabled` optimisations and
 * checks its status; when it is created, runs it and checks y = |z| (`absolute`) or relu(z). */
static void check_affine(uint32_t disabled, plx_status expected, int absolute) {
    plx_session_options options = {0};
    options.struct_size = sizeof options;
    options.disabled_optimizations = disabled;
    plx_session *s = NULL;
    CHECK_STATUS(plx_session_create(path_of(models, "affine_relu.onnx"), &options, &s), expected);
    if (s == NULL) return;
    float xs[6] = {-1, -2, -3, 1, 0.5f, 2};
    int64_t shape[2] = {2, 3};
    plx_tensor *x = NULL, *y = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, shape, 2, xs, &x), PLX_OK);
    const char *in[1] = {"x"};
    CHECK_STATUS(plx_session_run(s, in, &x, 1, NULL, &y, 1), PLX_OK);
    if (CHECK(y != NULL)) {
        const float *ys = plx_tensor_data(y);
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 2; c++) {
                float z = B[c];
                for (int k = 0; k < 3; k++) z += xs[r * 3 + k] * W[k][c];
                CHECK_NEAR(ys[r * 2 + c], absolute ? (z < 0 ? -z : z) : (z > 0 ? z : 0));
            }
    }
    plx_tensor_release(y);
    plx_tensor_release(x);
    plx_session_release(s);
}

static void test_rewrites(void) {
    check_affine(0, PLX_OK, 0);
    CHECK_STATUS(plx_plugin_load(path_of(fixtures, "rewrite_plugin.so")), PLX_OK);
    check_affine(0, PLX_OK, 1);
    check_affine(PLX_OPTIMIZE_BACKEND_REWRITES, PLX_OK, 0);

    CHECK_STATUS(plx_plugin_load(path_of(fixtures, "rewrite_fails.so")), PLX_OK);
    check_affine(0, PLX_ERR_INVALID_ARGUMENT, 1);
    CHECK_CONTAINS(plx_last_error(), "'always-fails' of plugin 'test-rewrite-fails'");
    CHECK_CONTAINS(plx_last_error(), "deliberately failed");
    check_affine(PLX_OPTIMIZE_FUSE_RESIDUALS, PLX_OK, 1);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s PLUGIN_ABI_FIXTURE_DIR MODEL_DIR\n", argv[0]);
        return 2;
    }
    fixtures = argv[1];
    models = argv[2];
    test_abi11_plugin();
    test_required_plugins();
    test_rewrites();
    return check_finish();
}
