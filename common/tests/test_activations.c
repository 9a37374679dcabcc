/* Tests of activations.h: closed-form values, stability at extreme inputs, and every backward
 * against centered differences (gradcheck.h) with a random upstream gradient R, L = sum(f(x) R).
 * Bound: max relative error < 1e-2 with h = 1e-3 on float32 forwards (typically ~1e-4: rounding
 * noise ~1e-7 |y| / h per element, truncation ~h^2 |f'''|). Inputs are kept 0.05 away from the
 * kinks at 0 (relu family, step), where no derivative exists. */
#include "activations.h"
#include "gradcheck.h"
#include "loss.h"
#include "rng.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

enum { N = 64 };

typedef void (*fwd_fn)(float *y, const float *x, size_t n);
typedef void (*bwd_fn)(float *dx, const float *dy, const float *x, const float *y, size_t n);

typedef struct {
    fwd_fn f;
    float *x, *y, *r;
    size_t n;
} elem_ctx;

static double elem_loss(void *p)
{
    elem_ctx *c = p;
    c->f(c->y, c->x, c->n);
    return gradcheck_dot(c->y, c->r, c->n);
}

/* Gradient-check one elementwise pair on n inputs x ~ N(0, scale^2), |x| >= 0.05. */
static double check_pair(const char *name, fwd_fn f, bwd_fn b, float scale, unsigned seed)
{
    rng_t rng;
    rng_seed(&rng, seed);
    float x[N], y[N], r[N], dx[N];
    for (int i = 0; i < N; i++) {
        do x[i] = scale * rng_normal(&rng);
        while (fabsf(x[i]) < 0.05f);
    }
    gradcheck_random_upstream(r, N, &rng);
    f(y, x, N);
    b(dx, r, x, y, N);
    elem_ctx c = {f, x, y, r, N};
    gradcheck_result_t g = gradcheck_run(elem_loss, &c, x, dx, N, 1e-3f);
    cr_assert_eq(g.kinks, 0, "%s: no kink expected away from 0, found %zu", name, g.kinks);
    cr_assert_lt(g.max_rel_error, 1e-2, "%s: relative error %g at x=%g (analytic %g, numeric %g)", name,
                 g.max_rel_error, x[g.worst], g.analytic, g.numeric);
    return g.max_rel_error;
}

static void leaky_f(float *y, const float *x, size_t n) { leaky_relu_forward(y, x, n, 0.1f); }
static void leaky_b(float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    leaky_relu_backward(dx, dy, x, y, n, 0.1f);
}
static void elu_f(float *y, const float *x, size_t n) { elu_forward(y, x, n, 1.3f); }
static void elu_b(float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    elu_backward(dx, dy, x, y, n, 1.3f);
}

Test(activations, every_elementwise_backward_matches_centered_differences)
{
    check_pair("identity", identity_forward, identity_backward, 2, 1);
    check_pair("sigmoid", sigmoid_forward, sigmoid_backward, 3, 2);
    check_pair("tanh", tanh_act_forward, tanh_act_backward, 2, 3);
    check_pair("relu", relu_forward, relu_backward, 2, 4);
    check_pair("leaky_relu", leaky_f, leaky_b, 2, 5);
    check_pair("elu", elu_f, elu_b, 2, 6);
    check_pair("softplus", softplus_forward, softplus_backward, 3, 7);
    check_pair("gelu", gelu_forward, gelu_backward, 2, 8);
    check_pair("silu", silu_forward, silu_backward, 3, 9);
    check_pair("mish", mish_forward, mish_backward, 3, 10);
    /* step: derivative 0 almost everywhere, and away from 0 the loss does not move at all */
    check_pair("step", step_forward, step_backward, 2, 11);
}

Test(activations, closed_form_values)
{
    float x[5] = {-2, -0.5f, 0, 0.5f, 2}, y[5];
    sigmoid_forward(y, x, 5);
    cr_assert_float_eq(y[2], 0.5f, 1e-7f, "sigmoid(0) = 1/2");
    cr_assert_float_eq(y[4], 1 / (1 + expf(-2)), 1e-6f, "sigmoid(2)");
    relu_forward(y, x, 5);
    cr_assert(y[0] == 0 && y[2] == 0 && y[4] == 2, "relu");
    step_forward(y, x, 5);
    cr_assert(y[1] == 0 && y[2] == 1 && y[3] == 1, "step(0) = 1 (the >= convention of chapter 1)");
    gelu_forward(y, x, 5);
    /* gelu(2) = 2 Phi(2) = 2 * 0.97724987 */
    cr_assert_float_eq(y[4], 1.9544997f, 1e-5f, "gelu(2) = %g", y[4]);
    elu_forward(y, x, 5, 1.0f);
    cr_assert_float_eq(y[0], expf(-2) - 1, 1e-6f, "elu(-2) = e^-2 - 1");
    mish_forward(y, x, 5);
    /* mish(2) = 2 tanh(log(1 + e^2)) = 2 tanh(2.1269280) = 1.9439590 (PyTorch, float64: 1.9439589595) */
    cr_assert_float_eq(y[4], 1.9439590f, 1e-5f, "mish(2) = %g", y[4]);
}

Test(activations, stable_at_extreme_inputs)
{
    float x[4] = {-1000, -90, 90, 1000}, y[4], dx[4], one[4] = {1, 1, 1, 1};
    sigmoid_forward(y, x, 4);
    cr_assert(y[0] == 0 && y[3] == 1 && isfinite(y[1]), "sigmoid saturates to 0 and 1, no NaN");
    softplus_forward(y, x, 4);
    cr_assert(y[0] == 0 && y[3] == 1000, "softplus(1000) = 1000, softplus(-1000) = 0 (got %g, %g)", y[3], y[0]);
    mish_forward(y, x, 4);
    mish_backward(dx, one, x, y, 4);
    silu_forward(y, x, 4);
    for (int i = 0; i < 4; i++)
        cr_assert(isfinite(y[i]) && isfinite(dx[i]), "mish/silu finite at x = %g", x[i]);
    gelu_forward(y, x, 4);
    cr_assert(y[0] == 0 && y[3] == 1000, "gelu at +-1000");
}

Test(activations, relu_derivative_at_zero_is_zero)
{
    float x[1] = {0}, dy[1] = {5}, dx[1];
    relu_backward(dx, dy, x, NULL, 1);
    cr_assert(dx[0] == 0, "relu'(0) is taken as 0 (PyTorch's choice), got %g", dx[0]);
}

typedef struct {
    float *x, *alpha, *y, *r;
    int B, C;
} prelu_ctx;

static double prelu_loss(void *p)
{
    prelu_ctx *c = p;
    prelu_forward(c->y, c->x, c->alpha, c->B, c->C);
    return gradcheck_dot(c->y, c->r, (size_t)c->B * c->C);
}

Test(activations, prelu_gradients_for_input_and_slope)
{
    enum { B = 5, C = 4 };
    rng_t rng;
    rng_seed(&rng, 21);
    float x[B * C], y[B * C], r[B * C], dx[B * C], alpha[C] = {0.25f, -0.1f, 0.5f, 1.5f}, da[C];
    for (int i = 0; i < B * C; i++) {
        do x[i] = 2 * rng_normal(&rng);
        while (fabsf(x[i]) < 0.05f);
    }
    gradcheck_random_upstream(r, B * C, &rng);
    prelu_forward(y, x, alpha, B, C);
    prelu_backward(dx, da, r, x, alpha, B, C);
    prelu_ctx c = {x, alpha, y, r, B, C};
    double ex = gradcheck_max_rel_error(prelu_loss, &c, x, dx, B * C, 1e-3f);
    double ea = gradcheck_max_rel_error(prelu_loss, &c, alpha, da, C, 1e-3f);
    cr_assert_lt(ex, 1e-2, "prelu dx: relative error %g", ex);
    cr_assert_lt(ea, 1e-2, "prelu dalpha: relative error %g", ea);
}

typedef struct {
    float *x, *y, *r;
    int *arg;
    int B, C, k, kind; /* kind 0 maxout, 1 glu, 2 softmax */
} group_ctx;

static double group_loss(void *p)
{
    group_ctx *c = p;
    if (c->kind == 0)
        maxout_forward(c->y, c->arg, c->x, c->B, c->C, c->k);
    else if (c->kind == 1)
        glu_forward(c->y, c->x, c->B, c->C);
    else
        softmax_forward(c->y, c->x, c->B, c->C);
    return gradcheck_dot(c->y, c->r, (size_t)c->B * c->C);
}

Test(activations, maxout_glu_softmax_gradients)
{
    enum { B = 3, C = 4, K = 3 };
    rng_t rng;
    rng_seed(&rng, 5);
    float x[B * C * K], y[B * C], r[B * C], dx[B * C * K];
    int arg[B * C];
    /* maxout: well separated inputs (no near-ties, which would be kinks) */
    for (int i = 0; i < B * C * K; i++)
        x[i] = (float)((i * 7) % (B * C * K)) * 0.3f + 0.01f * rng_normal(&rng);
    gradcheck_random_upstream(r, B * C, &rng);
    group_ctx c = {x, y, r, arg, B, C, K, 0};
    group_loss(&c);
    maxout_backward(dx, r, arg, B, C, K);
    double e = gradcheck_max_rel_error(group_loss, &c, x, dx, B * C * K, 1e-3f);
    cr_assert_lt(e, 1e-2, "maxout: relative error %g", e);

    for (int i = 0; i < B * 2 * C; i++)
        x[i] = 2 * rng_normal(&rng);
    c.kind = 1;
    group_loss(&c);
    glu_backward(dx, r, x, B, C);
    e = gradcheck_max_rel_error(group_loss, &c, x, dx, B * 2 * C, 1e-3f);
    cr_assert_lt(e, 1e-2, "glu: relative error %g", e);

    c.kind = 2;
    group_loss(&c);
    softmax_backward(dx, r, y, B, C);
    /* h = 1e-2 here: moving one logit moves the whole row of K probabilities, so the float
     * rounding noise in L is larger than for an elementwise function; truncation is ~h^2 = 1e-4 */
    e = gradcheck_max_rel_error(group_loss, &c, x, dx, B * C, 1e-2f);
    cr_assert_lt(e, 1e-2, "softmax: relative error %g", e);
}

Test(activations, backward_may_run_in_place)
{
    float x[3] = {-1, 0.5f, 2}, y[3], d[3] = {1, 2, 3};
    sigmoid_forward(y, x, 3);
    float want = 2 * y[1] * (1 - y[1]);
    sigmoid_backward(d, d, x, y, 3);
    cr_assert_float_eq(d[1], want, 1e-7f, "dx aliasing dy");
}

Test(activations, relu_blocks_and_tail_match_the_definition)
{
    /* relu is written in blocks of 8: 13 elements exercise one block and a tail of 5 */
    float x[13], y[13], dy[13], dx[13];
    for (int i = 0; i < 13; i++)
        x[i] = (float)(i % 2 ? i : -i) * 0.5f, dy[i] = (float)i + 1;
    relu_forward(y, x, 13);
    relu_backward(dx, dy, x, y, 13);
    for (int i = 0; i < 13; i++) {
        cr_assert(y[i] == (x[i] > 0 ? x[i] : 0), "relu(%g) = %g", x[i], y[i]);
        cr_assert(dx[i] == (x[i] > 0 ? dy[i] : 0), "relu backward at %g: %g", x[i], dx[i]);
    }
}

/* Issue 9 ("float accumulation in reductions"): PReLU's dalpha summed the batch in float. */
Test(activations, prelu_dalpha_is_summed_in_double)
{
    enum { B = 1001 };
    static float x[B], dy[B];
    const float alpha = 0.25f;
    for (int b = 0; b < B; b++)
        x[b] = -1, dy[b] = b == 0 ? -1e8f : -1.0f;
    float dalpha;
    prelu_backward(NULL, &dalpha, dy, x, &alpha, B, 1);
    cr_assert_eq(dalpha, 1e8f + 1000, "dalpha = %.1f, expected 100001000", dalpha);
}

/* A NaN must come out of every activation as NaN (PyTorch does the same). relu_forward used to
 * map it to 0 (x > 0 ? x : 0 is false at NaN): the loss stayed finite while dW = x^T dy carried
 * the NaN into the weights. 13 elements put one NaN in relu's block of 8 and one in its tail. */
Test(activations, nan_in_nan_out)
{
    float x[13], y[13];
    for (int i = 0; i < 13; i++)
        x[i] = (float)(i - 6) / 4;
    x[3] = NAN, x[10] = NAN;
    relu_forward(y, x, 13);
    for (int i = 0; i < 13; i++)
        cr_assert(i == 3 || i == 10 ? isnan(y[i]) : y[i] == (x[i] > 0 ? x[i] : 0), "relu(%g) = %g", x[i], y[i]);
    const float nan1[1] = {NAN};
    float out[1];
    leaky_relu_forward(out, nan1, 1, 0.01f);
    cr_assert(isnan(out[0]), "leaky_relu(NaN) = %g", out[0]);
    elu_forward(out, nan1, 1, 1);
    cr_assert(isnan(out[0]), "elu(NaN) = %g", out[0]);
    prelu_forward(out, nan1, (float[]){0.25f}, 1, 1);
    cr_assert(isnan(out[0]), "prelu(NaN) = %g", out[0]);
    const fwd_fn smooth[] = {sigmoid_forward, tanh_act_forward, softplus_forward, gelu_forward, silu_forward,
                             mish_forward};
    for (size_t k = 0; k < sizeof smooth / sizeof *smooth; k++) {
        smooth[k](out, nan1, 1);
        cr_assert(isnan(out[0]), "activation %zu of sigmoid, tanh, softplus, gelu, silu, mish: f(NaN) = %g", k,
                  out[0]);
    }
    /* maxout: a NaN wins its group wherever it stands (max in PyTorch propagates it) */
    const float g[6] = {1, NAN, 2, NAN, 5, NAN};
    float m[2];
    int arg[2];
    maxout_forward(m, arg, g, 1, 2, 3);
    cr_assert(isnan(m[0]) && arg[0] == 1, "maxout of (1, NaN, 2): %g at %d, expected NaN at 1", m[0], arg[0]);
    cr_assert(isnan(m[1]) && arg[1] == 0, "maxout of (NaN, 5, NaN): %g at %d, expected the first NaN (0)", m[1],
              arg[1]);
}
