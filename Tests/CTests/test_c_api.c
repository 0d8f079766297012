/*
 * test_c_api.c - the public C ABI (plexus.h) end to end: versions, tensors (create, wrap with a
 * deleter, retain/release, scalars, empty and string tensors), attribute sets, operator calls
 * through the autoloaded cpu plugin (MatMul, Add, Softmax, Gather), error codes and messages,
 * out-parameters left untouched on failure, settings and plugin listing. Every handle is
 * released, so the program is clean under valgrind --leak-check=full.
 */
#include "check.h"

#include <ctype.h>
#include <stdint.h>

/* An address that no call may write into an out-parameter on failure. */
static int sentinel_storage;
#define SENTINEL ((plx_tensor *)&sentinel_storage)

static void count_deleter(void *data, void *ctx) {
    (void)data;
    (*(int *)ctx)++;
}

/* Case-insensitive strstr, for messages whose spelling of a dtype may vary. */
static int contains_ci(const char *haystack, const char *needle) {
    if (haystack == NULL) return 0;
    size_t n = strlen(needle);
    for (; *haystack; haystack++) {
        size_t i = 0;
        while (i < n && haystack[i] &&
               tolower((unsigned char)haystack[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n) return 1;
    }
    return 0;
}

static plx_tensor *make_f32(const int64_t *shape, size_t rank, const float *data) {
    plx_tensor *t = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, shape, rank, data, &t), PLX_OK);
    return t;
}

/* Runs a one-output op from the default domain; returns its status. */
static plx_status call1(const char *op, plx_tensor **inputs, size_t n, const plx_attrs *attrs,
                        plx_tensor **out) {
    return plx_op_call("", op, (plx_tensor *const *)inputs, n, attrs, out, 1);
}

static void test_versions(void) {
    const char *e = plx_last_error();
    CHECK(e != NULL && e[0] == '\0');
    CHECK_EQ(plx_abi_version(), PLX_ABI_VERSION);
    const char *v = plx_version();
    int major = -1, minor = -1, patch = -1;
    CHECK(v != NULL && sscanf(v, "%d.%d.%d", &major, &minor, &patch) == 3);
    CHECK(major >= 0 && minor >= 0 && patch >= 0);
}

static void test_create(void) {
    int64_t shape[2] = {2, 3};
    plx_tensor *t = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, shape, 2, NULL, &t), PLX_OK);
    if (!CHECK(t != NULL)) return;
    CHECK_EQ(plx_tensor_dtype(t), PLX_FLOAT32);
    CHECK_EQ(plx_tensor_rank(t), 2);
    const int64_t *s = plx_tensor_shape(t);
    CHECK(s != NULL && s[0] == 2 && s[1] == 3);
    CHECK_EQ(plx_tensor_numel(t), 6);
    const float *zeros = plx_tensor_data(t);
    int all_zero = zeros != NULL;
    for (int i = 0; all_zero && i < 6; i++) all_zero = zeros[i] == 0.0f;
    CHECK(all_zero);
    CHECK_EQ((uintptr_t)plx_tensor_data(t) % 64, 0);
    plx_tensor_release(t);

    /* Data is copied: changing the source afterwards does not change the tensor. */
    int32_t values[4] = {1, -2, 3, -4};
    int64_t four = 4;
    CHECK_STATUS(plx_tensor_create(PLX_INT32, &four, 1, values, &t), PLX_OK);
    values[0] = 100;
    const int32_t *d = plx_tensor_data(t);
    CHECK(d != NULL && d != values && d[0] == 1 && d[1] == -2 && d[3] == -4);
    plx_tensor_release(t);

    /* Scalar: rank 0, shape may be NULL, one element. */
    double pi = 3.25;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT64, NULL, 0, &pi, &t), PLX_OK);
    CHECK_EQ(plx_tensor_rank(t), 0);
    CHECK(plx_tensor_shape(t) != NULL);
    CHECK_EQ(plx_tensor_numel(t), 1);
    CHECK(plx_tensor_data(t) != NULL && *(double *)plx_tensor_data(t) == 3.25);
    plx_tensor_release(t);

    /* Empty tensor: a zero dimension gives no elements. */
    int64_t empty[2] = {0, 3};
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, empty, 2, NULL, &t), PLX_OK);
    CHECK_EQ(plx_tensor_rank(t), 2);
    CHECK_EQ(plx_tensor_numel(t), 0);
    CHECK(plx_tensor_shape(t) != NULL && plx_tensor_shape(t)[0] == 0 && plx_tensor_shape(t)[1] == 3);
    plx_tensor_release(t);

    /* Getters on NULL. */
    CHECK_EQ(plx_tensor_dtype(NULL), 0);
    CHECK_EQ(plx_tensor_rank(NULL), 0);
    CHECK(plx_tensor_shape(NULL) == NULL);
    CHECK_EQ(plx_tensor_numel(NULL), -1);
    CHECK(plx_tensor_data(NULL) == NULL);
    plx_tensor_retain(NULL);
    plx_tensor_release(NULL);
}

static void test_create_errors(void) {
    int64_t shape[2] = {2, 3}, negative[2] = {2, -1};
    plx_tensor *t = SENTINEL;
    CHECK_STATUS(plx_tensor_create(99, shape, 2, NULL, &t), PLX_ERR_INVALID_ARGUMENT);
    CHECK(t == SENTINEL);
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, negative, 2, NULL, &t), PLX_ERR_INVALID_ARGUMENT);
    CHECK(t == SENTINEL);
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, NULL, 2, NULL, &t), PLX_ERR_INVALID_ARGUMENT);
    CHECK(t == SENTINEL);
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, shape, 2, NULL, NULL), PLX_ERR_INVALID_ARGUMENT);
}

static void test_strings(void) {
    int64_t two = 2;
    const char *words[2] = {"hello", "wörld"};
    plx_tensor *t = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_STRING, &two, 1, words, &t), PLX_OK);
    if (!CHECK(t != NULL)) return;
    CHECK_EQ(plx_tensor_dtype(t), PLX_STRING);
    char **d = plx_tensor_data(t);
    CHECK(d != NULL && d[0] != words[0] && strcmp(d[0], "hello") == 0 && strcmp(d[1], "wörld") == 0);
    plx_tensor_release(t);

    CHECK_STATUS(plx_tensor_create(PLX_STRING, &two, 1, NULL, &t), PLX_OK);
    d = plx_tensor_data(t);
    CHECK(d != NULL && d[0] != NULL && d[0][0] == '\0' && d[1] != NULL && d[1][0] == '\0');
    plx_tensor_release(t);
}

static void test_wrap(void) {
    int64_t shape[2] = {2, 2};
    float memory[4] = {1, 2, 3, 4};
    int deleted = 0;
    plx_tensor *t = NULL;
    CHECK_STATUS(plx_tensor_wrap(PLX_FLOAT32, shape, 2, memory, count_deleter, &deleted, &t), PLX_OK);
    if (!CHECK(t != NULL)) return;
    CHECK(plx_tensor_data(t) == memory); /* no copy */
    ((float *)plx_tensor_data(t))[0] = 9;
    CHECK(memory[0] == 9);
    plx_tensor_retain(t);
    plx_tensor_release(t);
    CHECK_EQ(deleted, 0);
    plx_tensor_release(t);
    CHECK_EQ(deleted, 1);

    /* A failed wrap never calls the deleter and leaves out alone. */
    t = SENTINEL;
    int64_t bad[2] = {2, -2};
    CHECK_STATUS(plx_tensor_wrap(PLX_FLOAT32, bad, 2, memory, count_deleter, &deleted, &t),
                 PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_tensor_wrap(99, shape, 2, memory, count_deleter, &deleted, &t),
                 PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_tensor_wrap(PLX_STRING, shape, 2, memory, count_deleter, &deleted, &t),
                 PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_tensor_wrap(PLX_FLOAT32, shape, 2, NULL, count_deleter, &deleted, &t),
                 PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_tensor_wrap(PLX_FLOAT32, shape, 2, memory, count_deleter, &deleted, NULL),
                 PLX_ERR_INVALID_ARGUMENT);
    CHECK(t == SENTINEL);
    CHECK_EQ(deleted, 1);

    /* Without a deleter, release leaves the memory alone. */
    CHECK_STATUS(plx_tensor_wrap(PLX_FLOAT32, shape, 2, memory, NULL, NULL, &t), PLX_OK);
    plx_tensor_release(t);
    CHECK(memory[1] == 2);
}

static void test_attrs(void) {
    plx_attrs *a = NULL;
    CHECK_STATUS(plx_attrs_create(&a), PLX_OK);
    if (!CHECK(a != NULL)) return;
    int64_t ints[3] = {1, 2, 3};
    float floats[2] = {0.5f, 1.5f};
    const char *strings[2] = {"a", "b"};
    CHECK_STATUS(plx_attrs_set_int(a, "i", 7), PLX_OK);
    CHECK_STATUS(plx_attrs_set_int(a, "i", 8), PLX_OK); /* replaces */
    CHECK_STATUS(plx_attrs_set_float(a, "f", 0.25), PLX_OK);
    CHECK_STATUS(plx_attrs_set_ints(a, "is", ints, 3), PLX_OK);
    CHECK_STATUS(plx_attrs_set_ints(a, "none", NULL, 0), PLX_OK);
    CHECK_STATUS(plx_attrs_set_floats(a, "fs", floats, 2), PLX_OK);
    CHECK_STATUS(plx_attrs_set_string(a, "s", "text"), PLX_OK);
    CHECK_STATUS(plx_attrs_set_strings(a, "ss", strings, 2), PLX_OK);

    /* The set keeps its own reference to a tensor attribute. */
    float memory[2] = {1, 2};
    int64_t two = 2;
    int deleted = 0;
    plx_tensor *t = NULL;
    CHECK_STATUS(plx_tensor_wrap(PLX_FLOAT32, &two, 1, memory, count_deleter, &deleted, &t), PLX_OK);
    CHECK_STATUS(plx_attrs_set_tensor(a, "t", t), PLX_OK);
    plx_tensor_release(t);
    CHECK_EQ(deleted, 0);

    /* Errors. */
    CHECK_STATUS(plx_attrs_create(NULL), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_attrs_set_int(NULL, "i", 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_attrs_set_int(a, NULL, 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_attrs_set_string(a, "s", NULL), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_attrs_set_ints(a, "is", NULL, 2), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_attrs_set_floats(a, "fs", NULL, 2), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_attrs_set_strings(a, "ss", NULL, 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_attrs_set_tensor(a, "t", NULL), PLX_ERR_INVALID_ARGUMENT);

    plx_attrs_release(a);
    CHECK_EQ(deleted, 1);
    plx_attrs_release(NULL);
}

static void test_matmul(void) {
    int64_t sa[2] = {2, 3}, sb[2] = {3, 2};
    float va[6] = {1, 2, 3, 4, 5, 6}, vb[6] = {7, 8, 9, 10, 11, 12};
    plx_tensor *in[2] = {make_f32(sa, 2, va), make_f32(sb, 2, vb)};
    plx_tensor *out = NULL;
    CHECK_STATUS(call1("MatMul", in, 2, NULL, &out), PLX_OK);
    if (CHECK(out != NULL)) {
        const int64_t *s = plx_tensor_shape(out);
        CHECK(plx_tensor_rank(out) == 2 && s[0] == 2 && s[1] == 2);
        CHECK_EQ(plx_tensor_dtype(out), PLX_FLOAT32);
        const float *d = plx_tensor_data(out);
        CHECK_NEAR(d[0], 58);
        CHECK_NEAR(d[1], 64);
        CHECK_NEAR(d[2], 139);
        CHECK_NEAR(d[3], 154);
        plx_tensor_release(out);
    }

    /* 2x3 @ 2x3: inner dimensions differ. */
    plx_tensor *bad[2] = {in[0], in[0]};
    out = SENTINEL;
    CHECK_STATUS(call1("MatMul", bad, 2, NULL, &out), PLX_ERR_SHAPE_MISMATCH);
    CHECK(out == SENTINEL);
    plx_tensor_release(in[0]);
    plx_tensor_release(in[1]);
}

static void test_add(void) {
    int64_t sa[2] = {2, 3}, sb[1] = {3}, col[2] = {2, 1}, row[2] = {1, 3};
    float va[6] = {1, 2, 3, 4, 5, 6}, vb[3] = {10, 20, 30}, vc[2] = {1, 2};
    plx_tensor *in[2] = {make_f32(sa, 2, va), make_f32(sb, 1, vb)};
    plx_tensor *out = NULL;
    CHECK_STATUS(call1("Add", in, 2, NULL, &out), PLX_OK);
    if (CHECK(out != NULL)) {
        const int64_t *s = plx_tensor_shape(out);
        CHECK(plx_tensor_rank(out) == 2 && s[0] == 2 && s[1] == 3);
        const float *d = plx_tensor_data(out);
        float want[6] = {11, 22, 33, 14, 25, 36};
        for (int i = 0; i < 6; i++) CHECK_NEAR(d[i], want[i]);
        plx_tensor_release(out);
    }
    plx_tensor_release(in[0]);
    plx_tensor_release(in[1]);

    /* [2,1] + [1,3] broadcasts both ways to [2,3]. */
    in[0] = make_f32(col, 2, vc);
    in[1] = make_f32(row, 2, vb);
    out = NULL;
    CHECK_STATUS(plx_op_call(NULL, "Add", in, 2, NULL, &out, 1), PLX_OK);
    if (CHECK(out != NULL)) {
        const int64_t *s = plx_tensor_shape(out);
        CHECK(plx_tensor_rank(out) == 2 && s[0] == 2 && s[1] == 3);
        const float *d = plx_tensor_data(out);
        float want[6] = {11, 21, 31, 12, 22, 32};
        for (int i = 0; i < 6; i++) CHECK_NEAR(d[i], want[i]);
        plx_tensor_release(out);
    }
    plx_tensor_release(in[0]);
    plx_tensor_release(in[1]);
}

static void test_softmax(void) {
    int64_t shape[2] = {2, 3};
    float v[6] = {1, 2, 3, 1, 1, 1};
    plx_tensor *in[1] = {make_f32(shape, 2, v)};
    plx_attrs *a = NULL;
    CHECK_STATUS(plx_attrs_create(&a), PLX_OK);
    CHECK_STATUS(plx_attrs_set_int(a, "axis", 1), PLX_OK);
    plx_tensor *out = NULL;
    CHECK_STATUS(call1("Softmax", in, 1, a, &out), PLX_OK);
    if (CHECK(out != NULL)) {
        const float *d = plx_tensor_data(out);
        CHECK_NEAR(d[0] + d[1] + d[2], 1);
        CHECK_NEAR(d[3] + d[4] + d[5], 1);
        CHECK_NEAR(d[0], 0.09003057);
        CHECK_NEAR(d[2], 0.66524096);
        CHECK_NEAR(d[4], 1.0 / 3.0);
        plx_tensor_release(out);
    }
    plx_attrs_release(a);
    plx_tensor_release(in[0]);
}

static void test_gather(void) {
    int64_t sd[2] = {3, 2}, si[1] = {2};
    float vd[6] = {1, 2, 3, 4, 5, 6};
    int64_t vi[2] = {0, -1}; /* -1 is the last row */
    plx_tensor *in[2] = {make_f32(sd, 2, vd), NULL};
    CHECK_STATUS(plx_tensor_create(PLX_INT64, si, 1, vi, &in[1]), PLX_OK);
    plx_tensor *out = NULL;
    CHECK_STATUS(call1("Gather", in, 2, NULL, &out), PLX_OK);
    if (CHECK(out != NULL)) {
        const int64_t *s = plx_tensor_shape(out);
        CHECK(plx_tensor_rank(out) == 2 && s[0] == 2 && s[1] == 2);
        const float *d = plx_tensor_data(out);
        CHECK(d[0] == 1 && d[1] == 2 && d[2] == 5 && d[3] == 6);
        plx_tensor_release(out);
    }
    plx_tensor_release(in[0]);
    plx_tensor_release(in[1]);
}

static void test_call_errors(void) {
    int64_t shape[1] = {3};
    float v[3] = {1, 2, 3};
    int64_t iv[3] = {1, 2, 3};
    plx_tensor *x = make_f32(shape, 1, v), *i64 = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_INT64, shape, 1, iv, &i64), PLX_OK);
    plx_tensor *pair[2] = {x, x};
    plx_tensor *out = SENTINEL;

    CHECK_STATUS(call1("NoSuchOp", pair, 2, NULL, &out), PLX_ERR_NOT_FOUND);
    CHECK_CONTAINS(plx_last_error(), "NoSuchOp");
    CHECK_STATUS(plx_op_call("", NULL, pair, 2, NULL, &out, 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_op_call("", "Add", pair, 2, NULL, NULL, 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_op_call("", "Add", NULL, 2, NULL, &out, 1), PLX_ERR_INVALID_ARGUMENT);
    plx_tensor *missing[2] = {x, NULL};
    CHECK_STATUS(call1("Add", missing, 2, NULL, &out), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(call1("Add", pair, 1, NULL, &out), PLX_ERR_INVALID_ARGUMENT); /* arity */

    /* float32 + int64: refused with a code and a message naming both dtypes. */
    plx_tensor *mixed[2] = {x, i64};
    plx_status s = call1("Add", mixed, 2, NULL, &out);
    CHECK(s == PLX_ERR_DTYPE_MISMATCH || s == PLX_ERR_UNSUPPORTED);
    CHECK(contains_ci(plx_last_error(), "float"));
    CHECK(contains_ci(plx_last_error(), "int64"));

    plx_attrs *a = NULL;
    CHECK_STATUS(plx_attrs_create(&a), PLX_OK);
    CHECK_STATUS(plx_attrs_set_int(a, "bogus", 1), PLX_OK);
    CHECK_STATUS(call1("Add", pair, 2, a, &out), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "bogus");
    plx_attrs_release(a);

    CHECK(out == SENTINEL);
    plx_tensor_release(x);
    plx_tensor_release(i64);
}

static void test_settings(void) {
    CHECK_STATUS(plx_set_num_threads(-1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_set_num_threads(2), PLX_OK);
    CHECK_EQ(plx_num_threads(), 2);
    CHECK_STATUS(plx_set_num_threads(0), PLX_OK);
    CHECK(plx_num_threads() >= 1);
    CHECK_STATUS(plx_set_backend_order("cpu"), PLX_OK);
    CHECK_STATUS(plx_set_backend_order("no-such-backend,cpu"), PLX_OK);
    CHECK_STATUS(plx_set_backend_order(NULL), PLX_OK);
}

/* Sizes from outside never trap: a tensor larger than memory, or than the cap, is refused with
 * PLX_ERR_OUT_OF_MEMORY, and so is an op output sized by run-time data. */
static void test_allocation_cap(void) {
    int64_t huge = (int64_t)1 << 35, overflow[2] = {(int64_t)1 << 40, (int64_t)1 << 40};
    plx_tensor *t = SENTINEL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, &huge, 1, NULL, &t), PLX_ERR_OUT_OF_MEMORY);
    CHECK(t == SENTINEL);
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, overflow, 2, NULL, &t), PLX_ERR_INVALID_ARGUMENT);
    CHECK(t == SENTINEL);

    int64_t default_cap = plx_max_allocation_bytes();
    CHECK(default_cap >= ((int64_t)1 << 28));
    CHECK_STATUS(plx_set_max_allocation_bytes(-1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_set_max_allocation_bytes((int64_t)1 << 20), PLX_OK);
    CHECK_EQ(plx_max_allocation_bytes(), (int64_t)1 << 20);
    int64_t million = 1000000, small = 1000;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, &million, 1, NULL, &t), PLX_ERR_OUT_OF_MEMORY);
    CHECK_CONTAINS(plx_last_error(), "cap");
    CHECK(t == SENTINEL);
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, &small, 1, NULL, &t), PLX_OK);
    plx_tensor_release(t);

    /* An op whose output size comes from data: Expand to a million elements. */
    int64_t one = 1, target_shape[1] = {1000000};
    float value = 2;
    plx_tensor *inputs[2] = {NULL, NULL}, *out = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, &one, 1, &value, &inputs[0]), PLX_OK);
    CHECK_STATUS(plx_tensor_create(PLX_INT64, &one, 1, target_shape, &inputs[1]), PLX_OK);
    CHECK_STATUS(plx_op_call("", "Expand", inputs, 2, NULL, &out, 1), PLX_ERR_OUT_OF_MEMORY);
    CHECK(out == NULL);
    CHECK_STATUS(plx_set_max_allocation_bytes(0), PLX_OK);
    CHECK_EQ(plx_max_allocation_bytes(), default_cap);
    CHECK_STATUS(plx_op_call("", "Expand", inputs, 2, NULL, &out, 1), PLX_OK);
    CHECK_EQ(plx_tensor_numel(out), 1000000);
    plx_tensor_release(out);
    plx_tensor_release(inputs[0]);
    plx_tensor_release(inputs[1]);
}

static void test_plugins(void) {
    size_t n = plx_plugin_count();
    CHECK(n >= 1);
    if (n >= 1) {
        CHECK(plx_plugin_name(0) != NULL);
        CHECK(plx_plugin_version(0) != NULL);
        CHECK(plx_plugin_path(0) != NULL);
    }
    /* The cpu backend is among them, with its operators. */
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(plx_plugin_name(i), "cpu") == 0) {
            found = 1;
            CHECK(plx_plugin_op_count(i) >= 80);
        }
    }
    CHECK(found);
    CHECK(plx_plugin_name(n) == NULL);
    CHECK(plx_plugin_version(n) == NULL);
    CHECK(plx_plugin_path(n) == NULL);
    CHECK_EQ(plx_plugin_op_count(n), -1);
    CHECK(plx_plugin_name((size_t)-1) == NULL);
}

int main(void) {
    test_versions(); /* first: checks that no error is recorded yet */
    test_create();
    test_create_errors();
    test_strings();
    test_wrap();
    test_attrs();
    test_matmul();
    test_add();
    test_softmax();
    test_gather();
    test_call_errors();
    test_settings();
    test_allocation_cap();
    test_plugins();
    return check_finish();
}
