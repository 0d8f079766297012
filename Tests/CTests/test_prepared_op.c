/*
 * test_prepared_op.c - plx_op_prepare / plx_prepared_op_call / _retain / _release: results equal
 * plx_op_call's, arity and attribute errors at prepare time, per-call errors with outputs left
 * untouched, NULL handling, the attribute snapshot (changing or freeing the attrs after prepare
 * changes nothing), one prepared op across dtypes, optional inputs, autograd recording, many
 * threads calling one prepared op, and reference counting. Every handle is released, so the
 * program is clean under valgrind --leak-check=full.
 */
#include "check.h"

#include <pthread.h>
#include <stdint.h>

/* An address that no call may write into an out-parameter on failure. */
static int sentinel_storage;
#define SENTINEL ((void *)&sentinel_storage)

static plx_tensor *make_f32(const int64_t *shape, size_t rank, const float *data) {
    plx_tensor *t = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, shape, rank, data, &t), PLX_OK);
    return t;
}

static const float *floats(plx_tensor *t) { return (const float *)plx_tensor_data(t); }

static void test_matches_op_call(void) {
    int64_t shape[2] = {1, 16};
    float x[16], y[16];
    for (int i = 0; i < 16; i++) {
        x[i] = (float)i * 0.5f;
        y[i] = 3.0f - (float)i;
    }
    plx_tensor *inputs[2] = {make_f32(shape, 2, x), make_f32(shape, 2, y)};
    plx_prepared_op *add = NULL;
    CHECK_STATUS(plx_op_prepare(NULL, "Add", 2, NULL, 1, &add), PLX_OK);
    CHECK(add != NULL);
    plx_tensor *prepared = NULL, *direct = NULL;
    CHECK_STATUS(plx_prepared_op_call(add, inputs, 2, &prepared, 1), PLX_OK);
    CHECK_STATUS(plx_op_call("", "Add", inputs, 2, NULL, &direct, 1), PLX_OK);
    if (CHECK(prepared != NULL && direct != NULL)) {
        CHECK_EQ(plx_tensor_rank(prepared), 2);
        CHECK_EQ(plx_tensor_numel(prepared), 16);
        CHECK(memcmp(floats(prepared), floats(direct), 16 * sizeof(float)) == 0);
        CHECK_NEAR(floats(prepared)[5], 2.5f + -2.0f);
    }
    /* A second call gives a new tensor, equal to the first. */
    plx_tensor *again = NULL;
    CHECK_STATUS(plx_prepared_op_call(add, inputs, 2, &again, 1), PLX_OK);
    CHECK(again != NULL && again != prepared);
    if (again && prepared) CHECK(memcmp(floats(again), floats(prepared), 16 * sizeof(float)) == 0);
    /* The domain may be spelled "" or NULL. */
    plx_prepared_op *add_empty_domain = NULL;
    CHECK_STATUS(plx_op_prepare("", "Add", 2, NULL, 1, &add_empty_domain), PLX_OK);
    plx_prepared_op_release(add_empty_domain);
    plx_tensor_release(again);
    plx_tensor_release(prepared);
    plx_tensor_release(direct);
    plx_prepared_op_release(add);
    plx_tensor_release(inputs[0]);
    plx_tensor_release(inputs[1]);
}

static void test_prepare_errors(void) {
    plx_prepared_op *op = SENTINEL;
    CHECK_STATUS(plx_op_prepare("", NULL, 2, NULL, 1, &op), PLX_ERR_INVALID_ARGUMENT);
    CHECK(op == SENTINEL);
    CHECK_STATUS(plx_op_prepare("", "Add", 2, NULL, 1, NULL), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_op_prepare("", "NoSuchOp", 1, NULL, 1, &op), PLX_ERR_NOT_FOUND);
    CHECK_CONTAINS(plx_last_error(), "NoSuchOp");
    CHECK(op == SENTINEL);
    CHECK_STATUS(plx_op_prepare("no.such.domain", "Add", 2, NULL, 1, &op), PLX_ERR_NOT_FOUND);
    /* Arity: Add takes exactly two inputs and gives one output. */
    CHECK_STATUS(plx_op_prepare("", "Add", 1, NULL, 1, &op), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "Add");
    CHECK_STATUS(plx_op_prepare("", "Add", 3, NULL, 1, &op), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_op_prepare("", "Add", 2, NULL, 2, &op), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_op_prepare("", "Add", 2, NULL, 0, &op), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_op_prepare("", "Add", SIZE_MAX, NULL, 1, &op), PLX_ERR_INVALID_ARGUMENT);
    CHECK(op == SENTINEL);
    /* Attributes are validated at prepare time: unknown names, wrong kinds. */
    plx_attrs *attrs = NULL;
    CHECK_STATUS(plx_attrs_create(&attrs), PLX_OK);
    CHECK_STATUS(plx_attrs_set_int(attrs, "bogus", 1), PLX_OK);
    CHECK_STATUS(plx_op_prepare("", "Softmax", 1, attrs, 1, &op), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "bogus");
    plx_attrs_release(attrs);
    CHECK_STATUS(plx_attrs_create(&attrs), PLX_OK);
    CHECK_STATUS(plx_attrs_set_float(attrs, "axis", 1.0), PLX_OK);
    CHECK_STATUS(plx_op_prepare("", "Softmax", 1, attrs, 1, &op), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "axis");
    CHECK(op == SENTINEL);
    plx_attrs_release(attrs);
}

static void test_call_errors(void) {
    int64_t shape_a[2] = {2, 3}, shape_b[1] = {4};
    float a[6] = {0}, b[4] = {0};
    plx_tensor *inputs[2] = {make_f32(shape_a, 2, a), make_f32(shape_b, 1, b)};
    plx_prepared_op *add = NULL;
    CHECK_STATUS(plx_op_prepare("", "Add", 2, NULL, 1, &add), PLX_OK);
    plx_tensor *out = SENTINEL;
    /* Shapes are the call's business: [2,3] + [4] does not broadcast. */
    CHECK_STATUS(plx_prepared_op_call(add, inputs, 2, &out, 1), PLX_ERR_SHAPE_MISMATCH);
    CHECK(out == SENTINEL);
    /* Counts must equal the prepared ones. */
    CHECK_STATUS(plx_prepared_op_call(add, inputs, 1, &out, 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "prepared for 2 inputs");
    plx_tensor *outs[2] = {SENTINEL, SENTINEL};
    CHECK_STATUS(plx_prepared_op_call(add, inputs, 2, outs, 2), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "prepared for 1 outputs");
    CHECK(outs[0] == SENTINEL && outs[1] == SENTINEL);
    /* NULLs. */
    CHECK_STATUS(plx_prepared_op_call(NULL, inputs, 2, &out, 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_prepared_op_call(add, NULL, 2, &out, 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_prepared_op_call(add, inputs, 2, NULL, 1), PLX_ERR_INVALID_ARGUMENT);
    plx_tensor *missing[2] = {inputs[0], NULL};
    CHECK_STATUS(plx_prepared_op_call(add, missing, 2, &out, 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "required");
    CHECK(out == SENTINEL);
    /* A dtype no kernel accepts: a string tensor. */
    const char *words[1] = {"x"};
    int64_t one[1] = {1};
    plx_tensor *text = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_STRING, one, 1, words, &text), PLX_OK);
    plx_tensor *texts[2] = {text, text};
    plx_status expected = plx_op_call("", "Add", texts, 2, NULL, &out, 1);
    CHECK(expected != PLX_OK);
    CHECK_STATUS(plx_prepared_op_call(add, texts, 2, &out, 1), expected);
    CHECK(out == SENTINEL);
    /* After errors, the prepared op still works. */
    plx_tensor *same[2] = {inputs[0], inputs[0]};
    CHECK_STATUS(plx_prepared_op_call(add, same, 2, &out, 1), PLX_OK);
    if (out != SENTINEL) plx_tensor_release(out);
    plx_tensor_release(text);
    plx_prepared_op_release(add);
    plx_tensor_release(inputs[0]);
    plx_tensor_release(inputs[1]);
    /* retain and release accept NULL. */
    plx_prepared_op_retain(NULL);
    plx_prepared_op_release(NULL);
}

static void test_attribute_snapshot(void) {
    plx_attrs *attrs = NULL;
    CHECK_STATUS(plx_attrs_create(&attrs), PLX_OK);
    CHECK_STATUS(plx_attrs_set_float(attrs, "alpha", 0.5), PLX_OK);
    plx_prepared_op *leaky = NULL;
    CHECK_STATUS(plx_op_prepare("", "LeakyRelu", 1, attrs, 1, &leaky), PLX_OK);
    /* Changing the set after prepare does not change the op... */
    CHECK_STATUS(plx_attrs_set_float(attrs, "alpha", 0.1), PLX_OK);
    int64_t shape[1] = {2};
    float x[2] = {-4.0f, 3.0f};
    plx_tensor *input = make_f32(shape, 1, x);
    plx_tensor *out = NULL;
    CHECK_STATUS(plx_prepared_op_call(leaky, &input, 1, &out, 1), PLX_OK);
    if (CHECK(out != NULL)) {
        CHECK_NEAR(floats(out)[0], -2.0f);
        CHECK_NEAR(floats(out)[1], 3.0f);
        plx_tensor_release(out);
    }
    /* ...nor does freeing it. */
    plx_attrs_release(attrs);
    CHECK_STATUS(plx_prepared_op_call(leaky, &input, 1, &out, 1), PLX_OK);
    if (CHECK(out != NULL)) {
        CHECK_NEAR(floats(out)[0], -2.0f);
        plx_tensor_release(out);
    }
    /* A tensor attribute is held by the prepared op, not borrowed from the set. */
    int64_t dims[1] = {2};
    float seven[1] = {7.0f};
    int64_t value_shape[1] = {1};
    plx_tensor *value = make_f32(value_shape, 1, seven);
    plx_tensor *shape_tensor = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_INT64, value_shape, 1, dims, &shape_tensor), PLX_OK);
    CHECK_STATUS(plx_attrs_create(&attrs), PLX_OK);
    CHECK_STATUS(plx_attrs_set_tensor(attrs, "value", value), PLX_OK);
    plx_prepared_op *fill = NULL;
    CHECK_STATUS(plx_op_prepare("", "ConstantOfShape", 1, attrs, 1, &fill), PLX_OK);
    plx_attrs_release(attrs);
    plx_tensor_release(value);
    CHECK_STATUS(plx_prepared_op_call(fill, &shape_tensor, 1, &out, 1), PLX_OK);
    if (CHECK(out != NULL)) {
        CHECK_EQ(plx_tensor_numel(out), 2);
        CHECK_NEAR(floats(out)[1], 7.0f);
        plx_tensor_release(out);
    }
    plx_prepared_op_release(fill);
    plx_tensor_release(shape_tensor);
    plx_tensor_release(input);
    plx_prepared_op_release(leaky);
}

static void test_dtypes_optional_inputs_and_autograd(void) {
    plx_prepared_op *add = NULL;
    CHECK_STATUS(plx_op_prepare("", "Add", 2, NULL, 1, &add), PLX_OK);
    int64_t shape[1] = {3};
    int64_t ints[3] = {1, 2, 3};
    plx_tensor *i = NULL, *out = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_INT64, shape, 1, ints, &i), PLX_OK);
    plx_tensor *int_inputs[2] = {i, i};
    CHECK_STATUS(plx_prepared_op_call(add, int_inputs, 2, &out, 1), PLX_OK);
    if (CHECK(out != NULL)) {
        CHECK_EQ(plx_tensor_dtype(out), PLX_INT64);
        CHECK_EQ(((const int64_t *)plx_tensor_data(out))[2], 6);
        plx_tensor_release(out);
    }
    /* Autograd records a prepared call like any other. */
    float x[3] = {1.0f, 2.0f, 3.0f};
    plx_tensor *leaf = make_f32(shape, 1, x);
    CHECK_STATUS(plx_tensor_set_requires_grad(leaf, 1), PLX_OK);
    plx_tensor *float_inputs[2] = {leaf, leaf};
    CHECK_STATUS(plx_prepared_op_call(add, float_inputs, 2, &out, 1), PLX_OK);
    if (CHECK(out != NULL)) {
        CHECK_EQ(plx_tensor_requires_grad(out), 1);
        CHECK_STATUS(plx_tensor_backward(out, NULL), PLX_OK);
        plx_tensor *grad = plx_tensor_grad(leaf);
        if (CHECK(grad != NULL)) CHECK_NEAR(floats(grad)[1], 2.0f);
        plx_tensor_release(out);
    }
    plx_tensor_release(leaf);
    /* Optional inputs: Clip with min and max omitted (NULL) is the identity. */
    plx_prepared_op *clip = NULL;
    CHECK_STATUS(plx_op_prepare("", "Clip", 3, NULL, 1, &clip), PLX_OK);
    plx_tensor *plain = make_f32(shape, 1, x);
    plx_tensor *clip_inputs[3] = {plain, NULL, NULL};
    CHECK_STATUS(plx_prepared_op_call(clip, clip_inputs, 3, &out, 1), PLX_OK);
    if (CHECK(out != NULL)) {
        CHECK_NEAR(floats(out)[2], 3.0f);
        plx_tensor_release(out);
    }
    plx_prepared_op_release(clip);
    plx_tensor_release(plain);
    plx_tensor_release(i);
    plx_prepared_op_release(add);
}

enum { THREADS = 4, CALLS_PER_THREAD = 400 };

typedef struct {
    plx_prepared_op *op;
    float offset;
    int failures;
} worker_state;

static void *worker(void *arg) {
    worker_state *state = arg;
    int64_t shape[2] = {1, 16};
    float x[16], y[16];
    for (int i = 0; i < 16; i++) {
        x[i] = state->offset + (float)i;
        y[i] = state->offset * 2.0f;
    }
    plx_tensor *inputs[2] = {NULL, NULL};
    if (plx_tensor_create(PLX_FLOAT32, shape, 2, x, &inputs[0]) != PLX_OK ||
        plx_tensor_create(PLX_FLOAT32, shape, 2, y, &inputs[1]) != PLX_OK) {
        state->failures++;
        plx_tensor_release(inputs[0]);
        return NULL;
    }
    /* Each thread holds a reference of its own while it works. */
    plx_prepared_op_retain(state->op);
    for (int call = 0; call < CALLS_PER_THREAD; call++) {
        plx_tensor *out = NULL;
        if (plx_prepared_op_call(state->op, inputs, 2, &out, 1) != PLX_OK || out == NULL) {
            state->failures++;
            continue;
        }
        const float *values = floats(out);
        for (int i = 0; i < 16; i++)
            if (values[i] != x[i] + y[i]) state->failures++;
        plx_tensor_release(out);
    }
    plx_prepared_op_release(state->op);
    plx_tensor_release(inputs[0]);
    plx_tensor_release(inputs[1]);
    return NULL;
}

static void test_threads_and_references(void) {
    plx_prepared_op *add = NULL;
    CHECK_STATUS(plx_op_prepare("", "Add", 2, NULL, 1, &add), PLX_OK);
    if (!add) return;
    pthread_t threads[THREADS];
    worker_state states[THREADS];
    for (int t = 0; t < THREADS; t++) {
        states[t] = (worker_state){add, (float)t * 100.0f, 0};
        CHECK_EQ(pthread_create(&threads[t], NULL, worker, &states[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        CHECK_EQ(pthread_join(threads[t], NULL), 0);
        CHECK_EQ(states[t].failures, 0);
    }
    /* A retained reference keeps the op alive after the creator's release. */
    plx_prepared_op_retain(add);
    plx_prepared_op_release(add);
    int64_t shape[1] = {1};
    float one[1] = {1.0f};
    plx_tensor *input = make_f32(shape, 1, one);
    plx_tensor *inputs[2] = {input, input}, *out = NULL;
    CHECK_STATUS(plx_prepared_op_call(add, inputs, 2, &out, 1), PLX_OK);
    if (CHECK(out != NULL)) {
        CHECK_NEAR(floats(out)[0], 2.0f);
        plx_tensor_release(out);
    }
    plx_tensor_release(input);
    plx_prepared_op_release(add);
}

int main(void) {
    test_matches_op_call();
    test_prepare_errors();
    test_call_errors();
    test_attribute_snapshot();
    test_dtypes_optional_inputs_and_autograd();
    test_threads_and_references();
    return check_finish();
}
