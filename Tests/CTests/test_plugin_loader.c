/*
 * test_plugin_loader.c - plx_plugin_load with the fixture plugins in argv[1]: missing file, a
 * text file, a library without plx_plugin_init, a too-new ABI, a failing init (leaves nothing
 * registered), a good plugin (idempotent reload, its ops Twice and Fail, error surfacing), a
 * duplicate op registration, the plugin listing, a plugin whose init loads a plugin (an error,
 * not a deadlock) and truncated libraries (refused before the dynamic loader maps them).
 */
#include "check.h"

#include <plexus/plexus_plugin.h>

#define TEST_DOMAIN "org.plexus.test"

static char dir[3500];

/* The path of fixture `name` (a static buffer, overwritten by the next call). */
static const char *fixture(const char *name) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* Index of the loaded plugin called `name`, or -1. */
static long find_plugin(const char *name) {
    for (size_t i = 0, n = plx_plugin_count(); i < n; i++)
        if (plx_plugin_name(i) != NULL && strcmp(plx_plugin_name(i), name) == 0) return (long)i;
    return -1;
}

static plx_status call_test_op(const char *op, plx_tensor *x, const plx_attrs *attrs, plx_tensor **out) {
    plx_tensor *inputs[1] = {x};
    return plx_op_call(TEST_DOMAIN, op, inputs, 1, attrs, out, 1);
}

static void test_bad_files(void) {
    CHECK_STATUS(plx_plugin_load(fixture("does_not_exist.so")), PLX_ERR_NOT_FOUND);
    CHECK_STATUS(plx_plugin_load(NULL), PLX_ERR_INVALID_ARGUMENT);

    const char *text = fixture("not_a_plugin.so");
    FILE *f = fopen(text, "w");
    if (CHECK(f != NULL)) {
        fputs("this is a text file, not an ELF shared library\n", f);
        fclose(f);
        CHECK_STATUS(plx_plugin_load(text), PLX_ERR_INVALID_ARGUMENT);
        remove(text);
    }

    CHECK_STATUS(plx_plugin_load(fixture("no_init.so")), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "plx_plugin_init");
}

static void test_abi_too_new(void) {
    CHECK_STATUS(plx_plugin_load(fixture("abi_too_new.so")), PLX_ERR_ABI_MISMATCH);
    char host[32], plugin[32];
    snprintf(host, sizeof host, "%d.", PLX_PLUGIN_ABI_MAJOR);
    snprintf(plugin, sizeof plugin, "%d.", PLX_PLUGIN_ABI_MAJOR + 1);
    CHECK_CONTAINS(plx_last_error(), host);
    CHECK_CONTAINS(plx_last_error(), plugin);
    CHECK(find_plugin("test-abi-too-new") == -1);
}

static void test_init_fails(void) {
    size_t before = plx_plugin_count();
    CHECK_STATUS(plx_plugin_load(fixture("init_fails.so")), PLX_ERR_PLUGIN_FAILED);
    CHECK_CONTAINS(plx_last_error(), "deliberate init failure");
    CHECK_EQ(plx_plugin_count(), before);
    CHECK(find_plugin("test-init-fails") == -1);
}

static void test_bad_definitions_are_refused(void) {
    size_t before = plx_plugin_count();
    CHECK(plx_plugin_load(fixture("bad_definitions.so")) != PLX_OK);
    CHECK_CONTAINS(plx_last_error(), "plx_op_schema.struct_size 4 is too small");
    CHECK_EQ(plx_plugin_count(), before);
}

static void test_good_plugin(void) {
    size_t before = plx_plugin_count();
    CHECK_STATUS(plx_plugin_load(fixture("good_plugin.so")), PLX_OK);
    CHECK_EQ(plx_plugin_count(), before + 1);
    CHECK_STATUS(plx_plugin_load(fixture("good_plugin.so")), PLX_OK);
    CHECK_STATUS(plx_plugin_load(fixture("./good_plugin.so")), PLX_OK); /* same file, other spelling */
    CHECK_EQ(plx_plugin_count(), before + 1);

    int64_t three = 3;
    float v[3] = {1, 2, 3};
    plx_tensor *x = NULL, *y = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, &three, 1, v, &x), PLX_OK);

    CHECK_STATUS(call_test_op("Twice", x, NULL, &y), PLX_OK);
    if (CHECK(y != NULL)) {
        const float *d = plx_tensor_data(y);
        CHECK(plx_tensor_numel(y) == 3 && d[0] == 2 && d[1] == 4 && d[2] == 6);
        plx_tensor_release(y);
    }

    plx_attrs *a = NULL;
    CHECK_STATUS(plx_attrs_create(&a), PLX_OK);
    CHECK_STATUS(plx_attrs_set_int(a, "factor", 3), PLX_OK);
    y = NULL;
    CHECK_STATUS(call_test_op("Twice", x, a, &y), PLX_OK);
    if (CHECK(y != NULL)) {
        const float *d = plx_tensor_data(y);
        CHECK(d[0] == 3 && d[1] == 6 && d[2] == 9);
        plx_tensor_release(y);
    }
    plx_attrs_release(a);

    /* The kernel's error code and message reach the caller. */
    y = NULL;
    CHECK_STATUS(call_test_op("Fail", x, NULL, &y), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "Fail always fails");
    CHECK(y == NULL);

    /* Twice only accepts float32 (its supports filter). */
    int64_t iv[3] = {1, 2, 3};
    plx_tensor *xi = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_INT64, &three, 1, iv, &xi), PLX_OK);
    CHECK_STATUS(call_test_op("Twice", xi, NULL, &y), PLX_ERR_UNSUPPORTED);
    CHECK(y == NULL);
    plx_tensor_release(xi);

    /* Nothing of the plugin whose init failed was kept. */
    CHECK_STATUS(call_test_op("Half", x, NULL, &y), PLX_ERR_NOT_FOUND);
    CHECK(y == NULL);
    plx_tensor_release(x);
}

/* SoftSign has a kernel and a decomposition but no gradient rule: without gradients the kernel
 * runs; with an input that requires grad the decomposition runs and backward goes through it. */
static void test_decomposition(void) {
    int64_t shape[1] = {3};
    double xs[3] = {-2, 0.5, 3};
    plx_tensor *x = NULL, *y = NULL, *sum = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT64, shape, 1, xs, &x), PLX_OK);
    CHECK_STATUS(plx_op_call("org.plexus.test", "SoftSign", &x, 1, NULL, &y, 1), PLX_OK);
    if (y) CHECK_NEAR(((double *)plx_tensor_data(y))[0], -2.0 / 3.0);
    CHECK_EQ(plx_tensor_requires_grad(y), 0);
    plx_tensor_release(y);
    CHECK_STATUS(plx_tensor_set_requires_grad(x, 1), PLX_OK);
    CHECK_STATUS(plx_op_call("org.plexus.test", "SoftSign", &x, 1, NULL, &y, 1), PLX_OK);
    CHECK_EQ(plx_tensor_requires_grad(y), 1);
    CHECK_STATUS(plx_op_call("", "ReduceSum", &y, 1, NULL, &sum, 1), PLX_OK);
    CHECK_STATUS(plx_tensor_backward(sum, NULL), PLX_OK);
    plx_tensor *grad = plx_tensor_grad(x);
    if (CHECK(grad != NULL)) {
        const double *g = plx_tensor_data(grad);
        for (int i = 0; i < 3; i++) {
            double d = 1 + (xs[i] < 0 ? -xs[i] : xs[i]);
            CHECK_NEAR(g[i], 1 / (d * d));
        }
    }
    plx_tensor_release(sum);
    plx_tensor_release(y);
    plx_tensor_release(x);
}

static void test_duplicate(void) {
    size_t before = plx_plugin_count();
    CHECK_STATUS(plx_plugin_load(fixture("duplicate.so")), PLX_ERR_ALREADY_EXISTS);
    CHECK_CONTAINS(plx_last_error(), "Twice");
    CHECK_EQ(plx_plugin_count(), before);
    CHECK(find_plugin("test-dup") == -1);
}

static void test_reentrant_load_is_refused(void) {
    size_t before = plx_plugin_count();
    CHECK_STATUS(plx_plugin_load(fixture("reentrant_load.so")), PLX_ERR_PLUGIN_FAILED);
    CHECK_CONTAINS(plx_last_error(), "from inside another plugin's init");
    CHECK_EQ(plx_plugin_count(), before);
    CHECK(find_plugin("test-reentrant") == -1);
}

/* Copies the first `keep` bytes of fixture `from` to fixture `to`. */
static int truncated_copy(const char *from, const char *to, long keep) {
    char source[4096];
    snprintf(source, sizeof source, "%s", fixture(from));
    FILE *in = fopen(source, "rb"), *out = fopen(fixture(to), "wb");
    int ok = in != NULL && out != NULL;
    for (long i = 0; ok && i < keep; i++) {
        int c = fgetc(in);
        if (c == EOF) break;
        fputc(c, out);
    }
    if (in) fclose(in);
    if (out) fclose(out);
    return ok;
}

static void test_truncated_libraries_are_refused(void) {
    /* Cut inside the ELF header, inside the program headers, and inside the loaded segments. */
    long sizes[] = {0, 20, 100, 1000, 3000, 6000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "truncated_%ld.so", sizes[i]);
        if (!CHECK(truncated_copy("good_plugin.so", name, sizes[i]))) continue;
        size_t before = plx_plugin_count();
        CHECK_STATUS(plx_plugin_load(fixture(name)), PLX_ERR_INVALID_ARGUMENT);
        CHECK_EQ(plx_plugin_count(), before);
        remove(fixture(name));
    }
}

static void test_listing(void) {
    long i = find_plugin("test-good");
    if (!CHECK(i >= 0)) return;
    CHECK(plx_plugin_version((size_t)i) != NULL && strcmp(plx_plugin_version((size_t)i), "1.2.3") == 0);
    CHECK_CONTAINS(plx_plugin_path((size_t)i), "good_plugin.so");
    CHECK_EQ(plx_plugin_op_count((size_t)i), 3);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
        return 2;
    }
    snprintf(dir, sizeof dir, "%s", argv[1]);
    test_bad_files();
    test_abi_too_new();
    test_init_fails();
    test_bad_definitions_are_refused();
    test_good_plugin();
    test_decomposition();
    test_duplicate();
    test_listing();
    test_reentrant_load_is_refused();
    test_truncated_libraries_are_refused();
    return check_finish();
}
