/* Tests of autograd.h: each operation's value and gradient against a closed form or centered
 * differences (gradcheck.h), broadcasting and reshape, accumulation, the MLP on the tape against
 * chapter 3's hand-written backward (layers.h + activations.h + loss.h), no allocation per step,
 * and every misuse giving a clear message instead of a crash. */
#include "activations.h"
#include "autograd.h"
#include "gradcheck.h"
#include "layers.h"
#include "loss.h"
#include "rng.h"

#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------------------------------- */

static void fill_normal(float *x, size_t n, float scale, rng_t *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * rng_normal(r);
}

/* A function of up to three leaves, recorded on a tape, reduced to a scalar. gradcheck_run() calls
 * loss() with one element of one leaf perturbed; the analytic gradient comes from ag_backward. */
typedef ag_var_t (*build_fn)(ag_var_t *leaves);

typedef struct {
    ag_tape_t tape;
    build_fn build;
    tensor_t x[3];
    int n;
} check_ctx;

static ag_var_t record(check_ctx *c, ag_var_t *leaves)
{
    ag_tape_reset(&c->tape);
    for (int i = 0; i < c->n; i++)
        leaves[i] = ag_leaf(&c->tape, c->x[i], "x");
    return c->build(leaves);
}

static double check_loss(void *ctx)
{
    ag_var_t leaves[3];
    return ag_item(record(ctx, leaves));
}

/* Worst relative error over all leaves between ag_backward and centered differences. */
static double tape_gradcheck(build_fn build, tensor_t *x, int n, float h)
{
    check_ctx c = {.build = build, .n = n};
    ag_tape_init(&c.tape, 1 << 20);
    memcpy(c.x, x, (size_t)n * sizeof(tensor_t));
    double worst = 0;
    for (int i = 0; i < n; i++) {
        ag_var_t leaves[3];
        ag_backward(record(&c, leaves));
        tensor_t g = ag_grad(leaves[i]);
        cr_assert_not_null(g.data, "leaf %d received no gradient", i);
        float *copy = malloc(tensor_size(g) * sizeof(float));
        memcpy(copy, g.data, tensor_size(g) * sizeof(float));
        gradcheck_result_t r = gradcheck_run(check_loss, &c, x[i].data, copy, tensor_size(g), h);
        cr_assert_eq(r.kinks, 0, "no kinks expected at these random points");
        worst = fmax(worst, r.max_rel_error);
        free(copy);
    }
    ag_tape_free(&c.tape);
    return worst;
}

/* ---- closed forms --------------------------------------------------------------------------- */

Test(autograd, exp_of_product_plus_x_by_hand)
{
    /* f(x, y) = exp(x y) + x at x = 1, y = 2: f = e^2 + 1, df/dx = y e^(xy) + 1 (two paths, summed),
     * df/dy = x e^(xy). */
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float xv = 1, yv = 2;
    ag_var_t x = ag_leaf(&t, tensor_view(&xv, 1, (int[]){1}), "x");
    ag_var_t y = ag_leaf(&t, tensor_view(&yv, 1, (int[]){1}), "y");
    ag_var_t f = ag_add(ag_exp(ag_mul(x, y)), x);
    ag_backward(f);
    float e2 = expf(2);
    cr_assert_float_eq(ag_item(f), e2 + 1, 1e-5f);
    cr_assert_float_eq(ag_grad(x).data[0], 2 * e2 + 1, 1e-5f, "df/dx = y e^xy + 1, got %g", ag_grad(x).data[0]);
    cr_assert_float_eq(ag_grad(y).data[0], e2, 1e-5f, "df/dy = x e^xy, got %g", ag_grad(y).data[0]);
    ag_tape_free(&t);
}

Test(autograd, value_used_twice_accumulates)
{
    /* f = sum(x * x + x): df/dx = 2x + 1; x reaches f along three paths */
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float xv[3] = {-1, 0.5f, 2};
    ag_var_t x = ag_leaf(&t, tensor_view(xv, 1, (int[]){3}), "x");
    ag_backward(ag_sum(ag_add(ag_mul(x, x), x)));
    for (int i = 0; i < 3; i++)
        cr_assert_float_eq(ag_grad(x).data[i], 2 * xv[i] + 1, 1e-6f, "element %d: got %g", i, ag_grad(x).data[i]);
    ag_tape_free(&t);
}

Test(autograd, bias_broadcast_sums_over_the_batch)
{
    /* y = x + b with x (2, 3), b (3): y[i][j] = x[i][j] + b[j]; L = sum(y * R) gives dL/db[j] =
     * sum_i R[i][j] and dL/dx = R. */
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float xv[6] = {1, 2, 3, 4, 5, 6}, bv[3] = {10, 20, 30}, rv[6] = {1, -1, 2, 0.5f, 3, -2};
    ag_var_t x = ag_leaf(&t, tensor_view(xv, 2, (int[]){2, 3}), "x");
    ag_var_t b = ag_leaf(&t, tensor_view(bv, 1, (int[]){3}), "b");
    ag_var_t R = ag_input(&t, tensor_view(rv, 2, (int[]){2, 3}), "R");
    ag_var_t y = ag_add(x, b);
    ag_assert_shape(y, "x + b", 2, (int[]){2, 3});
    cr_assert_float_eq(ag_value(y).data[4], 25, 0, "y[1][1] = 5 + 20");
    ag_backward(ag_sum(ag_mul(y, R)));
    const float want_b[3] = {1.5f, 2, 0};
    for (int j = 0; j < 3; j++)
        cr_assert_float_eq(ag_grad(b).data[j], want_b[j], 1e-6f, "db[%d] = column sum of R, got %g", j,
                           ag_grad(b).data[j]);
    for (int i = 0; i < 6; i++)
        cr_assert_float_eq(ag_grad(x).data[i], rv[i], 0, "dx = R");
    ag_tape_free(&t);
}

Test(autograd, column_broadcast_and_the_silent_b_by_b_bug)
{
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float p[4] = {1, 2, 3, 4}, q[4] = {1, 2, 3, 4};
    ag_var_t pred = ag_leaf(&t, tensor_view(p, 2, (int[]){4, 1}), "pred");
    ag_var_t target = ag_input(&t, tensor_view(q, 1, (int[]){4}), "target");
    /* (4, 1) - (4) broadcasts to (4, 4): every prediction against every target */
    ag_var_t d = ag_sub(pred, target);
    tensor_t v = ag_value(d);
    cr_assert(v.ndim == 2 && v.shape[0] == 4 && v.shape[1] == 4, "(4,1) - (4) must broadcast to (4,4)");
    cr_assert_float_eq(v.data[1 * 4 + 3], 2 - 4, 0, "d[1][3] = p[1] - q[3]");
    /* mean of squares of all 16 differences: sum_{i,j} (p_i - q_j)^2 / 16 = 2 * 4 * var * 4 / 16 =
     * 2.5 for 1..4 (variance 1.25), although every prediction is exactly right */
    ag_var_t L = ag_mean(ag_square(d));
    cr_assert_float_eq(ag_item(L), 2.5f, 1e-6f, "got %g", ag_item(L));
    ag_backward(L);
    /* dL/dp_i = 2/16 sum_j (p_i - q_j) = (p_i - 2.5) / 2 */
    for (int i = 0; i < 4; i++)
        cr_assert_float_eq(ag_grad(pred).data[i], (p[i] - 2.5f) / 2, 1e-6f, "dp[%d]", i);
    ag_tape_free(&t);
}

Test(autograd, reshape_is_a_view_with_reshaped_gradient)
{
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float xv[6] = {1, 2, 3, 4, 5, 6}, w[6] = {6, 5, 4, 3, 2, 1};
    ag_var_t x = ag_leaf(&t, tensor_view(xv, 2, (int[]){2, 3}), "x");
    ag_var_t r = ag_reshape(x, 2, (int[]){3, 2});
    cr_assert_eq(ag_value(r).data, xv, "a reshape shares the memory");
    ag_var_t W = ag_input(&t, tensor_view(w, 2, (int[]){3, 2}), "w");
    ag_backward(ag_sum(ag_mul(r, W)));
    for (int i = 0; i < 6; i++)
        cr_assert_float_eq(ag_grad(x).data[i], w[i], 0, "dx = w in x's layout");
    cr_assert(ag_grad(x).shape[0] == 2 && ag_grad(x).shape[1] == 3, "the gradient has x's shape");
    ag_tape_free(&t);
}

Test(autograd, parameter_gradients_accumulate_across_backward_passes)
{
    ag_params_t ps;
    ag_params_init(&ps, 64, 2);
    ag_param_t *w = ag_params_add(&ps, "w", 1, (int[]){2});
    w->value.data[0] = 3, w->value.data[1] = -1;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    for (int k = 0; k < 2; k++) { /* two micro-batches, no zeroing in between */
        ag_tape_reset(&t);
        ag_backward(ag_sum(ag_square(ag_param_var(&t, w)))); /* d/dw sum w^2 = 2w */
    }
    cr_assert_float_eq(w->grad.data[0], 12, 0, "2 * (2 * 3): the two passes add up, got %g", w->grad.data[0]);
    cr_assert_float_eq(w->grad.data[1], -4, 0);
    cr_assert_float_eq(ag_param_grad_norm(w), sqrt(144 + 16), 1e-9);
    ag_params_zero_grad(&ps);
    cr_assert(w->grad.data[0] == 0 && w->grad.data[1] == 0, "zero_grad zeroes");
    ag_tape_free(&t);
    ag_params_free(&ps);
}

/* ---- numerical gradients of every operation ------------------------------------------------- */

static ag_var_t f_matmul(ag_var_t *x) { return ag_sum(ag_mul(ag_matmul(x[0], x[1]), ag_tanh(ag_matmul(x[0], x[1])))); }
static ag_var_t f_linear(ag_var_t *x) { return ag_sum(ag_square(ag_linear(x[0], x[1], x[2]))); }
static ag_var_t f_broadcast(ag_var_t *x) { return ag_mean(ag_square(ag_sub(ag_mul(x[0], x[1]), ag_add(x[1], x[2])))); }
static ag_var_t f_unary(ag_var_t *x) { return ag_sum(ag_log(ag_add(ag_exp(ag_scale(x[0], 0.5f)), ag_sigmoid(x[0])))); }
static ag_var_t f_transpose(ag_var_t *x) { return ag_sum(ag_square(ag_matmul(ag_transpose(x[0]), x[1]))); }
static const int LABELS[4] = {2, 0, 1, 2};
static ag_var_t f_sce(ag_var_t *x) { return ag_softmax_cross_entropy(ag_relu(ag_matmul(x[0], x[1])), LABELS); }
static ag_var_t f_mse(ag_var_t *x) { return ag_mse(ag_tanh(x[0]), x[1]); }

/* Float32 forward passes with h = 1e-2: relative errors below 1e-2 (typically 1e-4). */
#define BOUND 1e-2

Test(autograd, gradients_match_centered_differences)
{
    rng_t r;
    rng_seed(&r, 5);
    float a[12], b[15], c[5], d[12], e[20];
    fill_normal(a, 12, 1, &r), fill_normal(b, 15, 1, &r), fill_normal(c, 5, 1, &r);
    fill_normal(d, 12, 0.5f, &r), fill_normal(e, 20, 1, &r);
    struct { const char *name; build_fn f; tensor_t x[3]; int n; } cases[] = {
        {"matmul", f_matmul, {tensor_view(a, 2, (int[]){4, 3}), tensor_view(b, 2, (int[]){3, 5})}, 2},
        {"linear", f_linear, {tensor_view(a, 2, (int[]){4, 3}), tensor_view(b, 2, (int[]){3, 5}),
                              tensor_view(c, 1, (int[]){5})}, 3},
        /* (3, 1, 4) * (3, 4) - ((3, 4) + (4)): every broadcast case at once */
        {"broadcast", f_broadcast, {tensor_view(d, 3, (int[]){3, 1, 4}), tensor_view(a, 2, (int[]){3, 4}),
                                    tensor_view(c, 1, (int[]){4})}, 3},
        {"exp/log/scale/sigmoid", f_unary, {tensor_view(d, 2, (int[]){3, 4})}, 1},
        {"transpose", f_transpose, {tensor_view(a, 2, (int[]){3, 4}), tensor_view(e, 2, (int[]){3, 5})}, 2},
        {"softmax cross-entropy", f_sce, {tensor_view(a, 2, (int[]){4, 3}), tensor_view(b, 2, (int[]){3, 3})}, 2},
        {"mse", f_mse, {tensor_view(a, 2, (int[]){3, 4}), tensor_view(d, 2, (int[]){3, 4})}, 2},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        double err = tape_gradcheck(cases[k].f, cases[k].x, cases[k].n, 1e-2f);
        cr_assert_lt(err, BOUND, "%s: worst relative error %g against centered differences", cases[k].name, err);
    }
}

/* ---- the MLP on the tape against chapter 3's hand-written backward ------------------------------ */

Test(autograd, mlp_gradients_equal_the_hand_written_ones)
{
    enum { B = 8, D = 20, H1 = 16, H2 = 12, K = 5 };
    rng_t r;
    rng_seed(&r, 9);
    ag_params_t ps;
    ag_params_init(&ps, 4096, 6);
    const int sizes[4] = {D, H1, H2, K};
    ag_param_t *W[3], *b[3];
    for (int l = 0; l < 3; l++) {
        W[l] = ag_params_add(&ps, "W", 2, (int[]){sizes[l], sizes[l + 1]});
        b[l] = ag_params_add(&ps, "b", 1, (int[]){sizes[l + 1]});
        fill_normal(W[l]->value.data, tensor_size(W[l]->value), 0.4f, &r);
        fill_normal(b[l]->value.data, tensor_size(b[l]->value), 0.1f, &r);
    }
    float x[B * D];
    int y[B];
    fill_normal(x, B * D, 1, &r);
    for (int i = 0; i < B; i++)
        y[i] = (int)rng_below(&r, K);

    /* the tape */
    ag_tape_t t;
    ag_tape_init(&t, 1 << 20);
    ag_var_t h = ag_input(&t, tensor_view(x, 2, (int[]){B, D}), "x");
    for (int l = 0; l < 3; l++) {
        h = ag_linear(h, ag_param_var(&t, W[l]), ag_param_var(&t, b[l]));
        if (l < 2)
            h = ag_relu(h);
    }
    ag_var_t L = ag_softmax_cross_entropy(h, y);
    ag_params_zero_grad(&ps);
    ag_backward(L);

    /* by hand, as in chapter 3: z1 = x W1 + b1, a1 = relu(z1), ..., z3 -> loss */
    float z1[B * H1], a1[B * H1], z2[B * H2], a2[B * H2], z3[B * K];
    float dz3[B * K], da2[B * H2], dz2[B * H2], da1[B * H1], dz1[B * H1];
    float dW[3][D * H1], db[3][H1];
    linear_forward(z1, x, W[0]->value.data, b[0]->value.data, B, D, H1);
    relu_forward(a1, z1, B * H1);
    linear_forward(z2, a1, W[1]->value.data, b[1]->value.data, B, H1, H2);
    relu_forward(a2, z2, B * H2);
    linear_forward(z3, a2, W[2]->value.data, b[2]->value.data, B, H2, K);
    float Lh = softmax_cross_entropy(dz3, z3, y, B, K);
    linear_backward(da2, dW[2], db[2], dz3, a2, W[2]->value.data, B, H2, K);
    relu_backward(dz2, da2, z2, a2, B * H2);
    linear_backward(da1, dW[1], db[1], dz2, a1, W[1]->value.data, B, H1, H2);
    relu_backward(dz1, da1, z1, a1, B * H1);
    linear_backward(NULL, dW[0], db[0], dz1, x, W[0]->value.data, B, D, H1);

    cr_assert_float_eq(ag_item(L), Lh, 1e-6f, "loss: tape %g, by hand %g", ag_item(L), Lh);
    for (int l = 0; l < 3; l++) {
        size_t nw = tensor_size(W[l]->grad), nb = tensor_size(b[l]->grad);
        for (size_t i = 0; i < nw; i++)
            cr_assert(fabsf(W[l]->grad.data[i] - dW[l][i]) <= 1e-5f, "dW%d[%zu]: tape %g, by hand %g", l + 1, i,
                      W[l]->grad.data[i], dW[l][i]);
        for (size_t i = 0; i < nb; i++)
            cr_assert(fabsf(b[l]->grad.data[i] - db[l][i]) <= 1e-5f, "db%d[%zu]: tape %g, by hand %g", l + 1, i,
                      b[l]->grad.data[i], db[l][i]);
    }
    ag_tape_free(&t);
    ag_params_free(&ps);
}

/* ---- no allocation per step ------------------------------------------------------------------ */

Test(autograd, steady_state_allocates_nothing)
{
    ag_params_t ps;
    ag_params_init(&ps, 1024, 2);
    ag_param_t *W = ag_params_add(&ps, "W", 2, (int[]){8, 4});
    float x[16 * 8] = {0};
    int y[16] = {0};
    ag_tape_t t;
    ag_tape_init(&t, 1 << 20);
    ag_node_t *nodes = NULL;
    size_t peak = 0;
    for (int step = 0; step < 5; step++) {
        ag_tape_reset(&t);
        ag_var_t h = ag_matmul(ag_input(&t, tensor_view(x, 2, (int[]){16, 8}), "x"), ag_param_var(&t, W));
        ag_backward(ag_softmax_cross_entropy(ag_relu(h), y));
        if (step == 1)
            nodes = t.nodes, peak = t.arena.peak;
        if (step > 1) {
            cr_assert_eq(t.nodes, nodes, "the node array is reused, step %d", step);
            cr_assert_eq(t.arena.peak, peak, "the arena's peak stays put: nothing grows per step");
        }
    }
    ag_tape_free(&t);
    ag_params_free(&ps);
}

/* ---- misuse: clear messages, not crashes ----------------------------------------------------- */

static void matmul_mismatch(void *unused)
{
    (void)unused;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 20);
    static float a[128 * 784], b[128 * 256];
    ag_matmul(ag_input(&t, tensor_view(a, 2, (int[]){128, 784}), "x"),
              ag_input(&t, tensor_view(b, 2, (int[]){128, 256}), "W"));
}

Test(autograd_errors, matmul_shape_mismatch_names_both_shapes)
{
    char err[4096];
    int status = capture_stderr(matmul_mismatch, NULL, err, sizeof err);
    cr_assert_eq(status, 1, "exit status 1, got %d", status);
    cr_assert(strstr(err, "ag_matmul") && strstr(err, "(128, 784)") && strstr(err, "(128, 256)") &&
                  strstr(err, "hint:"), "got: %s", err);
}

static void broadcast_mismatch(void *unused)
{
    (void)unused;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float a[12], b[5];
    ag_add(ag_input(&t, tensor_view(a, 2, (int[]){3, 4}), "a"), ag_input(&t, tensor_view(b, 1, (int[]){5}), "b"));
}

Test(autograd_errors, broadcast_mismatch_names_op_and_shapes)
{
    char err[4096];
    int status = capture_stderr(broadcast_mismatch, NULL, err, sizeof err);
    cr_assert_eq(status, 1);
    cr_assert(strstr(err, "add") && strstr(err, "(3, 4)") && strstr(err, "(5)") && strstr(err, "broadcast"),
              "got: %s", err);
}

static void backward_twice(void *unused)
{
    (void)unused;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float x = 2;
    ag_var_t L = ag_square(ag_leaf(&t, tensor_view(&x, 1, (int[]){1}), "x"));
    ag_backward(L);
    ag_backward(L);
}

Test(autograd_errors, backward_twice_is_an_error)
{
    char err[4096];
    int status = capture_stderr(backward_twice, NULL, err, sizeof err);
    cr_assert_eq(status, 1, "exit status 1 (not a crash), got %d", status);
    cr_assert(strstr(err, "ag_backward") && strstr(err, "twice"), "got: %s", err);
}

static void backward_after_reset(void *unused)
{
    (void)unused;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float x = 2;
    ag_var_t L = ag_square(ag_leaf(&t, tensor_view(&x, 1, (int[]){1}), "x"));
    ag_backward(L);
    ag_tape_reset(&t);
    ag_square(ag_leaf(&t, tensor_view(&x, 1, (int[]){1}), "x")); /* the slots are reused */
    ag_backward(L);
}

Test(autograd_errors, backward_on_a_reset_tape_is_an_error)
{
    char err[4096];
    int status = capture_stderr(backward_after_reset, NULL, err, sizeof err);
    cr_assert_eq(status, 1, "exit status 1 (not a crash), got %d", status);
    cr_assert(strstr(err, "reset") && strstr(err, "recorded before"), "got: %s", err);
}

static void backward_after_free(void *unused)
{
    (void)unused;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float x = 2;
    ag_var_t L = ag_square(ag_leaf(&t, tensor_view(&x, 1, (int[]){1}), "x"));
    ag_tape_free(&t);
    ag_backward(L);
}

Test(autograd_errors, backward_on_a_freed_tape_is_an_error)
{
    char err[4096];
    int status = capture_stderr(backward_after_free, NULL, err, sizeof err);
    cr_assert_eq(status, 1, "exit status 1 (not a crash), got %d", status);
    cr_assert(strstr(err, "freed"), "got: %s", err);
}

static void backward_of_a_vector(void *unused)
{
    (void)unused;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float x[3] = {1, 2, 3};
    ag_backward(ag_square(ag_leaf(&t, tensor_view(x, 1, (int[]){3}), "x")));
}

Test(autograd_errors, backward_needs_a_scalar)
{
    char err[4096];
    cr_assert_eq(capture_stderr(backward_of_a_vector, NULL, err, sizeof err), 1);
    cr_assert(strstr(err, "(3)") && strstr(err, "single element") && strstr(err, "ag_mean"), "got: %s", err);
}

static void assert_shape_fails(void *unused)
{
    (void)unused;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float p[4] = {0}, q[4] = {0};
    ag_var_t d = ag_sub(ag_input(&t, tensor_view(p, 2, (int[]){4, 1}), "pred"),
                      ag_input(&t, tensor_view(q, 1, (int[]){4}), "target"));
    ag_assert_shape(d, "pred - target", 2, (int[]){4, 1});
}

Test(autograd_errors, assert_shape_catches_the_silent_broadcast)
{
    char err[4096];
    cr_assert_eq(capture_stderr(assert_shape_fails, NULL, err, sizeof err), 1);
    cr_assert(strstr(err, "pred - target has shape (4, 4), expected (4, 1)"), "got: %s", err);
}

static void bad_label(void *unused)
{
    (void)unused;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float z[6] = {0};
    int y[2] = {1, 3};
    ag_softmax_cross_entropy(ag_input(&t, tensor_view(z, 2, (int[]){2, 3}), "z"), y);
}

Test(autograd_errors, label_out_of_range)
{
    char err[4096];
    cr_assert_eq(capture_stderr(bad_label, NULL, err, sizeof err), 1);
    cr_assert(strstr(err, "label 3 of example 1 is outside [0, 3)"), "got: %s", err);
}

static void mse_mismatch(void *unused)
{
    (void)unused;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float p[4] = {0}, q[4] = {0};
    ag_mse(ag_input(&t, tensor_view(p, 2, (int[]){4, 1}), "p"), ag_input(&t, tensor_view(q, 1, (int[]){4}), "t"));
}

Test(autograd_errors, mse_refuses_to_broadcast)
{
    char err[4096];
    cr_assert_eq(capture_stderr(mse_mismatch, NULL, err, sizeof err), 1);
    cr_assert(strstr(err, "ag_mse") && strstr(err, "(4, 1)") && strstr(err, "(4)"), "got: %s", err);
}

static void reshape_mismatch(void *unused)
{
    (void)unused;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float x[6] = {0};
    ag_reshape(ag_input(&t, tensor_view(x, 2, (int[]){2, 3}), "x"), 2, (int[]){4, 2});
}

Test(autograd_errors, reshape_must_keep_the_count)
{
    char err[4096];
    cr_assert_eq(capture_stderr(reshape_mismatch, NULL, err, sizeof err), 1);
    cr_assert(strstr(err, "ag_reshape") && strstr(err, "(2, 3)") && strstr(err, "(4, 2)"), "got: %s", err);
}

static void uninitialized_var(void *unused)
{
    (void)unused;
    ag_var_t nothing = {0};
    ag_relu(nothing);
}

Test(autograd_errors, uninitialized_variable)
{
    char err[4096];
    cr_assert_eq(capture_stderr(uninitialized_var, NULL, err, sizeof err), 1);
    cr_assert(strstr(err, "not a variable"), "got: %s", err);
}

/* A gradient check across relu's kink: at exactly 0 the centered difference is 1/2, the analytic
 * derivative 0; gradcheck must recognise the kink instead of reporting a wrong gradient. */
static ag_var_t f_relu_sum(ag_var_t *x) { return ag_sum(ag_relu(x[0])); }

Test(autograd, gradcheck_at_a_kink_is_recognised)
{
    float xv[3] = {0, 1.5f, -2};
    check_ctx c = {.build = f_relu_sum, .n = 1, .x = {tensor_view(xv, 1, (int[]){3})}};
    ag_tape_init(&c.tape, 1 << 16);
    ag_var_t leaves[3];
    ag_backward(record(&c, leaves));
    float g[3];
    memcpy(g, ag_grad(leaves[0]).data, sizeof g);
    cr_assert(g[0] == 0 && g[1] == 1 && g[2] == 0, "relu' = [x > 0]");
    gradcheck_result_t r = gradcheck_run(check_loss, &c, xv, g, 3, 1e-3f);
    cr_assert_eq(r.kinks, 1, "one kink, got %zu", r.kinks);
    cr_assert_eq(r.first_kink, 0, "at element 0");
    cr_assert_lt(r.max_rel_error, 1e-3, "the other elements check out: %g", r.max_rel_error);
    ag_tape_free(&c.tape);
}

Test(autograd, draw_writes_dot_source)
{
    ag_tape_t t;
    ag_tape_init(&t, 1 << 16);
    float x = 1, y = 2;
    ag_var_t vx = ag_leaf(&t, tensor_view(&x, 1, (int[]){1}), "x");
    ag_var_t vy = ag_leaf(&t, tensor_view(&y, 1, (int[]){1}), "y");
    ag_var_t f = ag_add(ag_exp(ag_mul(vx, vy)), vx);
    ag_backward(f);
    char dir[] = "/tmp/nn-test-agdraw-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    ag_draw(f, dir, "g", "f(x, y)"); /* returns -1 without Graphviz: the .dot is written first */
    char path[4096], text[4096] = "";
    snprintf(path, sizeof path, "%s/g.dot", dir);
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp, "the DOT source is written");
    size_t got = fread(text, 1, sizeof text - 1, fp);
    text[got] = 0;
    fclose(fp);
    for (const char *ext = "dot\0svg\0png\0"; *ext; ext += 4) {
        snprintf(path, sizeof path, "%s/g.%s", dir, ext);
        remove(path);
    }
    rmdir(dir);
    cr_assert(strstr(text, "digraph") && strstr(text, "exp") && strstr(text, "n0 -> n2") && strstr(text, "n0 -> n4") && strstr(text, "grad 15.78"), "got: %s", text);
    ag_tape_free(&t);
}

/* Issue 9 ("float accumulation in reductions"): ag_linear's bias gradient summed the batch in
 * float; 1e8 followed by 1000 ones lost every one. */
Test(autograd, linear_bias_gradient_is_summed_in_double)
{
    enum { B = 1001 };
    static float xv[B], rv[B];
    float wv[1] = {1}, bv[1] = {0};
    for (int i = 0; i < B; i++)
        rv[i] = i == 0 ? 1e8f : 1.0f;
    ag_tape_t t;
    ag_tape_init(&t, 1 << 20);
    ag_var_t x = ag_input(&t, tensor_view(xv, 2, (int[]){B, 1}), "x");
    ag_var_t W = ag_leaf(&t, tensor_view(wv, 2, (int[]){1, 1}), "W");
    ag_var_t b = ag_leaf(&t, tensor_view(bv, 1, (int[]){1}), "b");
    ag_var_t R = ag_input(&t, tensor_view(rv, 2, (int[]){B, 1}), "R");
    ag_backward(ag_sum(ag_mul(ag_linear(x, W, b), R)));
    cr_assert_eq(ag_grad(b).data[0], 1e8f + 1000, "db = %.1f, expected 100001000", ag_grad(b).data[0]);
    ag_tape_free(&t);
}
