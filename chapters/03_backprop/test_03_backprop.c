/* test_03_backprop.c — the grader of chapter 3.
 *
 * One suite per exercise (exNN_K); the suite ch03 holds checks of the chapter's error handling,
 * which carry no points. Golden values come from PyTorch (golden/make_golden.py, its output
 * golden/golden.h is committed), from closed forms worked out in the comments, or from centered
 * differences (common/gradcheck.h) with the relative-error bound stated next to each check.
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "03_backprop.c"
#endif
#include CHAPTER_SOURCE

#include "golden/golden.h"
#include "tests/capture.h"

#include <criterion/criterion.h>

static const int MLP_SIZES_FOR_TESTS[4] = {784, 256, 128, 10};

TestSuite(ex03_1, .timeout = 10);
TestSuite(ex03_2, .timeout = 10);
TestSuite(ex03_3, .timeout = 10);
TestSuite(ex03_4, .timeout = 10);
TestSuite(ex03_5, .timeout = 20);
TestSuite(ex03_6, .timeout = 10);
TestSuite(ex03_7, .timeout = 30);
TestSuite(ch03, .timeout = 10);

/* --- 03.1 and 03.2: the derivatives ------------------------------------------------------------ */

/* Compares derivative(k, x) with PyTorch's autograd at the ten golden points. float32 formulas
 * against float64 autograd: agreement to 1e-5 absolute (the values are at most ~1.1). */
static void expect_golden(act_kind k, float (*derivative)(act_kind, float), const double *gold, const char *hint)
{
    for (int i = 0; i < GOLD_NX; i++) {
        float got = derivative(k, GOLD_X[i]);
        cr_assert(fabs(got - gold[i]) < 1e-5, "%s'(%g): expected %.7f (PyTorch), got %.7f. Hint: %s", ACT_NAMES[k],
                  GOLD_X[i], gold[i], got, hint);
    }
}

Test(ex03_1, sigmoid_and_tanh_match_pytorch)
{
    expect_golden(ACT_SIGMOID, derivative_classic, GOLD_D_SIGMOID,
                  "sigma' = sigma (1 - sigma); is the maximum 1/4 at x = 0?");
    expect_golden(ACT_TANH, derivative_classic, GOLD_D_TANH, "tanh' = 1 - tanh^2, not 1 - tanh");
}

Test(ex03_1, relu_and_leaky_relu_match_pytorch)
{
    expect_golden(ACT_RELU, derivative_classic, GOLD_D_RELU, "relu' is 1 where x > 0 and 0 where x < 0");
    expect_golden(ACT_LEAKY_RELU, derivative_classic, GOLD_D_LEAKY_RELU,
                  "for x < 0 the slope is LEAKY_SLOPE (0.1), not 0");
}

Test(ex03_1, conventions_at_zero_and_for_the_step)
{
    /* relu'(0): no derivative exists; the convention (PyTorch's too) is 0, the left slope. */
    float r = derivative_classic(ACT_RELU, 0.0f), l = derivative_classic(ACT_LEAKY_RELU, 0.0f);
    cr_assert(r == 0.0f, "relu'(0): expected 0 (the convention), got %g. Hint: use x > 0, not x >= 0.", r);
    cr_assert(l == LEAKY_SLOPE, "leaky relu'(0): expected the left slope %g, got %g. Hint: x > 0 picks 1.", LEAKY_SLOPE, l);
    /* The step is constant on each side of 0: its derivative is 0 wherever it exists (almost
     * everywhere); at 0 itself it has none, and the chapter returns 0 there too. */
    const float xs[4] = {-3, -1e-3f, 0, 2};
    for (int i = 0; i < 4; i++) {
        float d = derivative_classic(ACT_STEP, xs[i]);
        cr_assert(d == 0.0f, "step'(%g): expected 0, got %g. Hint: the step is flat on both sides of 0; "
                  "its derivative is zero almost everywhere.", xs[i], d);
    }
}

Test(ex03_1, finite_far_out_and_nan_for_other_kinds)
{
    float s = derivative_classic(ACT_SIGMOID, -100.0f), t = derivative_classic(ACT_TANH, 50.0f);
    cr_assert(s == 0.0f || (isfinite(s) && s < 1e-30f), "sigmoid'(-100): expected ~0, got %g. Hint: use "
              "sigmoid1 (1 / (1 + expf(100)) is fine, but expf(-x) overflows for x < -88 in other forms).", s);
    cr_assert(isfinite(t) && t < 1e-6f, "tanh'(50): expected ~0 (tanh saturates at 1), got %g. Hint: 1 - t * t "
              "with t = tanhf(x).", t);
    float g = derivative_classic(ACT_GELU, 1.0f);
    cr_assert(isnan(g), "derivative_classic(ACT_GELU): expected NAN (not a classic), got %g. "
              "Hint: return NAN in the default case.", g);
}

Test(ex03_2, elu_and_softplus_match_pytorch)
{
    expect_golden(ACT_ELU, derivative_smooth, GOLD_D_ELU, "for x <= 0, elu' = alpha e^x (= y + alpha)");
    expect_golden(ACT_SOFTPLUS, derivative_smooth, GOLD_D_SOFTPLUS, "the derivative of log(1 + e^x) is sigma(x)");
}

Test(ex03_2, gelu_silu_mish_match_pytorch)
{
    expect_golden(ACT_GELU, derivative_smooth, GOLD_D_GELU,
                  "product rule on x Phi(x): Phi(x) + x phi(x), phi the normal density");
    expect_golden(ACT_SILU, derivative_smooth, GOLD_D_SILU, "product rule on x sigma(x): sigma + x sigma (1 - sigma)");
    expect_golden(ACT_MISH, derivative_smooth, GOLD_D_MISH,
                  "t = tanh(softplus(x)); mish' = t + x sigma(x) (1 - t^2)");
}

Test(ex03_2, finite_at_plus_minus_30_and_nan_for_other_kinds)
{
    const act_kind ks[5] = {ACT_ELU, ACT_SOFTPLUS, ACT_GELU, ACT_SILU, ACT_MISH};
    for (int k = 0; k < 5; k++)
        for (float x = -30; x <= 30; x += 60) {
            float d = derivative_smooth(ks[k], x);
            cr_assert(isfinite(d) && d >= -1e-6f && d <= 1.0f + 1e-6f, "%s'(%g): expected a finite value in "
                      "[0, 1] (0 far left, 1 far right), got %g. Hint: use the given helpers, which never "
                      "overflow.", ACT_NAMES[ks[k]], x, d);
        }
    float r = derivative_smooth(ACT_RELU, 1.0f);
    cr_assert(isnan(r), "derivative_smooth(ACT_RELU): expected NAN, got %g. Hint: the default case.", r);
}

/* Both exercises against the library's forward, by centered differences: random points
 * x ~ N(0, 2^2) at least 0.02 away from the kink at 0, h = 1e-2 on float32 forwards (rounding
 * noise ~1e-7 / h = 1e-5, truncation h^2 |f'''| / 6 < 1e-4): agreement within 1e-2 relative. */
static float forward1(act_kind k, float x)
{
    float y;
    act_forward(k, &y, &x, 1);
    return y;
}

static void expect_numerical(act_kind k, float (*derivative)(act_kind, float))
{
    rng_t rng;
    rng_seed(&rng, 100 + k);
    for (int i = 0; i < 50; i++) {
        float x = 2 * rng_normal(&rng);
        if (fabsf(x) < 0.02f)
            continue;
        double n = ((double)forward1(k, x + 1e-2f) - forward1(k, x - 1e-2f)) / ((double)(x + 1e-2f) - (x - 1e-2f));
        float a = derivative(k, x);
        double e = fabs(a - n) / fmax(fabs(a) + fabs(n), 1e-3);
        cr_assert(e < 1e-2, "%s'(%g): your %g vs the centered difference %g of the library's forward "
                  "(relative error %.2g, bound 1e-2). Hint: re-derive it in section 3.3.", ACT_NAMES[k], x, a, n, e);
    }
}

Test(ex03_1, agree_with_centered_differences)
{
    for (act_kind k = ACT_SIGMOID; k <= ACT_LEAKY_RELU; k++)
        expect_numerical(k, derivative_classic);
}

Test(ex03_2, agree_with_centered_differences)
{
    for (act_kind k = ACT_ELU; k <= ACT_MISH; k++)
        expect_numerical(k, derivative_smooth);
}

/* --- 03.3 one centered difference ------------------------------------------------------------ */

/* L(p) = p^3 + 2p in double: L'(p) = 3p^2 + 2. */
static double cubic(void *ctx)
{
    double p = *(float *)ctx;
    return p * p * p + 2 * p;
}

Test(ex03_3, correct_derivative_gives_a_tiny_error)
{
    float p = 1.5f;
    double e = gradcheck_one(cubic, &p, &p, 3 * 1.5 * 1.5 + 2, 1e-2f);
    /* centered: error h^2 L'''/6 = 1e-4 * 6 / 6 = 1e-4 on 8.75: relative ~6e-6 */
    cr_assert(e < 1e-4, "p^3 + 2p at 1.5 (derivative 8.75), h = 1e-2: expected relative error < 1e-4, got %g. "
              "Hint: centered is (L(p+h) - L(p-h)) / (2h); the one-sided (L(p+h) - L(p)) / h is off by 1e-2 "
              "relative here.", e);
    cr_assert(p == 1.5f, "p must be restored to 1.5, got %.9g. Hint: save *p first and put it back.", p);
}

Test(ex03_3, wrong_derivative_gives_the_relative_error)
{
    float p = 1.5f;
    double e = gradcheck_one(cubic, &p, &p, 10.0, 1e-2f);
    /* |10 - 8.7501| / (10 + 8.7501) = 0.06666 */
    cr_assert(fabs(e - 1.2499 / 18.7501) < 1e-4, "analytic 10 vs true 8.75: expected relative error "
              "|a - n| / (|a| + |n|) = 0.0667, got %g. Hint: the numerical derivative is (L(p+h) - L(p-h)) / (2h), "
              "with 2h, and the error divides by |a| + |n|, not by |n| alone.", e);
}

Test(ex03_3, floor_for_zero_derivatives)
{
    float p = 0.0f;
    /* L(p) = p^3 + 2p at 0 has derivative 2; use analytic 2.0005: |diff| 5e-4, rel 1.25e-4 */
    double e = gradcheck_one(cubic, &p, &p, 2.0005, 1e-3f);
    cr_assert(e < 2e-4 && e > 5e-5, "p^3 + 2p at 0 (derivative 2) with analytic 2.0005: expected relative "
              "error 0.0005 / 4.0005 = 1.25e-4, got %g. Hint: is the numerical derivative (L(p+h) - L(p-h)) / (2h)?", e);
    /* A constant loss with analytic 0: |a| + |n| = 0, the floor keeps it 0/1e-3 = 0, not 0/0 */
    p = 3.0f;
    float q = 0.0f; /* L reads q, not p: dL/dp = 0 */
    e = gradcheck_one(cubic, &q, &p, 0.0, 1e-3f);
    cr_assert(e == 0.0, "a loss that does not depend on p, analytic 0: expected error 0, got %g. "
              "Hint: the denominator is max(|a| + |n|, GRADCHECK_FLOOR), never 0.", e);
    cr_assert(p == 3.0f, "p must be restored to exactly 3, got %.9g. Hint: put the saved value back after both "
              "evaluations; moving *p by +h, -2h and +h again leaves float rounding behind.", p);
}

/* The denominator takes each absolute value separately, and the floor is a maximum, not a term. */
static double small_cubic(void *ctx) { return 1e-4 * cubic(ctx); }

Test(ex03_3, a_gradient_of_the_wrong_sign_gives_one)
{
    /* analytic -8.75 against the true 8.7501 (a gradient of the wrong sign): |a - n| = |a| + |n|, so e = 1 */
    float p = 1.5f;
    double e = gradcheck_one(cubic, &p, &p, -8.75, 1e-2f);
    cr_assert(fabs(e - 1) < 1e-3, "analytic -8.75 vs true +8.75 (the wrong sign): expected relative error 1, got %g. "
              "Hint: the denominator is |a| + |n|, two absolute values, not |a + n|.", e);
}

Test(ex03_3, the_floor_is_a_maximum_not_a_term)
{
    /* L = 1e-4 (p^3 + 2p) at 1.5: n = 8.7501e-4 (h = 1e-2), analytic 2n = 1.75e-3. |a| + |n| =
     * 2.625e-3 is above the floor 1e-3, so e = 8.75e-4 / 2.625e-3 = 1/3 (0.333 to 4 digits);
     * adding the floor instead would give 8.75e-4 / 3.625e-3 = 0.241. */
    float p = 1.5f;
    double e = gradcheck_one(small_cubic, &p, &p, 1.75e-3, 1e-2f);
    cr_assert(fabs(e - 1.0 / 3) < 1e-3, "1e-4 (p^3 + 2p) at 1.5 (derivative 8.75e-4), analytic 1.75e-3: expected "
              "relative error 1/3, got %g. Hint: the floor is max(|a| + |n|, GRADCHECK_FLOOR); it only replaces a "
              "denominator below 1e-3 and is never added to it.", e);
}

/* L = 1e5 + p^3 + 2p: float spaces numbers near 1e5 by 2^-7 = 0.0078, so L(p+h) - L(p-h) = 0.175
 * kept in float is off by up to 0.0078, i.e. the difference quotient by up to 0.4 (5%). In double
 * the rounding is ~1e-11 and the centered difference is 8.7501 (relative error 6e-6). */
static double offset_cubic(void *ctx) { return 1e5 + cubic(ctx); }

Test(ex03_3, losses_kept_in_double)
{
    float p = 1.5f;
    double e = gradcheck_one(offset_cubic, &p, &p, 8.75, 1e-2f);
    cr_assert(e < 1e-4, "1e5 + p^3 + 2p at 1.5 (derivative 8.75), h = 1e-2: expected relative error < 1e-4, got %g. "
              "Hint: keep L(p+h) and L(p-h) in double, as loss() returns them: in float, values near 1e5 are "
              "0.008 apart, and dividing by 2h = 0.02 turns that into an error of 0.4.", e);
}

/* --- the golden MLP 6-5-4-3, batch 4 ----------------------------------------------------------- */

static const int GOLD_SIZES[4] = {6, 5, 4, 3};

/* m.a[0] is not part of the network (a[l] holds layer l's output for l >= 1; the first layer reads
 * the batch x): the golden network points it at NaN, so that code which reads it as the input gets
 * NaN gradients and logits and a message, not a crash on NULL. */
static float NOT_THE_INPUT[4 * 6] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN,
                                     NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};

static mlp golden_mlp(act_kind act)
{
    mlp m = mlp_new(GOLD_SIZES, 3, act, 4);
    m.a[0] = NOT_THE_INPUT;
    memcpy(m.W[0], MLP_W0, sizeof MLP_W0), memcpy(m.b[0], MLP_B0, sizeof MLP_B0);
    memcpy(m.W[1], MLP_W1, sizeof MLP_W1), memcpy(m.b[1], MLP_B1, sizeof MLP_B1);
    memcpy(m.W[2], MLP_W2, sizeof MLP_W2), memcpy(m.b[2], MLP_B2, sizeof MLP_B2);
    return m;
}

static tensor_t golden_x(int rows) { return tensor_view((float *)MLP_X, 2, (int[]){rows, 6}); }

/* Largest |got - want| over n values, and where. */
static double max_diff(const float *got, const float *want, int n, int *at)
{
    double m = 0;
    *at = 0;
    for (int i = 0; i < n; i++)
        if (fabs(got[i] - want[i]) > m || isnan(got[i]))
            m = isnan(got[i]) ? INFINITY : fabs(got[i] - want[i]), *at = i;
    return m;
}

/* --- 03.4 the forward pass ------------------------------------------------------------------- */

/* float32 against PyTorch's float64 on values of size ~1: agreement to 1e-5 */
static void expect_logits(act_kind act, const float *want, const char *hint)
{
    mlp m = golden_mlp(act);
    const float *z = mlp_forward(&m, golden_x(4));
    int at;
    double d = max_diff(z, want, 12, &at);
    cr_assert(d < 1e-5, "%s MLP 6-5-4-3 on the golden batch: logit [%d][%d] is %g, PyTorch says %g. Hint: %s",
              ACT_NAMES[act], at / 3, at % 3, z[at], want[at], hint);
    mlp_free(&m);
}

Test(ex03_4, relu_logits_match_pytorch)
{
    expect_logits(ACT_RELU, MLP_RELU_LOGITS, "z = a W + b per layer, relu on the hidden layers only, and "
                  "each layer reads the previous layer's output (x.data for the first: m->a[0] is not the input, "
                  "the network's layers are a[1] .. a[L])");
}

Test(ex03_4, tanh_logits_match_pytorch)
{
    expect_logits(ACT_TANH, MLP_TANH_LOGITS, "use m->act, not a fixed relu (a NaN: the first layer reads "
                  "x.data, not m->a[0])");
}

Test(ex03_4, uses_only_the_rows_given)
{
    mlp m = golden_mlp(ACT_RELU);
    const float *z = mlp_forward(&m, golden_x(2)); /* B = 2 of max_batch 4 */
    int at;
    double d = max_diff(z, MLP_RELU_LOGITS, 6, &at);
    cr_assert(d < 1e-5, "a batch of 2 rows: logit [%d][%d] is %g, expected %g. Hint: pass B (the rows of x), "
              "not m->max_batch, to linear_forward.", at / 3, at % 3, z[at], MLP_RELU_LOGITS[at]);
    mlp_free(&m);
}

Test(ex03_4, a_single_layer_is_just_linear)
{
    /* L = 1: logits = x W + b with no activation at all. W = [[1, -1], [2, 0.5]], b = (0.5, -3):
     * x = (1, 1): (3.5, -3.5) (relu would zero the second). */
    const int sizes[2] = {2, 2};
    mlp m = mlp_new(sizes, 1, ACT_RELU, 1);
    const float W[4] = {1, -1, 2, 0.5f}, b[2] = {0.5f, -3}, x[2] = {1, 1};
    memcpy(m.W[0], W, sizeof W), memcpy(m.b[0], b, sizeof b);
    const float *z = mlp_forward(&m, tensor_view((float *)x, 2, (int[]){1, 2}));
    cr_assert(fabsf(z[0] - 3.5f) < 1e-6f && fabsf(z[1] + 3.5f) < 1e-6f, "one layer, x = (1, 1): expected "
              "logits (3.5, -3.5), got (%g, %g). Hint: the last layer (here the only one) has no activation.",
              z[0], z[1]);
    mlp_free(&m);
}

/* A widening network 3-7-9-4 (tanh), 2 rows of a max_batch of 3, against the layers written out as
 * loops here: every hidden value must go through tanh, and the logits must not. The golden network
 * above only narrows (6-5-4-3), so an activation applied to B * sizes[l] values (the layer's
 * input width) covered every output there. */
Test(ex03_4, a_widening_network_matches_plain_loops)
{
    const int sizes[4] = {3, 7, 9, 4}, B = 2;
    rng_t rng;
    rng_seed(&rng, 34);
    mlp m = mlp_new(sizes, 3, ACT_TANH, 3);
    init_normal(m.params, m.n_params, 0.7f, &rng);
    float x[6];
    for (int i = 0; i < 6; i++) x[i] = rng_normal(&rng);
    double a[2][9], z[2][9]; /* the reference, one layer at a time */
    for (int b = 0; b < B; b++)
        for (int j = 0; j < 3; j++) a[b][j] = x[b * 3 + j];
    for (int l = 0; l < 3; l++) {
        for (int b = 0; b < B; b++)
            for (int j = 0; j < sizes[l + 1]; j++) {
                z[b][j] = m.b[l][j];
                for (int i = 0; i < sizes[l]; i++) z[b][j] += a[b][i] * m.W[l][i * sizes[l + 1] + j];
            }
        for (int b = 0; b < B; b++)
            for (int j = 0; j < sizes[l + 1]; j++) a[b][j] = l < 2 ? tanh(z[b][j]) : z[b][j];
    }
    const float *got = mlp_forward(&m, tensor_view(x, 2, (int[]){B, 3}));
    for (int i = 0; i < B * 4; i++)
        cr_assert(fabs(got[i] - a[i / 4][i % 4]) < 1e-5, "tanh MLP 3-7-9-4 (each hidden layer wider than its "
                  "input), 2 rows: logit [%d][%d] is %g, expected %g. Hint: the activation covers B * sizes[l + 1] "
                  "values, the layer's outputs, not its inputs.", i / 4, i % 4, got[i], a[i / 4][i % 4]);
    mlp_free(&m);
}

/* --- 03.5 the backward pass ------------------------------------------------------------------ */

static void expect_grads(act_kind act, const float *dW[3], const float *db[3], const char *hint)
{
    mlp m = golden_mlp(act);
    tensor_t x = golden_x(4);
    const float *z = mlp_forward(&m, x);
    float dz[12];
    softmax_cross_entropy(dz, z, MLP_LABELS, 4, 3); /* chapter 2's (p - onehot) / B */
    mlp_backward(&m, x.data, dz, 4);
    for (int l = 2; l >= 0; l--) {
        int at, n = GOLD_SIZES[l] * GOLD_SIZES[l + 1];
        double d = max_diff(m.dW[l], dW[l], n, &at);
        cr_assert(d < 1e-5, "%s MLP: dW of layer %d, element (%d, %d): got %g, PyTorch %g. Hint: %s", ACT_NAMES[act],
                  l + 1, at / GOLD_SIZES[l + 1], at % GOLD_SIZES[l + 1], m.dW[l][at], dW[l][at], hint);
        d = max_diff(m.db[l], db[l], GOLD_SIZES[l + 1], &at);
        cr_assert(d < 1e-5, "%s MLP: db of layer %d, element %d: got %g, PyTorch %g. Hint: the bias gradient "
                  "is the column sum of that layer's dz.", ACT_NAMES[act], l + 1, at, m.db[l][at], db[l][at]);
    }
    mlp_free(&m);
}

Test(ex03_5, relu_gradients_match_pytorch)
{
    const float *dW[3] = {MLP_RELU_DW0, MLP_RELU_DW1, MLP_RELU_DW2}, *db[3] = {MLP_RELU_DB0, MLP_RELU_DB1, MLP_RELU_DB2};
    expect_grads(ACT_RELU, dW, db, "walk from the last layer down; the input of layer l is a[l] for l > 0 and x "
                 "for l = 0 (m->a[0] is not the input); dz of a hidden layer is da times relu' (hidden_backward)");
}

Test(ex03_5, tanh_gradients_match_pytorch)
{
    const float *dW[3] = {MLP_TANH_DW0, MLP_TANH_DW1, MLP_TANH_DW2}, *db[3] = {MLP_TANH_DB0, MLP_TANH_DB1, MLP_TANH_DB2};
    expect_grads(ACT_TANH, dW, db, "the activation's backward uses m->act (tanh' = 1 - a^2, from the output); a NaN: "
                 "the first layer's input is x, not m->a[0]");
}

/* L = sum(logits * R) for the numerical check below. */
typedef struct {
    mlp *m;
    tensor_t x;
    float *r;
} up_ctx;

static double up_loss(void *p)
{
    up_ctx *c = p;
    return gradcheck_dot(mlp_forward(c->m, c->x), c->r, (size_t)c->x.shape[0] * c->m->sizes[c->m->L]);
}

Test(ex03_5, deep_sigmoid_network_passes_the_gradient_check)
{
    /* 7-6-5-4-3 sigmoid network (smooth: no kinks), B = 3, random upstream R on the logits. Every
     * parameter checked with centered differences, h = 1e-2: relative error < 1e-2. */
    const int sizes[5] = {7, 6, 5, 4, 3};
    rng_t rng;
    rng_seed(&rng, 8);
    mlp m = mlp_new(sizes, 4, ACT_SIGMOID, 3);
    init_normal(m.params, m.n_params, 0.8f, &rng);
    float x[21], r[9];
    for (int i = 0; i < 21; i++) x[i] = rng_normal(&rng);
    gradcheck_random_upstream(r, 9, &rng);
    up_ctx c = {&m, tensor_view(x, 2, (int[]){3, 7}), r};
    mlp_forward(&m, c.x);
    mlp_backward(&m, x, r, 3);
    float *analytic = nn_malloc(m.n_params * sizeof(float));
    memcpy(analytic, m.grads, m.n_params * sizeof(float));
    gradcheck_result_t g = gradcheck_run(up_loss, &c, m.params, analytic, m.n_params, 1e-2f);
    cr_assert(g.max_rel_error < 1e-2, "4-layer sigmoid network: parameter %zu (of %zu; W1 b1 W2 b2 ... in order) "
              "has analytic gradient %g but the centered difference is %g (relative error %.2g, bound 1e-2). "
              "Hint: are the gradients of every layer written, with the right layer input?", g.worst, m.n_params,
              g.analytic, g.numeric, g.max_rel_error);
    free(analytic);
    mlp_free(&m);
}

Test(ex03_5, gradients_are_overwritten_not_accumulated)
{
    mlp m = golden_mlp(ACT_RELU);
    tensor_t x = golden_x(4);
    const float *z = mlp_forward(&m, x);
    float dz[12];
    softmax_cross_entropy(dz, z, MLP_LABELS, 4, 3);
    mlp_backward(&m, x.data, dz, 4);
    mlp_backward(&m, x.data, dz, 4);
    int at;
    double d = max_diff(m.dW[0], MLP_RELU_DW0, 30, &at);
    cr_assert(d < 1e-5, "backward twice: dW of layer 1 element %d is %g, expected %g. Hint: linear_backward "
              "overwrites; do not add to m->grads.", at, m.dW[0][at], MLP_RELU_DW0[at]);
    mlp_free(&m);
}

/* The batch's B rows, not max_batch: the golden batch of 4 run as two batches of 2 in a network of
 * max_batch 4. Every weight gradient is a sum over rows of terms that depend on that row alone
 * (the relu masks too), so the two halves' gradients, given the rows of the full batch's dz, add
 * up to PyTorch's. The rows of dz past B hold NaN: a backward that reads them is wrong. */
Test(ex03_5, a_batch_smaller_than_max_batch)
{
    mlp m = golden_mlp(ACT_RELU);
    float dz[12], sum[30] = {0}, half[12];
    softmax_cross_entropy(dz, mlp_forward(&m, golden_x(4)), MLP_LABELS, 4, 3);
    for (int h = 0; h < 2; h++) {
        const float *x = MLP_X + 12 * h;
        mlp_forward(&m, tensor_view((float *)x, 2, (int[]){2, 6}));
        for (int i = 0; i < 12; i++) half[i] = i < 6 ? dz[6 * h + i] : NAN;
        mlp_backward(&m, x, half, 2);
        for (int i = 0; i < 30; i++) sum[i] += m.dW[0][i];
    }
    int at;
    double d = max_diff(sum, MLP_RELU_DW0, 30, &at);
    cr_assert(d < 1e-5, "two batches of 2 rows (max_batch 4): dW of layer 1 summed over both, element (%d, %d): got "
              "%g, PyTorch %g (for the 4 rows at once). Hint: use B, the rows of this batch, not m->max_batch.",
              at / 5, at % 5, sum[at], MLP_RELU_DW0[at]);
    mlp_free(&m);
}

/* The first layer's input gradient is not computed: the delta buffers are as wide as the widest
 * hidden layer (5 here), narrower than the 6 inputs. Each buffer is replaced by one with 64 guard
 * floats after it, which must be left untouched. */
Test(ex03_5, no_input_gradient_for_the_first_layer)
{
    mlp m = golden_mlp(ACT_RELU);
    float *own[2] = {m.delta[0], m.delta[1]}, buf[2][4 * 5 + 64];
    for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 4 * 5 + 64; j++) buf[i][j] = 12345.0f;
        m.delta[i] = buf[i];
    }
    float dz[12];
    softmax_cross_entropy(dz, mlp_forward(&m, golden_x(4)), MLP_LABELS, 4, 3);
    mlp_backward(&m, MLP_X, dz, 4);
    int touched = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 4 * 5; j < 4 * 5 + 64; j++) touched += buf[i][j] != 12345.0f;
    m.delta[0] = own[0], m.delta[1] = own[1];
    cr_assert(touched == 0, "mlp_backward wrote %d floats past the end of the delta buffers (B x widest hidden "
              "layer = 4 x 5). Hint: the first layer's input gradient (4 x 6, the pixels) is not needed: pass "
              "dx = NULL to linear_backward for l = 0.", touched);
    mlp_free(&m);
}

/* --- 03.6 initialization scales --------------------------------------------------------------- */

Test(ex03_6, each_scheme_by_formula)
{
    /* fan_in 784, fan_out 256: lecun sqrt(1/784) = 1/28, xavier sqrt(2/1040), he sqrt(2/784) */
    struct { init_scheme s; double want; const char *hint; } c[] = {
        {INIT_ZERO, 0, "zero init: standard deviation 0"},
        {INIT_SMALL, 0.01, "small: a fixed 0.01"},
        {INIT_LARGE, 1.0, "large: a fixed 1"},
        {INIT_LECUN, 1.0 / 28, "LeCun: Var w = 1 / fan_in, so std = sqrt(1 / fan_in)"},
        {INIT_XAVIER, sqrt(2.0 / 1040), "Xavier: Var w = 2 / (fan_in + fan_out)"},
        {INIT_HE, sqrt(2.0 / 784), "He: Var w = 2 / fan_in (ReLU halves the variance)"},
    };
    for (int i = 0; i < 6; i++) {
        float got = init_std(c[i].s, 784, 256);
        cr_assert(fabs(got - c[i].want) < 1e-6, "init_std(%s, 784, 256): expected %.7f, got %.7f. Hint: %s; "
                  "the std is the square root of the variance.", INIT_NAMES[c[i].s], c[i].want, got, c[i].hint);
    }
}

Test(ex03_6, agrees_with_common_init)
{
    const init_scheme s[3] = {INIT_HE, INIT_LECUN, INIT_XAVIER};
    const float want[3] = {init_he_std(300), init_lecun_std(300), init_xavier_std(300, 100)};
    for (int i = 0; i < 3; i++) {
        float got = init_std(s[i], 300, 100);
        cr_assert(fabsf(got - want[i]) < 1e-7f, "init_std(%s, 300, 100): expected %.7f (common/init.h), got %.7f. "
                  "Hint: fan_in = 300, fan_out = 100; only Xavier uses both.", INIT_NAMES[s[i]], want[i], got);
    }
}

static double sample_std(const float *w, size_t n)
{
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++)
        s += w[i], s2 += (double)w[i] * w[i];
    return sqrt(s2 / n - (s / n) * (s / n));
}

Test(ex03_6, mlp_init_draws_with_that_scale)
{
    rng_t rng;
    rng_seed(&rng, 4);
    const int sizes[3] = {784, 256, 10};
    mlp m = mlp_new(sizes, 2, ACT_RELU, 1);
    mlp_init(&m, INIT_HE, &rng);
    /* 200,704 samples: the sample std is within 1% of sqrt(2/784) = 0.0505 */
    double s0 = sample_std(m.W[0], 784 * 256), s1 = sample_std(m.W[1], 256 * 10);
    cr_assert(fabs(s0 / sqrt(2.0 / 784) - 1) < 0.01, "He init of a 784 -> 256 layer: weight std %g, expected "
              "%g. Hint: init_std(INIT_HE, fan_in, fan_out) = sqrt(2 / fan_in).", s0, sqrt(2.0 / 784));
    /* 2,560 samples: within 5% of sqrt(2/256) = 0.0884 */
    cr_assert(fabs(s1 / sqrt(2.0 / 256) - 1) < 0.05, "He init of the 256 -> 10 layer: std %g, expected %g. "
              "Hint: fan_in is that layer's number of inputs, 256.", s1, sqrt(2.0 / 256));
    mlp_init(&m, INIT_ZERO, &rng);
    double z = sample_std(m.W[0], 784 * 256);
    cr_assert(z == 0 && m.W[0][12345] == 0, "zero init: expected every weight 0, got std %g. Hint: "
              "init_std(INIT_ZERO, ...) is 0.", z);
    mlp_free(&m);
}

/* --- 03.7 one training step ------------------------------------------------------------------ */

Test(ex03_7, one_sgd_step_matches_pytorch)
{
    mlp m = golden_mlp(ACT_RELU);
    optimizer o = optimizer_new("sgd", 0.5f, m.n_params);
    float loss = train_step(&m, &o, golden_x(4), MLP_LABELS, 1);
    cr_assert(fabs(loss - MLP_RELU_LOSS) < 1e-5, "the returned loss: expected %g (PyTorch's cross_entropy), got "
              "%g. Hint: return the mean cross-entropy of this batch, computed before the update.", MLP_RELU_LOSS, loss);
    int at;
    double d = max_diff(m.params, MLP_AFTER_SGD1, (int)m.n_params, &at);
    cr_assert(d < 1e-5, "after one SGD step (lr 0.5), parameter %d is %g, PyTorch says %g. Hint: forward, "
              "softmax_cross_entropy into m->dlogits, backward, then optimizer_step on m->params.", at,
              m.params[at], MLP_AFTER_SGD1[at]);
    optimizer_free(&o);
    mlp_free(&m);
}

Test(ex03_7, two_adam_steps_match_pytorch)
{
    mlp m = golden_mlp(ACT_RELU);
    optimizer o = optimizer_new("adam", 0.01f, m.n_params);
    train_step(&m, &o, golden_x(4), MLP_LABELS, 1);
    train_step(&m, &o, golden_x(4), MLP_LABELS, 2);
    int at;
    /* Adam moves each parameter by ~lr per step: agreement to 1e-5 */
    double d = max_diff(m.params, MLP_AFTER_ADAM2, (int)m.n_params, &at);
    cr_assert(d < 1e-5, "after two Adam steps (lr 0.01), parameter %d is %g, PyTorch says %g. Hint: one "
              "optimizer_step per train_step, with the gradients of this step.", at, m.params[at],
              MLP_AFTER_ADAM2[at]);
    optimizer_free(&o);
    mlp_free(&m);
}

/* At exit (nn_check_finite exits with status 1) the weights must still be finite: the step whose loss
 * is not finite stops before its backward pass and update, which would write NaN into every weight. */
static const mlp *exploding;

static void report_weights(void)
{
    size_t bad = 0;
    for (size_t i = 0; i < exploding->n_params; i++) bad += !isfinite(exploding->params[i]);
    fprintf(stderr, "[weights at exit: %zu not finite]\n", bad);
}

static void explode(void *arg)
{
    (void)arg;
    static mlp m;
    m = golden_mlp(ACT_RELU);
    exploding = &m;
    atexit(report_weights);
    optimizer o = optimizer_new("sgd", 1e30f, m.n_params);
    for (long step = 1; step <= 20; step++)
        train_step(&m, &o, golden_x(4), MLP_LABELS, step);
    fprintf(stderr, "no error after 20 steps\n");
}

Test(ex03_7, a_non_finite_loss_stops_training_with_a_message)
{
    char err[4096];
    int status = capture_stderr(explode, NULL, err, sizeof err);
    cr_assert(status != 3, "train_step is still a TODO (exit 3): %s. Hint: write exercise 03.7 first.", err);
    cr_assert_eq(status, 1, "SGD with lr 1e30 must stop with exit status 1 once the loss is not finite; got %d "
                 "(output: %s). Hint: nn_check_finite(loss, \"the training loss\", step) right after the loss.",
                 status, err);
    cr_assert(strstr(err, "the training loss became") && strstr(err, "at step 2") && strstr(err, "learning rate"),
              "the message must name the step (2 here: step 1 is finite, its update explodes the weights) and "
              "suggest a smaller learning rate; got: %s. Hint: check before the backward pass and the update.", err);
    const char *w = strstr(err, "[weights at exit: ");
    long bad = w ? strtol(w + strlen("[weights at exit: "), NULL, 10) : -1;
    cr_assert(bad == 0, "when training stopped, %ld of the weights were NaN or infinite (-1: the test's report is "
              "missing), expected none. Hint: check the loss right after computing it, before the backward pass "
              "and the update, which turn every weight into NaN once the loss is not finite.", bad);
}

/* A batch of 2 rows in the golden network of max_batch 4, run in a child (a backward over the wrong
 * number of rows stops the program). SGD with lr 0: only the returned loss is checked, against the
 * mean cross-entropy of the first two rows of PyTorch's logits, worked out here in double. */
static void two_row_step(void *arg)
{
    (void)arg;
    mlp m = golden_mlp(ACT_RELU);
    optimizer o = optimizer_new("sgd", 0.0f, m.n_params);
    float loss = train_step(&m, &o, golden_x(2), MLP_LABELS, 1);
    fprintf(stderr, "[loss %.9g]\n", loss);
    exit(0);
}

Test(ex03_7, a_batch_smaller_than_max_batch)
{
    double want = 0;
    for (int b = 0; b < 2; b++) {
        const float *z = MLP_RELU_LOGITS + 3 * b;
        double mx = fmax(z[0], fmax(z[1], z[2]));
        want += mx + log(exp(z[0] - mx) + exp(z[1] - mx) + exp(z[2] - mx)) - z[MLP_LABELS[b]];
    }
    want /= 2;
    char err[4096];
    int status = capture_stderr(two_row_step, NULL, err, sizeof err);
    cr_assert(status != 3, "train_step is still a TODO (exit 3): %s. Hint: write exercise 03.7 first.", err);
    const char *l = strstr(err, "[loss ");
    double got = l ? strtod(l + strlen("[loss "), NULL) : NAN;
    cr_assert(status == 0 && fabs(got - want) < 1e-5, "a batch of 2 rows (max_batch 4): expected the loss %.6f "
              "(the mean over those 2 rows) and a normal return, got status %d, loss %g; output: %s Hint: B is "
              "x.shape[0], the rows of this batch, for the loss and the backward pass; not m->max_batch.",
              want, status, got, err);
}

Test(ex03_7, learns_the_committed_sample)
{
    dataset_t tr, te;
    cr_assert_eq(fashion_load(&tr, DATASETS "/fashion-mnist-sample", "train"), 0, "could not load the sample. Hint: the sample lives in datasets/fashion-mnist-sample/ of the repository; is your checkout complete (git status)?");
    cr_assert_eq(fashion_load(&te, DATASETS "/fashion-mnist-sample", "t10k"), 0, "could not load the sample. Hint: the sample lives in datasets/fashion-mnist-sample/ of the repository; is your checkout complete (git status)?");
    rng_t rng;
    rng_seed(&rng, 1);
    const int sizes[3] = {784, 64, 10};
    mlp m = mlp_new(sizes, 2, ACT_RELU, 100);
    for (int l = 0; l < m.L; l++) /* the library's He initialization, not 03.6's init_std; biases stay 0 */
        init_he_normal(m.W[l], m.sizes[l], m.sizes[l + 1], &rng);
    optimizer o = optimizer_new("adam", 3e-3f, m.n_params);
    double first = 0, last = 0;
    long step = 0;
    for (int e = 0; e < 8; e++)
        for (int i = 0; i + 50 <= tr.n; i += 50) {
            float loss = train_step(&m, &o, tensor_view(tr.x + (size_t)i * 784, 2, (int[]){50, 784}), tr.y + i, ++step);
            if (step == 1) first = loss;
            last = loss;
        }
    double tl, acc;
    mlp_evaluate(&m, &te, &tl, &acc);
    /* The reference: loss 2.47 -> 0.37 on the training batches, test accuracy 0.74 (100 images, 10 classes) */
    cr_assert(last < 0.5 * first, "8 epochs on the 300-image sample: the training loss went from %g to %g, "
              "expected at least halved. Hint: is the update applied (optimizer_step) after the backward pass?",
              first, last);
    cr_assert(acc >= 0.6, "test accuracy on the sample's 100 images: %g, expected at least 0.6 (chance 0.1). "
              "Hint: check the order: forward, loss, backward, step.", acc);
    optimizer_free(&o);
    mlp_free(&m);
    dataset_free(&tr), dataset_free(&te);
}

/* --- ch03: bad input gives a clear message (no points) ---------------------------------------- */

static void forward_shape(void *arg)
{
    const int *shape = arg; /* {ndim, d0, d1, d2} */
    mlp m = mlp_new(MLP_SIZES_FOR_TESTS, 3, ACT_RELU, 16);
    static float x[16 * 784];
    mlp_forward(&m, tensor_view(x, shape[0], shape + 1));
}

static const char *run_forward(const int *shape, char *err, size_t n, int *status)
{
    *status = capture_stderr(forward_shape, (void *)shape, err, n);
    return err;
}

Test(ch03, wrong_number_of_features_names_both_shapes)
{
    char err[4096];
    int status, shape[3] = {2, 4, 100};
    run_forward(shape, err, sizeof err, &status);
    cr_assert_eq(status, 1, "a (4, 100) batch into a 784-input network: expected exit status 1, got %d. Hint: mlp_check_input (given) must run before the forward pass.", status);
    cr_assert(strstr(err, "mlp_forward") && strstr(err, "(4, 100)") && strstr(err, "(784, 256)") && strstr(err, "hint:"),
              "the message names the operation, both shapes and a hint; got: %s", err);
}

Test(ch03, unflattened_images_are_rejected)
{
    char err[4096];
    int status, shape[4] = {3, 2, 28, 28};
    run_forward(shape, err, sizeof err, &status);
    cr_assert(status == 1 && strstr(err, "(2, 28, 28)") && strstr(err, "expected 2 dimensions") && strstr(err, "flatten"),
              "a (2, 28, 28) batch: exit 1 with a hint to flatten; got %d: %s", status, err);
}

Test(ch03, too_many_rows_for_the_buffers)
{
    char err[4096];
    int status, shape[3] = {2, 20, 784};
    run_forward(shape, err, sizeof err, &status);
    cr_assert(status == 1 && strstr(err, "(20, 784)") && strstr(err, "max_batch"),
              "20 rows for a network of max_batch 16: exit 1 naming max_batch; got %d: %s. Hint: mlp_check_input (given) compares the rows with max_batch.", status, err);
}

static void backward_mismatch(void *arg)
{
    (void)arg;
    mlp m = golden_mlp(ACT_RELU);
    mlp_forward(&m, golden_x(4));
    float dz[9] = {0};
    mlp_backward(&m, MLP_X, dz, 3);
}

Test(ch03, backward_with_another_batch_size)
{
    char err[4096];
    int status = capture_stderr(backward_mismatch, NULL, err, sizeof err);
    cr_assert(status == 1 && strstr(err, "mlp_backward") && strstr(err, "3 rows") && strstr(err, "had 4"),
              "backward after a forward of 4 rows with dz of 3 rows: exit 1 with both sizes; got %d: %s. Hint: keep the batch check that opens mlp_backward.", status, err);
}

static void gelu_mlp(void *arg)
{
    (void)arg;
    mlp m = mlp_new(GOLD_SIZES, 3, ACT_GELU, 4);
    mlp_free(&m);
}

Test(ch03, unsupported_hidden_activation)
{
    char err[4096];
    int status = capture_stderr(gelu_mlp, NULL, err, sizeof err);
    cr_assert(status == 1 && strstr(err, "'gelu' is not supported") && strstr(err, "hint:"),
              "an MLP with gelu hidden units: exit 1 naming the activation; got %d: %s", status, err);
}

Test(ch03, mlp_gradcheck_of_the_chapter_network_on_the_sample)
{
    /* The check main() prints, on the committed sample: 784-256-128-10 relu, B = 16, h = 1e-2,
     * 30 elements per layer; kinks are reported and excluded; bound 1e-2 on the rest. */
    dataset_t tr;
    cr_assert_eq(fashion_load(&tr, DATASETS "/fashion-mnist-sample", "train"), 0, "could not load the sample. Hint: the sample lives in datasets/fashion-mnist-sample/ of the repository; is your checkout complete (git status)?");
    rng_t rng;
    rng_seed(&rng, 3);
    mlp m = mlp_new(MLP_SIZES_FOR_TESTS, 3, ACT_RELU, 16);
    mlp_init(&m, INIT_HE, &rng);
    size_t kinks;
    double worst = mlp_gradcheck(&m, tensor_view(tr.x, 2, (int[]){16, 784}), 30, 1e-2f, &rng, &kinks);
    cr_assert(worst < 1e-2, "gradient check of the 784-256-128-10 network: worst relative error %g over 90 elements "
              "(%zu kinks), expected below 1e-2 Hint: 03.4 and 03.5 pass their own checks? Then look at the layer whose error is largest.", worst, kinks);
    mlp_free(&m);
    dataset_free(&tr);
}

/* --- hints (make hint EX=NN.K shows one more level each time) and the teacher's notes (shown
 * by the report once the exercise passes) ------------------------------------------------- */

/*hint 03.1
1. Each case is the derivative of one activation at x. Which of them can be written with the
   activation's own value?
2. sigmoid' = s(1-s), tanh' = 1 - tanh^2, relu' = [x > 0], leaky relu' = 1 or LEAKY_SLOPE, step' = 0.
3. s = sigmoid1(x): s*(1-s); t = tanhf(x): 1 - t*t; x > 0 ? 1 : 0 (relu) or LEAKY_SLOPE (leaky); step:
   0.
*/
/*note 03.1
Derivatives written with the forward value let the backward pass reuse the stored activations
instead of x. The saturating ones (sigmoid, tanh) are at most 1/4 and 1, which is the
vanishing-gradient story of section 3.3.
*/

/*forbid 03.1
-- its twins in common/activations.h: the exercise writes its own
step_backward sigmoid_backward tanh_act_backward relu_backward leaky_relu_backward
*/

/*hint 03.2
1. Differentiate each formula of the prose with the chain and product rules; which ones are x times
   something?
2. elu' = 1 or alpha e^x; softplus' = sigmoid; gelu = x Phi(x) so gelu' = Phi + x phi; silu = x s(x);
   mish = x tanh(softplus x).
3. silu' = s(1 + x(1 - s)); mish' = t + x s(x)(1 - t^2) with t = tanh(softplus(x)); gelu' = Phi(x) + x
   phi(x).
*/
/*note 03.2
The smooth activations trade a little compute for gradients that never switch off abruptly; GELU
is the activation of BERT and GPT (section 3.3) and of chapter 12's transformer.
*/

/*forbid 03.2
-- its twins in common/activations.h, common/gpt.h: the exercise writes its own
elu_backward softplus_backward gelu_backward gpt_gelu_backward silu_backward mish_backward
*/

/*hint 03.3
1. A centered difference nudges one parameter both ways: what must the parameter be when you are done?
2. Save *p, evaluate the loss at saved+h and saved-h, restore *p, numeric = (lp - lm)/(2h). The
   relative error divides by |analytic| + |numeric|, floored by GRADCHECK_FLOOR.
3. num = (L(p+h) - L(p-h)) / (2*h);  err = |a - num| / max(|a| + |num|, GRADCHECK_FLOOR).
*/
/*note 03.3
The centered difference has O(h^2) error against O(h) for a one-sided one. Every backward pass in
the rest of the book is checked this way (common/gradcheck).
*/

/*forbid 03.3
-- its twins in common/gradcheck.h: the exercise writes its own
gradcheck_run gradcheck_max_rel_error
*/

/*hint 03.4
1. Each layer reads the previous layer's output. Where does the model keep the activations for the
   backward pass?
2. For l = 0..L-1: linear_forward into m->a[l+1] from the input (x for l = 0, else m->a[l]); apply the
   activation in place on every layer but the last (the logits stay linear).
3. With in = x.data for l = 0 and m->a[l] after: m->a[l+1] = act(in W[l] + b[l]) for l < L-1, and
   m->a[L] = in W[L-1] + b[L-1] (the logits, no activation). (W[l] is the prose's W^(l+1).)
*/
/*note 03.4
Storing every a_l is the memory cost of backpropagation; activation checkpointing trades it for
recomputation. The logits stay linear because the loss applies the softmax.
*/

/*hint 03.5
1. Go from the last layer to the first. What does each layer need: the gradient at its output, and
   which input?
2. linear_backward gives dW, db and the gradient at its input; for l > 0 pass it through the
   activation's derivative (hidden_backward) using the stored a[l]; the first layer needs no input
   gradient (NULL). Use the two delta buffers alternately.
3. In the prose's notation, with zbar(l) known: Wbar(l) = a(l-1)^T zbar(l), bbar(l) = the sum of
   zbar(l)'s rows, abar(l-1) = zbar(l) W(l)^T; zbar(l-1) = abar(l-1) * phi'(z(l-1)) elementwise.
   In the code the prose's layer l + 1 is index l (m->W[l]; its input x for l = 0, m->a[l] after),
   and the loop runs l = m->L - 1 down to 0.
*/
/*note 03.5
This is reverse-mode differentiation written by hand: chapter 4 builds it once for every operation
on a tape, so that no model needs its own backward again.
*/

/*hint 03.6
1. Which schemes are fixed numbers and which depend on the layer's fan-in (and fan-out)?
2. Zero, small and large are constants (0, 0.01, 1). LeCun keeps the variance of the forward signal;
   Xavier averages forward and backward; He doubles LeCun's for ReLU.
3. LeCun sqrtf(1.0f / fan_in); Xavier sqrtf(2.0f / (fan_in + fan_out)); He sqrtf(2.0f / fan_in)
   (in C, 1 / fan_in with an int fan_in is 0).
*/
/*note 03.6
The right scale keeps activations and gradients from shrinking or exploding with depth; the prose's
figure (the standard deviation per layer, ten layers deep) shows each scheme. Batch norm
(chapter 6) makes the choice matter less.
*/

/*forbid 03.6
-- its twins in common/init.h: the exercise writes its own
init_lecun_std init_xavier_std init_he_std
*/

/*hint 03.7
1. A training step is five calls in a fixed order; which one gives you the logits, which one the
   gradient at the logits?
2. mlp_forward, then softmax_cross_entropy into m->dlogits, nn_check_finite on the loss, mlp_backward
   from dlogits, optimizer_step on all parameters; return the loss.
3. z = forward(x); L, dz = CE(z, y); check L finite; backward(dz); params -= update(grads).
*/
/*note 03.7
Every training loop of the book has this shape; chapter 5 swaps the optimizer and chapter 6 adds
regularization, but forward, loss, check, backward and update keep this order.
*/
