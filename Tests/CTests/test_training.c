/*
 * test_training.c - training through the C ABI alone: autograd on plain tensors, a small MLP
 * (Linear-ReLU-Linear in a sequential container) trained with cross-entropy and Adam on two
 * interleaved clusters until its loss falls, checkpoints, and the errors of each call.
 * Usage: test_training SCRATCH_DIR
 */
#include <math.h>
#include <stdlib.h>
#include "check.h"

static plx_tensor *tensor2(plx_dtype dtype, int64_t rows, int64_t columns, const void *data) {
    int64_t shape[2] = {rows, columns};
    plx_tensor *t = NULL;
    plx_tensor_create(dtype, shape, columns < 0 ? 1 : 2, data, &t);
    return t;
}

static void test_autograd(void) {
    int64_t shape[1] = {3};
    double xs[3] = {1, 2, 3};
    plx_tensor *x = NULL, *y = NULL, *sum = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_FLOAT64, shape, 1, xs, &x), PLX_OK);
    CHECK_STATUS(plx_tensor_backward(x, NULL), PLX_ERR_INVALID_ARGUMENT);  /* does not require grad */
    CHECK_STATUS(plx_tensor_set_requires_grad(x, 1), PLX_OK);
    CHECK_EQ(plx_tensor_requires_grad(x), 1);
    plx_tensor *pair[2] = {x, x};
    CHECK_STATUS(plx_op_call("", "Mul", pair, 2, NULL, &y, 1), PLX_OK);
    CHECK_STATUS(plx_op_call("", "ReduceSum", &y, 1, NULL, &sum, 1), PLX_OK);
    CHECK_EQ(plx_tensor_requires_grad(sum), 1);
    CHECK_STATUS(plx_tensor_backward(sum, NULL), PLX_OK);
    plx_tensor *grad = plx_tensor_grad(x);
    if (CHECK(grad != NULL)) {
        const double *g = plx_tensor_data(grad);
        CHECK_NEAR(g[0], 2.0);
        CHECK_NEAR(g[2], 6.0);
    }
    plx_tensor_zero_grad(x);
    CHECK(plx_tensor_grad(x) == NULL);

    plx_tensor *z = NULL;
    plx_no_grad_begin();
    CHECK_STATUS(plx_op_call("", "Mul", pair, 2, NULL, &z, 1), PLX_OK);
    CHECK_STATUS(plx_no_grad_end(), PLX_OK);
    CHECK_EQ(plx_tensor_requires_grad(z), 0);
    CHECK_STATUS(plx_no_grad_end(), PLX_ERR_INVALID_ARGUMENT);

    int64_t ints[1] = {4};
    plx_tensor *i = NULL;
    CHECK_STATUS(plx_tensor_create(PLX_INT64, shape, 1, NULL, &i), PLX_OK);
    CHECK_STATUS(plx_tensor_set_requires_grad(i, 1), PLX_ERR_DTYPE_MISMATCH);
    (void)ints;
    plx_tensor *d = NULL;
    CHECK_STATUS(plx_tensor_detach(x, &d), PLX_OK);
    CHECK_EQ(plx_tensor_requires_grad(d), 0);
    CHECK(plx_tensor_data(d) == plx_tensor_data(x));
    plx_tensor_release(d);
    plx_tensor_release(i);
    plx_tensor_release(z);
    plx_tensor_release(sum);
    plx_tensor_release(y);
    plx_tensor_release(x);
}

static plx_layer *linear(int64_t in, int64_t out) {
    plx_attrs *attrs = NULL;
    plx_layer *layer = NULL;
    plx_attrs_create(&attrs);
    plx_attrs_set_int(attrs, "in_features", in);
    plx_attrs_set_int(attrs, "out_features", out);
    CHECK_STATUS(plx_layer_create("Linear", attrs, &layer), PLX_OK);
    plx_attrs_release(attrs);
    return layer;
}

static float cross_entropy(plx_layer *model, plx_tensor *x, plx_tensor *y, plx_tensor **loss_out) {
    plx_tensor *logits = NULL, *loss = NULL;
    if (plx_layer_forward(model, &x, 1, &logits, 1) != PLX_OK) return NAN;
    plx_status s = plx_loss("cross_entropy", logits, y, NULL, &loss);
    plx_tensor_release(logits);
    if (s != PLX_OK) return NAN;
    float value = *(float *)plx_tensor_data(loss);
    if (loss_out) *loss_out = loss; else plx_tensor_release(loss);
    return value;
}

static void test_mlp(const char *scratch) {
    plx_manual_seed(7);
    enum { N = 64 };
    float xs[N * 2];
    int64_t ys[N];
    for (int i = 0; i < N; i++) {  /* two interleaved arcs */
        double t = 3.0 * i / N;
        int label = i % 2;
        xs[2 * i] = (float)(cos(t + label * 3.14159) * (1 + 0.1 * t));
        xs[2 * i + 1] = (float)(sin(t + label * 3.14159) * (1 + 0.1 * t));
        ys[i] = label;
    }
    plx_tensor *x = tensor2(PLX_FLOAT32, N, 2, xs);
    int64_t yshape[1] = {N};
    plx_tensor *y = NULL;
    plx_tensor_create(PLX_INT64, yshape, 1, ys, &y);

    plx_layer *relu = NULL;
    CHECK_STATUS(plx_layer_create("ReLU", NULL, &relu), PLX_OK);
    plx_layer *parts[3] = {linear(2, 16), relu, linear(16, 2)};
    plx_layer *model = NULL;
    CHECK_STATUS(plx_sequential_create(parts, 3, &model), PLX_OK);
    for (int i = 0; i < 3; i++) plx_layer_release(parts[i]);  /* the container holds them */

    size_t count = plx_layer_parameter_count(model);
    CHECK_EQ(count, 4);
    plx_tensor *params[4] = {0};
    CHECK_STATUS(plx_layer_parameters(model, params, count), PLX_OK);
    CHECK_STATUS(plx_layer_parameters(model, params, count + 1), PLX_ERR_INVALID_ARGUMENT);
    CHECK(strcmp(plx_layer_parameter_name(model, 0), "0.weight") == 0);
    CHECK(strcmp(plx_layer_parameter_name(model, 3), "2.bias") == 0);
    CHECK(plx_layer_parameter_name(model, 4) == NULL);

    plx_attrs *options = NULL;
    plx_attrs_create(&options);
    plx_attrs_set_float(options, "lr", 0.05);
    plx_optimizer *adam = NULL;
    CHECK_STATUS(plx_optimizer_create("adam", params, count, options, &adam), PLX_OK);
    CHECK_NEAR(plx_optimizer_learning_rate(adam), 0.05);

    float first = cross_entropy(model, x, y, NULL), last = first;
    int failed_steps = 0;
    for (int step = 0; step < 150; step++) {
        plx_tensor *loss = NULL;
        plx_optimizer_zero_grad(adam);
        last = cross_entropy(model, x, y, &loss);
        if (!loss) { failed_steps++; break; }
        if (plx_tensor_backward(loss, NULL) != PLX_OK) failed_steps++;
        plx_tensor_release(loss);
        if (plx_optimizer_step(adam) != PLX_OK) failed_steps++;
    }
    CHECK_EQ(failed_steps, 0);
    last = cross_entropy(model, x, y, NULL);
    printf("cross-entropy fell from %.4f to %.4f\n", first, last);
    CHECK(last < 0.5f * first);
    CHECK(last < 0.2f);

    /* Checkpoint round trip: a fresh model with other weights loads the trained ones. */
    char path[4096];
    snprintf(path, sizeof path, "%s/mlp.safetensors", scratch);
    CHECK_STATUS(plx_state_save(model, path), PLX_OK);
    plx_layer *relu2 = NULL;
    plx_layer_create("ReLU", NULL, &relu2);
    plx_layer *parts2[3] = {linear(2, 16), relu2, linear(16, 2)};
    plx_layer *copy = NULL;
    CHECK_STATUS(plx_sequential_create(parts2, 3, &copy), PLX_OK);
    for (int i = 0; i < 3; i++) plx_layer_release(parts2[i]);
    CHECK(fabsf(cross_entropy(copy, x, y, NULL) - last) > 1e-3f);
    CHECK_STATUS(plx_state_load(copy, path), PLX_OK);
    CHECK_NEAR(cross_entropy(copy, x, y, NULL), last);
    plx_layer *wrong = linear(2, 3);
    CHECK_STATUS(plx_state_load(wrong, path), PLX_ERR_NOT_FOUND);
    CHECK_STATUS(plx_state_load(copy, "/nonexistent/file.safetensors"), PLX_ERR_IO);
    plx_layer_release(wrong);
    plx_layer_release(copy);

    CHECK_STATUS(plx_layer_set_training(model, 0), PLX_OK);
    CHECK_STATUS(plx_optimizer_set_learning_rate(adam, -1), PLX_ERR_INVALID_ARGUMENT);
    plx_optimizer_release(adam);
    plx_attrs_release(options);
    plx_layer_release(model);
    plx_tensor_release(y);
    plx_tensor_release(x);
}

static void test_errors(void) {
    plx_layer *layer = NULL;
    CHECK_STATUS(plx_layer_create("Frobnicator", NULL, &layer), PLX_ERR_NOT_FOUND);
    CHECK(strstr(plx_last_error(), "Linear") != NULL);  /* lists the known types */
    CHECK_STATUS(plx_layer_create("Linear", NULL, &layer), PLX_ERR_INVALID_ARGUMENT);  /* missing in_features */
    CHECK(layer == NULL);
    CHECK_STATUS(plx_layer_forward(NULL, NULL, 0, NULL, 0), PLX_ERR_INVALID_ARGUMENT);
    plx_tensor *t = tensor2(PLX_FLOAT32, 2, 2, NULL), *out = NULL;
    CHECK_STATUS(plx_loss("hinge", t, t, NULL, &out), PLX_ERR_NOT_FOUND);
    plx_attrs *bad = NULL;
    plx_attrs_create(&bad);
    plx_attrs_set_string(bad, "reduction", "median");
    CHECK_STATUS(plx_loss("mse", t, t, bad, &out), PLX_ERR_INVALID_ARGUMENT);
    plx_optimizer *opt = NULL;
    CHECK_STATUS(plx_optimizer_create("lbfgs", &t, 1, NULL, &opt), PLX_ERR_NOT_FOUND);
    CHECK_STATUS(plx_optimizer_create("sgd", &t, 1, bad, &opt), PLX_ERR_INVALID_ARGUMENT);  /* no "reduction" option */
    CHECK(out == NULL && opt == NULL);
    plx_layer_release(NULL);
    plx_optimizer_release(NULL);
    plx_attrs_release(bad);
    plx_tensor_release(t);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    test_autograd();
    test_mlp(argv[1]);
    test_errors();
    return check_finish();
}
