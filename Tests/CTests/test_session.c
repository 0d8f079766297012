/*
 * test_session.c - ONNX inference through the C ABI: a model loaded from a file, from memory
 * and with external data, run and checked against values computed here; its metadata; and the
 * errors for garbage, truncated and cyclic models and for wrong feeds.
 * Usage: test_session FIXTURE_DIR   (Tests/fixtures, see make_models.py)
 */
#include <stdint.h>
#include <stdlib.h>
#include "check.h"

static const float W[3][2] = {{1, 2}, {3, 4}, {5, 6}};
static const float B[2] = {-10, 0.5f};

static char *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *bytes = malloc((size_t)length);
    *size = fread(bytes, 1, (size_t)length, file);
    fclose(file);
    return bytes;
}

/* Runs the affine model on a 2x3 input and checks y = relu(x·W + b). */
static void check_affine(plx_session *s) {
    float xs[6] = {1, 2, 3, -1, 0.5f, 2};
    int64_t shape[2] = {2, 3};
    plx_tensor *x = NULL, *y = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT32, shape, 2, xs, &x), PLX_OK);
    const char *in[1] = {"x"};
    CHECK_STATUS(plx_session_run(s, in, &x, 1, NULL, &y, 1), PLX_OK);
    if (CHECK(y != NULL)) {
        CHECK_EQ(plx_tensor_rank(y), 2);
        CHECK_EQ(plx_tensor_shape(y)[0], 2);
        const float *ys = plx_tensor_data(y);
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 2; c++) {
                float z = B[c];
                for (int k = 0; k < 3; k++) z += xs[r * 3 + k] * W[k][c];
                CHECK_NEAR(ys[r * 2 + c], z > 0 ? z : 0);
            }
    }
    plx_tensor_release(y);
    plx_tensor_release(x);
}

/* A session with `options` (memory caps) refuses a 1000-row batch with PLX_ERR_OUT_OF_MEMORY and
 * a message naming `cap`, then runs a small batch. */
static void check_capped(const void *bytes, size_t size, const plx_session_options *options, const char *cap) {
    plx_session *s = NULL;
    CHECK_STATUS(plx_session_create_from_memory(bytes, size, options, &s), PLX_OK);
    if (!s) return;
    int64_t big_shape[2] = {1000, 3};
    plx_tensor *x = NULL, *y = NULL;
    plx_tensor_create(PLX_FLOAT32, big_shape, 2, NULL, &x);
    const char *in[1] = {"x"};
    CHECK_STATUS(plx_session_run(s, in, &x, 1, NULL, &y, 1), PLX_ERR_OUT_OF_MEMORY);
    CHECK_CONTAINS(plx_last_error(), cap);
    CHECK(y == NULL);
    plx_tensor_release(x);
    check_affine(s);
    plx_session_release(s);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/affine_relu.onnx", argv[1]);

    plx_session *s = NULL;
    CHECK_STATUS(plx_session_create(path, NULL, &s), PLX_OK);
    if (!s) return check_finish();
    check_affine(s);
    CHECK_EQ(plx_session_input_count(s), 1);
    CHECK_EQ(plx_session_output_count(s), 1);
    CHECK(strcmp(plx_session_input_name(s, 0), "x") == 0);
    CHECK(strcmp(plx_session_output_name(s, 0), "y") == 0);
    CHECK(plx_session_input_name(s, 1) == NULL);
    CHECK_EQ(plx_session_input_dtype(s, 0), PLX_FLOAT32);
    int64_t dims[4];
    size_t rank = 0;
    CHECK_STATUS(plx_session_shape(s, 0, 0, dims, 4, &rank), PLX_OK);
    CHECK_EQ(rank, 2);
    CHECK_EQ(dims[0], -1);
    CHECK_EQ(dims[1], 3);
    CHECK(strcmp(plx_session_dim_name(s, 0, 0, 0), "batch") == 0);
    CHECK(plx_session_dim_name(s, 0, 0, 1) == NULL);
    CHECK_STATUS(plx_session_shape(s, 1, 5, dims, 4, &rank), PLX_ERR_INVALID_ARGUMENT);

    /* Wrong feeds. */
    int64_t bad_shape[2] = {2, 4};
    plx_tensor *x = NULL, *y = NULL;
    plx_tensor_create(PLX_FLOAT32, bad_shape, 2, NULL, &x);
    const char *in[1] = {"x"}, *unknown[1] = {"nope"}, *out_names[1] = {"missing_output"};
    CHECK_STATUS(plx_session_run(s, in, &x, 1, NULL, &y, 1), PLX_ERR_SHAPE_MISMATCH);
    CHECK_CONTAINS(plx_last_error(), "input 'x'");
    plx_tensor_release(x);
    int64_t good_shape[2] = {1, 3};
    plx_tensor_create(PLX_INT64, good_shape, 2, NULL, &x);
    CHECK_STATUS(plx_session_run(s, in, &x, 1, NULL, &y, 1), PLX_ERR_DTYPE_MISMATCH);
    plx_tensor_release(x);
    plx_tensor_create(PLX_FLOAT32, good_shape, 2, NULL, &x);
    CHECK_STATUS(plx_session_run(s, unknown, &x, 1, NULL, &y, 1), PLX_ERR_NOT_FOUND);
    CHECK_STATUS(plx_session_run(s, NULL, NULL, 0, NULL, &y, 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "was not given");
    CHECK_STATUS(plx_session_run(s, in, &x, 1, out_names, &y, 1), PLX_ERR_NOT_FOUND);
    CHECK(y == NULL);
    plx_tensor_release(x);
    plx_session_release(s);

    /* From memory, and with options. */
    size_t size = 0;
    char *bytes = read_file(path, &size);
    plx_session_options options = {.struct_size = sizeof options, .intra_op_num_threads = 1, .backend_order = "cpu"};
    s = NULL;
    CHECK_STATUS(plx_session_create_from_memory(bytes, size, &options, &s), PLX_OK);
    if (s) check_affine(s);
    plx_session_release(s);
    s = NULL;
    CHECK_STATUS(plx_session_create_from_memory(bytes, size / 2, NULL, &s), PLX_ERR_INVALID_ARGUMENT);  /* truncated */
    CHECK(s == NULL);
    CHECK_STATUS(plx_session_create_from_memory("garbage!", 8, NULL, &s), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_session_create_from_memory(NULL, 0, NULL, &s), PLX_ERR_INVALID_ARGUMENT);

    /* Memory caps: a batch whose intermediates exceed the session's arena cap, or its cap on one
     * allocation, fails with PLX_ERR_OUT_OF_MEMORY; the same session runs a small batch. */
    plx_session_options capped = {.struct_size = sizeof capped, .max_arena_bytes = 6000};
    check_capped(bytes, size, &capped, "max_arena_bytes");
    capped = (plx_session_options){.struct_size = sizeof capped, .max_allocation_bytes = 4096};
    check_capped(bytes, size, &capped, "max_allocation_bytes");
    capped = (plx_session_options){.struct_size = sizeof capped, .max_arena_bytes = -1};
    CHECK_STATUS(plx_session_create_from_memory(bytes, size, &capped, &s), PLX_ERR_INVALID_ARGUMENT);
    /* A struct from before the caps (ABI version 1) is still accepted. */
    capped = (plx_session_options){.struct_size = offsetof(plx_session_options, max_allocation_bytes), .max_arena_bytes = 1};
    s = NULL;
    CHECK_STATUS(plx_session_create_from_memory(bytes, size, &capped, &s), PLX_OK);
    if (s) check_affine(s);
    plx_session_release(s);
    free(bytes);

    /* External data next to the model file. */
    snprintf(path, sizeof path, "%s/external_data.onnx", argv[1]);
    CHECK_STATUS(plx_session_create(path, NULL, &s), PLX_OK);
    if (s) check_affine(s);
    plx_session_release(s);

    /* Files that are not models. */
    snprintf(path, sizeof path, "%s/cycle.onnx", argv[1]);
    s = NULL;
    CHECK_STATUS(plx_session_create(path, NULL, &s), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "cycle");
    snprintf(path, sizeof path, "%s/make_models.py", argv[1]);
    CHECK_STATUS(plx_session_create(path, NULL, &s), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_session_create("/nonexistent/model.onnx", NULL, &s), PLX_ERR_IO);
    CHECK(s == NULL);
    return check_finish();
}
