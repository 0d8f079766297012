/*
 * test_export_trace.c - exporting a computation the caller runs itself (plx_onnx_trace_*), a
 * layer's buffers and the list of layer types, through the C ABI alone: a traced layer forward
 * gives the same bytes as plx_onnx_export, and each call's errors are clear.
 * Usage: test_export_trace SCRATCH_DIR
 */
#include <stdlib.h>
#include "check.h"

static plx_tensor *matrix(int64_t rows, int64_t columns) {
    int64_t shape[2] = {rows, columns};
    float values[64] = {0};
    for (int i = 0; i < rows * columns && i < 64; i++) values[i] = 0.25f * (float)i - 1.0f;
    plx_tensor *t = NULL;
    plx_tensor_create(PLX_FLOAT32, shape, 2, values, &t);
    return t;
}

static plx_layer *layer(const char *type, const char *int_attr, int64_t value, const char *second, int64_t second_value) {
    plx_attrs *attrs = NULL;
    plx_attrs_create(&attrs);
    if (int_attr) plx_attrs_set_int(attrs, int_attr, value);
    if (second) plx_attrs_set_int(attrs, second, second_value);
    plx_layer *out = NULL;
    CHECK_STATUS(plx_layer_create(type, attrs, &out), PLX_OK);
    plx_attrs_release(attrs);
    return out;
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)length);
    *size = fread(data, 1, (size_t)length, file);
    fclose(file);
    return data;
}

static void test_layer_types(void) {
    size_t count = plx_layer_type_count();
    CHECK(count > 0);
    int found_linear = 0;
    for (size_t i = 0; i < count; i++) {
        const char *name = plx_layer_type_name(i);
        if (!CHECK(name != NULL)) break;
        if (strcmp(name, "Linear") == 0) found_linear = 1;
        if (i > 0) CHECK(strcmp(plx_layer_type_name(i - 1), name) < 0);  /* sorted */
    }
    CHECK(found_linear);
    CHECK(plx_layer_type_name(count) == NULL);
}

static void test_buffers(void) {
    plx_layer *norm = layer("BatchNorm1d", "num_features", 3, NULL, 0);
    size_t count = plx_layer_buffer_count(norm);
    CHECK(count >= 2);
    plx_tensor *buffers[8] = {NULL};
    CHECK_STATUS(plx_layer_buffers(norm, buffers, count), PLX_OK);
    int found_mean = 0;
    for (size_t i = 0; i < count; i++) {
        CHECK(buffers[i] != NULL);
        if (strcmp(plx_layer_buffer_name(norm, i), "running_mean") == 0) {
            found_mean = 1;
            CHECK_EQ(plx_tensor_numel(buffers[i]), 3);
        }
    }
    CHECK(found_mean);
    CHECK(plx_layer_buffer_name(norm, count) == NULL);
    CHECK_STATUS(plx_layer_buffers(norm, buffers, count + 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_layer_buffers(norm, NULL, 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_layer_buffers(NULL, buffers, 0), PLX_ERR_INVALID_ARGUMENT);
    CHECK_EQ(plx_layer_buffer_count(NULL), 0);
    plx_layer *linear = layer("Linear", "in_features", 2, "out_features", 2);
    CHECK_EQ(plx_layer_buffer_count(linear), 0);
    CHECK_STATUS(plx_layer_buffers(linear, NULL, 0), PLX_OK);
    plx_layer_release(linear);
    plx_layer_release(norm);
}

/* A traced Linear forward is the same model, byte for byte, as plx_onnx_export of the layer. */
static void test_trace_matches_export(const char *scratch) {
    plx_layer *linear = layer("Linear", "in_features", 4, "out_features", 3);
    plx_tensor *x = matrix(2, 4);
    char path[4096];
    snprintf(path, sizeof path, "%s/export_trace_linear.onnx", scratch);
    CHECK_STATUS(plx_onnx_export(linear, &x, 1, path, NULL), PLX_OK);
    size_t expected_size = 0;
    unsigned char *expected = read_file(path, &expected_size);
    CHECK(expected != NULL && expected_size > 0);

    plx_onnx_trace *trace = NULL;
    CHECK_STATUS(plx_onnx_trace_begin(&x, 1, NULL, &trace), PLX_OK);
    size_t count = plx_layer_parameter_count(linear);
    plx_tensor *parameters[4] = {NULL};
    CHECK_STATUS(plx_layer_parameters(linear, parameters, count), PLX_OK);
    for (size_t i = 0; i < count; i++) CHECK_STATUS(plx_onnx_trace_name(trace, parameters[i], plx_layer_parameter_name(linear, i)), PLX_OK);
    CHECK_STATUS(plx_layer_set_training(linear, 0), PLX_OK);
    plx_tensor *y = NULL, *model = NULL;
    CHECK_STATUS(plx_layer_forward(linear, &x, 1, &y, 1), PLX_OK);
    CHECK_STATUS(plx_onnx_trace_end(trace, &y, 1, &model), PLX_OK);
    if (CHECK(model != NULL)) {
        CHECK_EQ(plx_tensor_dtype(model), PLX_UINT8);
        CHECK_EQ(plx_tensor_numel(model), (long long)expected_size);
        CHECK(expected && memcmp(plx_tensor_data(model), expected, expected_size) == 0);
    }
    CHECK_STATUS(plx_onnx_trace_end(trace, &y, 1, &model), PLX_ERR_INVALID_ARGUMENT);  /* a trace ends once */
    plx_onnx_trace_release(trace);
    free(expected);
    plx_tensor_release(model);
    plx_tensor_release(y);
    plx_tensor_release(x);
    plx_layer_release(linear);
}

static void test_trace_errors(void) {
    plx_tensor *x = matrix(1, 2);
    plx_onnx_trace *trace = NULL, *second = NULL;
    plx_attrs *attrs = NULL;
    plx_attrs_create(&attrs);
    plx_attrs_set_int(attrs, "opset", 12);
    CHECK_STATUS(plx_onnx_trace_begin(&x, 1, attrs, &trace), PLX_ERR_UNSUPPORTED);
    CHECK(trace == NULL);
    plx_attrs_set_int(attrs, "opset", 17);
    plx_attrs_set_int(attrs, "no_such_option", 1);
    CHECK_STATUS(plx_onnx_trace_begin(&x, 1, attrs, &trace), PLX_ERR_INVALID_ARGUMENT);
    plx_attrs_release(attrs);
    CHECK_STATUS(plx_onnx_trace_begin(&x, 1, NULL, NULL), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_onnx_trace_begin(NULL, 1, NULL, &trace), PLX_ERR_INVALID_ARGUMENT);

    CHECK_STATUS(plx_onnx_trace_begin(&x, 1, NULL, &trace), PLX_OK);
    CHECK_STATUS(plx_onnx_trace_begin(&x, 1, NULL, &second), PLX_ERR_INVALID_ARGUMENT);  /* one per thread */
    CHECK_CONTAINS(plx_last_error(), "already");
    CHECK_STATUS(plx_onnx_trace_name(trace, x, ""), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_onnx_trace_name(trace, NULL, "w"), PLX_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(plx_onnx_trace_name(NULL, x, "w"), PLX_ERR_INVALID_ARGUMENT);
    plx_tensor *model = NULL;
    CHECK_STATUS(plx_onnx_trace_end(NULL, &x, 1, &model), PLX_ERR_INVALID_ARGUMENT);
    plx_onnx_trace_release(trace);  /* stops the unfinished trace: this thread may trace again */
    CHECK_STATUS(plx_onnx_trace_begin(&x, 1, NULL, &trace), PLX_OK);
    CHECK_STATUS(plx_onnx_trace_end(trace, &x, 1, NULL), PLX_ERR_INVALID_ARGUMENT);  /* ends it anyway */
    plx_onnx_trace_release(trace);

    /* An output that is the input itself is copied through Identity; names must match the count. */
    plx_attrs_create(&attrs);
    const char *two[2] = {"a", "b"};
    plx_attrs_set_strings(attrs, "output_names", two, 2);
    CHECK_STATUS(plx_onnx_trace_begin(&x, 1, attrs, &trace), PLX_OK);
    CHECK_STATUS(plx_onnx_trace_end(trace, &x, 1, &model), PLX_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(plx_last_error(), "output names");
    plx_onnx_trace_release(trace);
    plx_attrs_release(attrs);
    plx_onnx_trace_release(NULL);
    plx_tensor_release(x);
}

int main(int argc, char **argv) {
    const char *scratch = argc > 1 ? argv[1] : ".";
    test_layer_types();
    test_buffers();
    test_trace_matches_export(scratch);
    test_trace_errors();
    return check_finish();
}
