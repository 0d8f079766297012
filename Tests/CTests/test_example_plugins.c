/*
 * test_example_plugins.c - the example third-party plugins (Plugins/examples), built with only
 * cc against the installed tree: a layer with a hand-written gradient (Swish) and one
 * differentiated through its decomposition (RMSNorm) pass finite-difference checks, train a
 * small model whose loss falls, export to ONNX as org.plexus.examples nodes and re-import with
 * identical outputs; a kernel's own error message reaches the caller.
 * Usage: test_example_plugins SWISH.so RMSNORM.so SCRATCH_DIR
 *        test_example_plugins --missing MODEL.onnx   (no example plugin loaded: names the ops)
 */
#include <math.h>
#include <stdlib.h>
#include "check.h"

static plx_layer *layer(const char *type, const char *name, int64_t value) {
    plx_attrs *attrs = NULL;
    plx_layer *out = NULL;
    plx_attrs_create(&attrs);
    if (name) plx_attrs_set_int(attrs, name, value);
    CHECK_STATUS(plx_layer_create(type, attrs, &out), PLX_OK);
    plx_attrs_release(attrs);
    return out;
}

static plx_layer *linear(int64_t in, int64_t out) {
    plx_attrs *attrs = NULL;
    plx_layer *result = NULL;
    plx_attrs_create(&attrs);
    plx_attrs_set_int(attrs, "in_features", in);
    plx_attrs_set_int(attrs, "out_features", out);
    CHECK_STATUS(plx_layer_create("Linear", attrs, &result), PLX_OK);
    plx_attrs_release(attrs);
    return result;
}

/* Σ w·layer(x) for fixed weights, in float64. */
static double objective(plx_layer *l, plx_tensor *x, const double *w) {
    plx_tensor *y = NULL;
    plx_no_grad_begin();
    plx_status s = plx_layer_forward(l, &x, 1, &y, 1);
    plx_no_grad_end();
    if (s != PLX_OK) return NAN;
    double total = 0;
    for (int64_t i = 0; i < plx_tensor_numel(y); i++) total += w[i] * ((double *)plx_tensor_data(y))[i];
    plx_tensor_release(y);
    return total;
}

/* Finite differences of Σ w·Swish(x) against backward, for x and beta, in float64. */
static void check_swish_gradient(void) {
    plx_layer *swish = layer("Swish", "dtype", PLX_FLOAT64);
    int64_t shape[2] = {2, 3};
    double xs[6] = {-1.5, -0.2, 0.3, 0.8, 1.7, -2.4}, w[6] = {0.3, -0.7, 1.1, 0.5, -0.2, 0.9};
    plx_tensor *x = NULL, *y = NULL, *seed = NULL, *beta = NULL;
    plx_tensor_create(PLX_FLOAT64, shape, 2, xs, &x);
    plx_tensor_create(PLX_FLOAT64, shape, 2, w, &seed);
    plx_tensor_set_requires_grad(x, 1);
    CHECK_STATUS(plx_layer_parameters(swish, &beta, 1), PLX_OK);
    ((double *)plx_tensor_data(beta))[0] = 1.3;
    CHECK_STATUS(plx_layer_forward(swish, &x, 1, &y, 1), PLX_OK);
    CHECK_NEAR(((double *)plx_tensor_data(y))[0], -1.5 / (1 + exp(1.3 * 1.5)));
    CHECK_STATUS(plx_tensor_backward(y, seed), PLX_OK);
    plx_tensor *checked[2] = {x, beta};
    for (int t = 0; t < 2; t++) {
        double *values = plx_tensor_data(checked[t]);
        const double *analytic = plx_tensor_data(plx_tensor_grad(checked[t]));
        for (int64_t i = 0; i < plx_tensor_numel(checked[t]); i++) {
            double original = values[i], eps = 1e-6;
            values[i] = original + eps;
            double up = objective(swish, x, w);
            values[i] = original - eps;
            double down = objective(swish, x, w);
            values[i] = original;
            double numeric = (up - down) / (2 * eps);
            if (!CHECK(fabs(numeric - analytic[i]) < 1e-6 + 1e-5 * fabs(numeric)))
                fprintf(stderr, "    tensor %d element %lld: analytic %g numeric %g\n", t, (long long)i, analytic[i], numeric);
        }
    }
    /* A kernel's own error reaches the caller. */
    int64_t two[1] = {2};
    plx_tensor *bad_beta = NULL, *out = NULL;
    plx_tensor_create(PLX_FLOAT64, two, 1, NULL, &bad_beta);
    plx_tensor *operands[2] = {x, bad_beta};
    CHECK_STATUS(plx_op_call("org.plexus.examples", "Swish", operands, 2, NULL, &out, 1), PLX_ERR_SHAPE_MISMATCH);
    CHECK_CONTAINS(plx_last_error(), "beta must hold one value");
    plx_tensor_release(bad_beta);
    plx_tensor_release(y);
    plx_tensor_release(seed);
    plx_tensor_release(x);
    plx_layer_release(swish);
}

/* Linear → Swish → RMSNorm → Linear regresses y = sin(x0) + x1²; then export and re-import. */
static void train_export_reimport(const char *scratch) {
    plx_manual_seed(11);
    plx_layer *parts[4] = {linear(2, 16), layer("Swish", NULL, 0), layer("RMSNorm", "normalized_size", 16), linear(16, 1)};
    plx_layer *model = NULL;
    CHECK_STATUS(plx_sequential_create(parts, 4, &model), PLX_OK);
    for (int i = 0; i < 4; i++) plx_layer_release(parts[i]);
    enum { N = 64 };
    float xs[N * 2], ys[N];
    for (int i = 0; i < N; i++) {
        xs[2 * i] = (float)(i % 8) / 4 - 1;
        xs[2 * i + 1] = (float)(i / 8) / 4 - 1;
        ys[i] = sinf(xs[2 * i]) + xs[2 * i + 1] * xs[2 * i + 1];
    }
    int64_t xshape[2] = {N, 2}, yshape[2] = {N, 1};
    plx_tensor *x = NULL, *y = NULL;
    plx_tensor_create(PLX_FLOAT32, xshape, 2, xs, &x);
    plx_tensor_create(PLX_FLOAT32, yshape, 2, ys, &y);
    size_t count = plx_layer_parameter_count(model);
    CHECK_EQ(count, 6); /* two Linear weights and biases, beta, the RMSNorm weight */
    plx_tensor *params[6];
    plx_layer_parameters(model, params, count);
    plx_attrs *options = NULL;
    plx_attrs_create(&options);
    plx_attrs_set_float(options, "lr", 0.02);
    plx_optimizer *adam = NULL;
    CHECK_STATUS(plx_optimizer_create("adam", params, count, options, &adam), PLX_OK);
    float first = 0, last = 0;
    for (int step = 0; step < 200; step++) {
        plx_tensor *prediction = NULL, *loss = NULL;
        plx_optimizer_zero_grad(adam);
        if (plx_layer_forward(model, &x, 1, &prediction, 1) != PLX_OK) break;
        plx_loss("mse", prediction, y, NULL, &loss);
        last = *(float *)plx_tensor_data(loss);
        if (step == 0) first = last;
        plx_tensor_backward(loss, NULL);
        plx_optimizer_step(adam);
        plx_tensor_release(loss);
        plx_tensor_release(prediction);
    }
    printf("mse fell from %.4f to %.4f\n", first, last);
    CHECK(last < 0.2f * first);
    /* The trained beta moved, so its gradient was used. */
    CHECK(fabsf(*(float *)plx_tensor_data(params[4]) - 1.0f) > 1e-3f || fabsf(*(float *)plx_tensor_data(params[2]) - 1.0f) > 1e-3f);

    char path[4096];
    snprintf(path, sizeof path, "%s/examples.onnx", scratch);
    CHECK_STATUS(plx_onnx_export(model, &x, 1, path, NULL), PLX_OK);
    FILE *file = fopen(path, "rb");
    char bytes[65536] = {0};
    size_t size = file ? fread(bytes, 1, sizeof bytes, file) : 0;
    if (file) fclose(file);
    int found = 0;
    for (size_t i = 0; i + 19 <= size; i++) found |= memcmp(bytes + i, "org.plexus.examples", 19) == 0;
    CHECK(found);

    plx_session *session = NULL;
    CHECK_STATUS(plx_session_create(path, NULL, &session), PLX_OK);
    plx_tensor *direct = NULL, *imported = NULL;
    plx_layer_set_training(model, 0);
    plx_no_grad_begin();
    plx_layer_forward(model, &x, 1, &direct, 1);
    plx_no_grad_end();
    const char *names[1] = {"input_0"};
    CHECK_STATUS(plx_session_run(session, names, &x, 1, NULL, &imported, 1), PLX_OK);
    if (direct && imported) CHECK(memcmp(plx_tensor_data(direct), plx_tensor_data(imported), N * sizeof(float)) == 0);
    plx_tensor_release(direct);
    plx_tensor_release(imported);
    plx_session_release(session);
    plx_optimizer_release(adam);
    plx_attrs_release(options);
    plx_tensor_release(y);
    plx_tensor_release(x);
    plx_layer_release(model);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--missing") == 0) {
        plx_session *session = NULL;
        CHECK_STATUS(plx_session_create(argv[2], NULL, &session), PLX_ERR_NOT_FOUND);
        CHECK_CONTAINS(plx_last_error(), "org.plexus.examples:Swish");
        CHECK_CONTAINS(plx_last_error(), "org.plexus.examples:RMSNorm");
        return check_finish();
    }
    if (argc < 4) return 2;
    CHECK_STATUS(plx_plugin_load(argv[1]), PLX_OK);
    CHECK_STATUS(plx_plugin_load(argv[2]), PLX_OK);
    CHECK_STATUS(plx_plugin_load(argv[1]), PLX_OK); /* again: harmless */
    check_swish_gradient();
    train_export_reimport(argv[3]);
    return check_finish();
}
