/* Tests of chapter 5's part of optim.h: each optimizer's first steps against PyTorch 1.13
 * (chapters/05_optimization/golden/golden_05.h, made by make_golden.py there), and Lookahead,
 * LARS, LAMB, Newton's method and the weight EMA against values worked out by hand in the
 * comments. Tolerance: |got - expected| <= 1e-6 max(|expected|, 1), i.e. 1e-6 relative for the
 * parameters of size ~1 used here (float32 arithmetic over 8 steps stays well inside it). */
#include "optim.h"

#include "../../chapters/05_optimization/golden/golden_05.h"
#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>

static int close6(double got, double want) { return fabs(got - want) <= 1e-6 * fmax(fabs(want), 1.0); }

/* Runs G_T steps of `kind` with PyTorch's hyperparameters from G_P0 with the recorded gradients,
 * comparing every parameter after every step with want[t]. */
static void against_torch(optim_kind_t kind, float lr, float wd, const float want[G_T][G_N])
{
    float p[G_N];
    memcpy(p, G_P0, sizeof p);
    optim_t o = optim_new(kind, G_N, lr);
    o.weight_decay = wd;
    for (int t = 0; t < G_T; t++) {
        optim_step(&o, p, G_GRADS[t]);
        for (int i = 0; i < G_N; i++)
            cr_assert(close6(p[i], want[t][i]), "%s, step %d, p[%d]: PyTorch %.9g, got %.9g", optim_name(kind),
                      t + 1, i, want[t][i], p[i]);
    }
    cr_assert_eq(o.t, G_T, "the step counter counts calls");
    optim_free(&o);
}

Test(optim5, sgd_matches_pytorch) { against_torch(OPTIM_SGD, 0.1f, 0, G_SGD); }
Test(optim5, momentum_matches_pytorch) { against_torch(OPTIM_MOMENTUM, 0.1f, 0, G_MOMENTUM); }
Test(optim5, nesterov_matches_pytorch) { against_torch(OPTIM_NESTEROV, 0.1f, 0, G_NESTEROV); }
Test(optim5, adagrad_matches_pytorch) { against_torch(OPTIM_ADAGRAD, 0.1f, 0, G_ADAGRAD); }
Test(optim5, rmsprop_matches_pytorch) { against_torch(OPTIM_RMSPROP, 0.01f, 0, G_RMSPROP); }
Test(optim5, adam_matches_pytorch) { against_torch(OPTIM_ADAM, 0.01f, 0, G_ADAM); }
Test(optim5, adamw_matches_pytorch) { against_torch(OPTIM_ADAMW, 0.01f, 0.1f, G_ADAMW); }
Test(optim5, radam_matches_pytorch) { against_torch(OPTIM_RADAM, 0.01f, 0, G_RADAM); }

Test(optim5, adam_agrees_with_chapter3_adam_step)
{
    float p[G_N], q[G_N];
    memcpy(p, G_P0, sizeof p), memcpy(q, G_P0, sizeof q);
    optim_t o = optim_new(OPTIM_ADAM, G_N, 0.01f);
    adam_t a = adam_new(G_N, 0.01f);
    for (int t = 0; t < G_T; t++) {
        optim_step(&o, p, G_GRADS[t]);
        adam_step(&a, q, G_GRADS[t]);
    }
    for (int i = 0; i < G_N; i++)
        cr_assert(close6(p[i], q[i]), "p[%d]: optim_step %.9g, adam_step %.9g", i, p[i], q[i]);
    optim_free(&o), adam_free(&a);
}

Test(optim5, lars_by_hand)
{
    /* One tensor_t p = (3, 4) (norm 5), g = (0.6, 0.8) (norm 1), lr 1, eta 0.001, wd 0.5, mu 0.9:
     * trust = 0.001 * 5 / (1 + 0.5 * 5) = 1/700; b = trust (g + 0.5 p) = (2.1, 2.8) / 700 = (0.003, 0.004).
     * A second tensor_t q = (-2), g = (0.5): trust = 0.001 * 2 / (0.5 + 1) = 1/750,
     * b = (0.5 - 1) / 750 = -1/1500, q = -2 + 1/1500. */
    float p[3] = {3, 4, -2}, g[3] = {0.6f, 0.8f, 0.5f};
    optim_t o = optim_new(OPTIM_LARS, 3, 1.0f);
    o.weight_decay = 0.5f;
    optim_step_tensors(&o, p, g, (size_t[]){2, 1}, 2);
    cr_assert(close6(p[0], 2.997) && close6(p[1], 3.996), "first tensor: expected (2.997, 3.996), got (%.9g, %.9g)",
              p[0], p[1]);
    cr_assert(close6(p[2], -2 + 1.0 / 1500), "second tensor: expected %.9g, got %.9g", -2 + 1.0 / 1500, p[2]);
    /* Second step, wd 0, same g: ||p|| = 4.995 (p is 0.999 (3, 4)), trust = 0.004995,
     * b = 0.9 (0.003, 0.004) + 0.004995 (0.6, 0.8) = (0.005697, 0.007596). */
    o.weight_decay = 0;
    optim_step_tensors(&o, p, g, (size_t[]){2, 1}, 2);
    cr_assert(close6(p[0], 2.997 - 0.005697) && close6(p[1], 3.996 - 0.007596),
              "step 2: expected (%.9g, %.9g), got (%.9g, %.9g)", 2.997 - 0.005697, 3.996 - 0.007596, p[0], p[1]);
    optim_free(&o);
}

Test(optim5, lamb_by_hand)
{
    /* Step 1: m_hat = g, v_hat = g^2, so r = g / (|g| + eps) + wd p = sign(g) + wd p (eps 1e-8 moves
     * it by 1e-8). p = (3, 4), g = (0.6, -0.8), wd 0.1: r = (1.3, -0.6), ||r|| = sqrt(2.05),
     * trust = 5 / sqrt(2.05); p -= 0.01 trust r = (2.95460208, 4.02095289). */
    float p[2] = {3, 4}, g[2] = {0.6f, -0.8f};
    optim_t o = optim_new(OPTIM_LAMB, 2, 0.01f);
    o.weight_decay = 0.1f;
    optim_step(&o, p, g);
    double tr = 5 / sqrt(2.05);
    cr_assert(close6(p[0], 3 - 0.01 * tr * 1.3) && close6(p[1], 4 + 0.01 * tr * 0.6),
              "expected (%.9g, %.9g), got (%.9g, %.9g)", 3 - 0.01 * tr * 1.3, 4 + 0.01 * tr * 0.6, p[0], p[1]);
    optim_free(&o);
}

Test(optim5, lookahead_by_hand)
{
    /* Inner SGD lr 0.1 on f = p^2 / 2 (g = p) from p = 1, k = 2, alpha 0.5:
     * steps 1, 2: p = 0.9, 0.81; sync: s = 1 + 0.5 (0.81 - 1) = 0.905 = p;
     * steps 3, 4: p = 0.8145, 0.73305; sync: s = 0.905 + 0.5 (0.73305 - 0.905) = 0.819025. */
    float p[1] = {1};
    lookahead_t la = lookahead_new(p, 1, 2, 0.5f);
    const double want[4] = {0.9, 0.905, 0.8145, 0.819025};
    for (int t = 0; t < 4; t++) {
        float g[1] = {p[0]};
        sgd_step(p, g, 1, 0.1f);
        lookahead_step(&la, p);
        cr_assert(close6(p[0], want[t]), "after inner step %d: expected %.9g, got %.9g", t + 1, want[t], p[0]);
    }
    lookahead_free(&la);
}

Test(optim5, newton_solves_a_quadratic_in_one_step)
{
    /* f = p^T H p / 2 with H = [[10, 9], [9, 10]]: g = H p, and p - H^-1 g = 0 exactly. */
    const float H[4] = {10, 9, 9, 10};
    float p[2] = {-4, 2}, g[2] = {10 * -4 + 9 * 2, 9 * -4 + 10 * 2};
    cr_assert_eq(optim_newton_step(p, g, H, 2), 0);
    cr_assert(fabsf(p[0]) < 1e-5f && fabsf(p[1]) < 1e-5f, "expected the minimum (0, 0), got (%g, %g)", p[0], p[1]);
    /* H = [[2, 1], [1, 3]], g = (1, 2): H^-1 = [[3, -1], [-1, 2]] / 5, d = (0.2, 0.6). */
    const float H2[4] = {2, 1, 1, 3};
    float q[2] = {0, 0}, g2[2] = {1, 2};
    cr_assert_eq(optim_newton_step(q, g2, H2, 2), 0);
    cr_assert(close6(q[0], -0.2) && close6(q[1], -0.6), "expected (-0.2, -0.6), got (%g, %g)", q[0], q[1]);
}

static void singular_newton(void *arg)
{
    (void)arg;
    const float H[4] = {1, 2, 2, 4};
    float p[2] = {1, 1}, g[2] = {1, 1};
    int rc = optim_newton_step(p, g, H, 2);
    exit(rc == -1 && p[0] == 1 && p[1] == 1 ? 7 : 0);
}

Test(optim5, newton_reports_a_singular_hessian)
{
    char buf[2048];
    int st = capture_stderr(singular_newton, NULL, buf, sizeof buf);
    cr_assert_eq(st, 7, "a singular Hessian returns -1 and leaves p alone (status %d)", st);
    cr_assert(strstr(buf, "singular") && strstr(buf, "hint"), "the message names the problem and a hint: %s", buf);
}

Test(optim5, ema_by_hand)
{
    /* shadow 0, p 1, decay 0.9: after 3 updates 1 - 0.9^3 = 0.271. */
    float s[1] = {0}, p[1] = {1};
    for (int t = 0; t < 3; t++)
        ema_update(s, p, 1, 0.9f);
    cr_assert(close6(s[0], 0.271), "expected 0.271, got %.9g", s[0]);
}

Test(optim5, names_round_trip)
{
    for (int k = 0; k < OPTIM_KIND_COUNT; k++)
        cr_assert_eq(optim_parse(optim_name(k)), k, "optim_parse(optim_name(%d))", k);
}

static void bad_name(void *arg)
{
    (void)arg;
    exit(optim_parse("adamm") == -1 ? 5 : 0);
}

static void bad_sizes(void *arg)
{
    (void)arg;
    float p[3] = {0}, g[3] = {0};
    optim_t o = optim_new(OPTIM_LAMB, 3, 0.1f);
    optim_step_tensors(&o, p, g, (size_t[]){2, 2}, 2);
}

Test(optim5, bad_input_is_reported)
{
    char buf[2048];
    int st = capture_stderr(bad_name, NULL, buf, sizeof buf);
    cr_assert(st == 5 && strstr(buf, "unknown optimizer 'adamm'") && strstr(buf, "lamb"),
              "an unknown name returns -1 and lists the names (status %d): %s", st, buf);
    st = capture_stderr(bad_sizes, NULL, buf, sizeof buf);
    cr_assert(st == 1 && strstr(buf, "add up to 4 floats") && strstr(buf, "has 3"),
              "sizes that do not add up to n stop with a message (status %d): %s", st, buf);
}

/* Issue 9: the two Adams used to round differently (adam_step folds the bias corrections into
 * float constants, optim_step divided in double). One implementation now: bit-identical, on a
 * size that exercises the vector path and its scalar tail, with and without L2 weight decay. */
Test(optim5, adam_step_and_optim_adam_are_bit_identical)
{
    enum { N = 37, T = 25 };
    float p[N], q[N], g[N];
    for (int i = 0; i < N; i++)
        p[i] = q[i] = sinf((float)i);
    optim_t o = optim_new(OPTIM_ADAM, N, 0.003f);
    adam_t a = adam_new(N, 0.003f);
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < N; i++)
            g[i] = cosf((float)(i * 7 + t * 3)) * (i % 5 == 0 ? 1e-4f : 1.0f);
        optim_step(&o, p, g);
        adam_step(&a, q, g);
        for (int i = 0; i < N; i++)
            cr_assert(p[i] == q[i], "step %d, p[%d]: optim_step %.9g, adam_step %.9g (must be bit-identical)",
                      t + 1, i, p[i], q[i]);
    }
    optim_free(&o), adam_free(&a);
}

Test(optim5, adamw_groups_exempt_tensors_from_the_decay)
{
    /* Two tensors: W (3 floats, decays) and b (2 floats, no_decay). With the groups, W must follow
     * AdamW with wd and b plain Adam, bit for bit: AdamW with wd 0 on b, and AdamW on W alone. */
    enum { T = 6 };
    const size_t sizes[2] = {3, 2};
    const unsigned char no_decay[2] = {0, 1};
    float p[5] = {1, -2, 0.5f, 3, -1}, w[3] = {1, -2, 0.5f}, b[2] = {3, -1}, g[5];
    optim_t o = optim_new(OPTIM_ADAMW, 5, 0.01f), ow = optim_new(OPTIM_ADAMW, 3, 0.01f),
            ob = optim_new(OPTIM_ADAMW, 2, 0.01f);
    o.weight_decay = ow.weight_decay = 0.5f, ob.weight_decay = 0;
    o.no_decay = no_decay;
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < 5; i++)
            g[i] = cosf((float)(3 * i + t));
        optim_step_tensors(&o, p, g, sizes, 2);
        optim_step(&ow, w, g);
        optim_step(&ob, b, g + 3);
        for (int i = 0; i < 3; i++)
            cr_assert(p[i] == w[i], "step %d, W[%d]: grouped %.9g, AdamW alone %.9g", t + 1, i, p[i], w[i]);
        for (int i = 0; i < 2; i++)
            cr_assert(p[3 + i] == b[i], "step %d, b[%d]: grouped %.9g, without decay %.9g", t + 1, i, p[3 + i], b[i]);
    }
    cr_assert(o.weight_decay == 0.5f, "the optimizer's weight_decay is unchanged after a grouped step");
    /* optim_step ignores the groups: every float decays */
    float q[5] = {1, 1, 1, 1, 1}, r[5] = {1, 1, 1, 1, 1}, z[5] = {0};
    optim_t a = optim_new(OPTIM_ADAMW, 5, 0.1f), c = optim_new(OPTIM_ADAMW, 5, 0.1f);
    a.no_decay = no_decay;
    optim_step(&a, q, z), optim_step(&c, r, z);
    for (int i = 0; i < 5; i++)
        cr_assert(q[i] == r[i] && q[i] < 1, "optim_step with groups set: float %d got %g, expected %g", i, q[i], r[i]);
    optim_free(&o), optim_free(&ow), optim_free(&ob), optim_free(&a), optim_free(&c);
}
