/* test_05_optimization.c — the grader of chapter 5.
 *
 * One suite per exercise (exNN_K). The optimizers' expected values come from PyTorch 1.13
 * (golden/golden_05.h, made by golden/make_golden.py: the first 8 steps of SGD with momentum,
 * Nesterov, Adam and AdamW on 6 parameters with recorded gradients, and clip_grad_norm_);
 * Newton, the schedule, the EMA and the accumulation are checked against closed forms worked out
 * in the comments. Tolerance for the PyTorch comparisons: |got - expected| <= 1e-6 max(|expected|, 1)
 * (1e-6 relative for these parameters of size ~1; float32 over 8 steps stays inside it).
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "05_optimization.c"
#endif
#include CHAPTER_SOURCE

#include "golden/golden_05.h"
#include "tests/capture.h" /* capture_stderr: a function's stderr and exit status */

#include <criterion/criterion.h>

TestSuite(ex05_1, .timeout = 10);
TestSuite(ex05_2, .timeout = 10);
TestSuite(ex05_3, .timeout = 10);
TestSuite(ex05_4, .timeout = 10);
TestSuite(ex05_5, .timeout = 10);
TestSuite(ex05_6, .timeout = 10);
TestSuite(ex05_7, .timeout = 10);
TestSuite(ex05_8, .timeout = 20);
TestSuite(ch05, .timeout = 20);

static int close6(double got, double want) { return fabs(got - want) <= 1e-6 * fmax(fabs(want), 1.0); }

/* --- 05.1 momentum and Nesterov ------------------------------------------------------------- */

Test(ex05_1, heavy_ball_by_hand)
{
    /* p = 1, g = 2 twice, lr 0.1, mu 0.9: b = 2, p = 0.8; b = 0.9*2 + 2 = 3.8, p = 0.8 - 0.38 = 0.42 */
    float p[1] = {1}, b[1] = {0}, g[1] = {2};
    momentum_update(p, b, g, 1, 0.1f, 0.9f, 0);
    cr_assert(close6(p[0], 0.8) && close6(b[0], 2), "step 1: expected b = 2, p = 0.8, got b = %g, p = %g. "
              "Hint: b starts at 0, so the first step is plain SGD: b = mu*0 + g (PyTorch's form: no lr inside b, "
              "p -= lr b).", b[0], p[0]);
    momentum_update(p, b, g, 1, 0.1f, 0.9f, 0);
    cr_assert(close6(p[0], 0.42) && close6(b[0], 3.8), "step 2: expected b = 3.8, p = 0.42, got b = %g, p = %g. "
              "Hint: b = mu b + g (no factor lr or 1 - mu inside), then p -= lr b.", b[0], p[0]);
}

Test(ex05_1, nesterov_by_hand)
{
    /* p = 1, g = 2, lr 0.1, mu 0.9: b = 2, p = 1 - 0.1 (2 + 0.9*2) = 0.62 */
    float p[1] = {1}, b[1] = {0}, g[1] = {2};
    momentum_update(p, b, g, 1, 0.1f, 0.9f, 1);
    cr_assert(close6(p[0], 0.62), "Nesterov step 1: expected p = 1 - 0.1 (2 + 0.9*2) = 0.62, got %g. "
              "Hint: Nesterov steps along g + mu b, with b already updated.", p[0]);
}

static void torch_momentum(int nesterov, const float want[G_T][G_N])
{
    float p[G_N], b[G_N] = {0};
    memcpy(p, G_P0, sizeof p);
    for (int t = 0; t < G_T; t++) {
        momentum_update(p, b, G_GRADS[t], G_N, 0.1f, 0.9f, nesterov);
        for (int i = 0; i < G_N; i++)
            cr_assert(close6(p[i], want[t][i]), "%s, step %d, p[%d]: PyTorch gives %.9g, got %.9g. Hint: %s",
                      nesterov ? "Nesterov" : "momentum", t + 1, i, want[t][i], p[i],
                      nesterov ? "p -= lr (g + mu b) after b = mu b + g." : "b = mu b + g; p -= lr b.");
    }
}

Test(ex05_1, momentum_matches_pytorch) { torch_momentum(0, G_MOMENTUM); }
Test(ex05_1, nesterov_matches_pytorch) { torch_momentum(1, G_NESTEROV); }

/* --- 05.2 Adam ------------------------------------------------------------------------------ */

Test(ex05_2, first_step_is_lr_times_sign)
{
    /* t = 1: m_hat = g, v_hat = g^2, step = lr g / (|g| + eps) = lr sign(g) (up to eps) */
    float p[3] = {1, 1, 1}, m[3] = {0}, v[3] = {0}, g[3] = {3, -0.01f, 100};
    adam_update(p, m, v, g, 3, 0.01f, 0.9f, 0.999f, 1e-8f, 1);
    cr_assert(fabsf(p[0] - 0.99f) < 1e-6f && fabsf(p[1] - 1.01f) < 1e-6f && fabsf(p[2] - 0.99f) < 1e-6f,
              "first step with g = (3, -0.01, 100): expected p = (0.99, 1.01, 0.99), got (%.7g, %.7g, %.7g). "
              "Hint: without bias correction m is 0.1 g and sqrt(v) is sqrt(0.001) |g|, so the first step is "
              "0.1/sqrt(0.001) = 3.2 times too large; do you divide m by 1 - beta1^t and v by 1 - beta2^t?", p[0], p[1], p[2]);
    cr_assert(close6(m[0], 0.3) && close6(v[0], 0.009), "the state m, v keeps the UNcorrected averages: expected "
              "m = 0.1*3 = 0.3, v = 0.001*9 = 0.009, got m = %g, v = %g. Hint: correct a copy, not m and v.", m[0], v[0]);
}

Test(ex05_2, eps_is_added_after_the_square_root)
{
    /* t = 1, g = 1e-6: m_hat = 1e-6, sqrt(v_hat) = 1e-6, step = 0.01 * 1e-6 / (1e-6 + 1e-8) = 0.00990099.
     * With eps inside the root, sqrt(1e-12 + 1e-8) = 1e-4 and the step would be 100 times smaller. */
    float p[1] = {1}, m[1] = {0}, v[1] = {0}, g[1] = {1e-6f};
    adam_update(p, m, v, g, 1, 0.01f, 0.9f, 0.999f, 1e-8f, 1);
    cr_assert(fabs(p[0] - (1 - 0.01 / 1.01)) < 1e-6, "g = 1e-6, eps = 1e-8: expected p = 1 - 0.01 / 1.01 = "
              "0.990099, got %.7g. Hint: eps is added to sqrt(v_hat), not to v_hat under the square root.", p[0]);
}

Test(ex05_2, matches_pytorch)
{
    float p[G_N], m[G_N] = {0}, v[G_N] = {0};
    memcpy(p, G_P0, sizeof p);
    for (int t = 0; t < G_T; t++) {
        adam_update(p, m, v, G_GRADS[t], G_N, 0.01f, 0.9f, 0.999f, 1e-8f, t + 1);
        for (int i = 0; i < G_N; i++)
            cr_assert(close6(p[i], G_ADAM[t][i]), "Adam step %d, p[%d]: PyTorch gives %.9g, got %.9g. Hint: is t "
                      "used in the corrections 1 - beta^t, and is eps added after the square root?", t + 1, i,
                      G_ADAM[t][i], p[i]);
    }
}

Test(ex05_2, uses_the_step_number_it_is_given)
{
    /* A constant gradient g = 0.5 for 4 steps leaves m = (1 - b1^4) g and v = (1 - b2^4) g^2 (the
     * geometric sums of section 5.4). Step t = 5 with the same g: m = (1 - b1^5) g, v = (1 - b2^5) g^2,
     * so m_hat = g, v_hat = g^2 and the step is lr g / (|g| + eps) = lr (to 2e-8): p = 1 - 0.01.
     * A function that counts its own calls (1 here) would divide by 1 - b^1 and step 1.8 times as far.
     * The betas are the float ones adam_update receives, so that the state matches its arithmetic. */
    const double b1 = 0.9f, b2 = 0.999f, g0 = 0.5;
    float p[1] = {1}, g[1] = {0.5f};
    float m[1] = {(float)((1 - pow(b1, 4)) * g0)}, v[1] = {(float)((1 - pow(b2, 4)) * g0 * g0)};
    adam_update(p, m, v, g, 1, 0.01f, 0.9f, 0.999f, 1e-8f, 5);
    cr_assert(fabs(p[0] - (1 - 0.01 * g0 / (g0 + 1e-8))) < 1e-6, "step t = 5 after four steps of the constant "
              "gradient 0.5 (m = (1 - 0.9^4) 0.5, v = (1 - 0.999^4) 0.25 given): m_hat = g and v_hat = g^2, so "
              "expected p = 1 - lr = 0.99, got %.7g. Hint: the corrections are 1 - beta^t with the t passed in "
              "(it may start anywhere: a run resumed from a checkpoint); do not count the calls yourself.", p[0]);
}

/* --- 05.3 AdamW ----------------------------------------------------------------------------- */

Test(ex05_3, matches_pytorch)
{
    float p[G_N], m[G_N] = {0}, v[G_N] = {0};
    memcpy(p, G_P0, sizeof p);
    for (int t = 0; t < G_T; t++) {
        adamw_update(p, m, v, G_GRADS[t], G_N, 0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, t + 1);
        for (int i = 0; i < G_N; i++)
            cr_assert(close6(p[i], G_ADAMW[t][i]), "AdamW step %d, p[%d]: PyTorch gives %.9g, got %.9g. Hint: the "
                      "decay multiplies p by (1 - lr wd) BEFORE the Adam step, and wd p is not added to g.", t + 1, i,
                      G_ADAMW[t][i], p[i]);
    }
}

Test(ex05_3, zero_gradient_only_decays)
{
    /* g = 0: m = v = 0, the Adam step is 0/(0 + eps) = 0; p = 2 (1 - 0.1*0.5) = 1.9 */
    float p[1] = {2}, m[1] = {0}, v[1] = {0}, g[1] = {0};
    adamw_update(p, m, v, g, 1, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f, 1);
    cr_assert(close6(p[0], 1.9), "g = 0, lr 0.1, wd 0.5: expected p = 2 (1 - 0.05) = 1.9, got %g. Hint: decoupled "
              "decay is p -= lr wd p, independent of the gradient.", p[0]);
}

/* --- 05.4 Newton ---------------------------------------------------------------------------- */

Test(ex05_4, one_step_on_the_quadratic)
{
    float p[2] = {-4, 2}, g[2];
    quad_grad(g, p);
    int rc = newton_step_2x2(p, g, QUAD_A);
    cr_assert(rc == 0 && fabsf(p[0]) < 1e-5f && fabsf(p[1]) < 1e-5f, "one Newton step on theta^T A theta / 2 must "
              "land on (0, 0), got (%g, %g), rc %d. Hint: d = H^-1 g with H^-1 = [[e, -b], [-c, a]] / (ae - bc).",
              p[0], p[1], rc);
}

Test(ex05_4, matches_the_library_on_rosenbrock)
{
    /* At (-1.2, 1): g and H from the formulas of section 5.1; optim_newton_step solves the same
     * system by Gaussian elimination. */
    float p[2] = {-1.2f, 1}, q[2] = {-1.2f, 1}, g[2], H[4];
    rosen_grad(g, p);
    rosen_hessian(H, p);
    newton_step_2x2(p, g, H);
    optim_newton_step(q, g, H, 2);
    cr_assert(fabsf(p[0] - q[0]) < 1e-5f && fabsf(p[1] - q[1]) < 1e-5f, "Newton from (-1.2, 1): expected (%.6g, "
              "%.6g), got (%.6g, %.6g). Hint: p -= d, where H d = g; check the signs of the off-diagonal terms.",
              q[0], q[1], p[0], p[1]);
}

Test(ex05_4, singular_hessian)
{
    const float H[4] = {1, 2, 2, 4};
    float p[2] = {1, 1}, g[2] = {1, 1};
    int rc = newton_step_2x2(p, g, H);
    cr_assert(rc == -1 && p[0] == 1 && p[1] == 1, "det = 1*4 - 2*2 = 0: expected -1 and p unchanged, got %d, "
              "p = (%g, %g). Hint: test the determinant before dividing by it.", rc, p[0], p[1]);
}

Test(ex05_4, a_matrix_that_is_not_symmetric)
{
    /* H = [[2, 1], [0, 1]] row-major (H[1] = 1 is row 0, column 1; H[2] = 0 is row 1, column 0),
     * g = (3, 1). H d = g: the second row gives d1 = 1, the first 2 d0 + 1 = 3, so d0 = 1 and
     * p = (0, 0) - (1, 1) = (-1, -1). Reading H[1] and H[2] the other way round solves H^T d = g,
     * d = (1.5, -0.5); det = H00 H11 - H01^2 gives 1 instead of 2. */
    const float H[4] = {2, 1, 0, 1};
    float p[2] = {0, 0}, g[2] = {3, 1};
    int rc = newton_step_2x2(p, g, H);
    cr_assert(rc == 0 && fabsf(p[0] + 1) < 1e-6f && fabsf(p[1] + 1) < 1e-6f, "H = [[2, 1], [0, 1]] (row-major), "
              "g = (3, 1), p = (0, 0): H d = g gives d = (1, 1), so expected 0 and p = (-1, -1), got %d and "
              "p = (%g, %g). Hint: a Hessian is symmetric, but the formula is for any 2x2 matrix: H[1] is b (row 0, "
              "column 1), H[2] is c (row 1, column 0), det = ae - bc and H^-1 = [[e, -b], [-c, a]] / det.",
              rc, p[0], p[1]);
}

Test(ex05_4, a_saddle_still_steps)
{
    /* H = [[2, 0], [0, -1]]: det = -2, not 0, so H has an inverse (the point is a saddle, where the
     * prose says Newton goes towards the saddle; the step is still defined). g = (2, 3):
     * d = (2/2, 3/-1) = (1, -3), p = (0, 0) - d = (-1, 3). */
    const float H[4] = {2, 0, 0, -1};
    float p[2] = {0, 0}, g[2] = {2, 3};
    int rc = newton_step_2x2(p, g, H);
    cr_assert(rc == 0 && fabsf(p[0] + 1) < 1e-6f && fabsf(p[1] - 3) < 1e-6f, "H = [[2, 0], [0, -1]] (det = -2, a "
              "saddle), g = (2, 3), p = (0, 0): expected 0 and p = (-1, 3), got %d and p = (%g, %g). Hint: only "
              "det == 0 is singular; a negative determinant still has an inverse, so take the step and return 0.",
              rc, p[0], p[1]);
}

Test(ex05_4, a_tiny_determinant_is_not_zero)
{
    /* H = 1e-4 I: det = 1e-8, small but not 0 (a flat, well-conditioned valley). g = (1e-4, 2e-4)
     * (as floats, 2e-4f = 2 * 1e-4f exactly): d = g / 1e-4 = (1, 2), p = (0, 0) - d = (-1, -2). */
    const float H[4] = {1e-4f, 0, 0, 1e-4f};
    float p[2] = {0, 0}, g[2] = {1e-4f, 2e-4f};
    int rc = newton_step_2x2(p, g, H);
    cr_assert(rc == 0 && fabsf(p[0] + 1) < 1e-5f && fabsf(p[1] + 2) < 1e-5f, "H = 1e-4 I (det = 1e-8), g = (1e-4, "
              "2e-4), p = (0, 0): expected 0 and p = (-1, -2), got %d and p = (%g, %g). Hint: the task refuses "
              "det == 0 exactly, not a determinant below some tolerance: a small curvature is not a singular one.",
              rc, p[0], p[1]);
}

/* --- 05.5 warmup + cosine ------------------------------------------------------------------- */

Test(ex05_5, closed_forms)
{
    /* T = 100, W = 10, lr 1 -> 0: t = 0: 0.1; t = 9: 1; t = 10: 1 (cosine starts); t = 55: 0.5;
     * t = 99: (1 + cos(pi 89/90)) / 2 = 3.05e-4 */
    const float want[5] = {0.1f, 1, 1, 0.5f, (float)((1 + cos(M_PI * 89 / 90)) / 2)};
    const long ts[5] = {0, 9, 10, 55, 99};
    for (int k = 0; k < 5; k++) {
        float lr = warmup_cosine(ts[k], 100, 10, 1, 0);
        cr_assert(fabsf(lr - want[k]) < 1e-6f, "t = %ld (T = 100, W = 10): expected %.7g, got %.7g. Hint: warmup "
                  "uses (t + 1) / W; the cosine runs over the T - W steps after the warmup, from t - W = 0.",
                  ts[k], want[k], lr);
    }
}

Test(ex05_5, floor_and_library)
{
    schedule_t s = schedule_new(SCHEDULE_WARMUP_COSINE, 0.3f, 50);
    s.lr_min = 0.01f;
    for (long t = 0; t < 50; t++) {
        float a = warmup_cosine(t, 50, s.warmup, 0.3f, 0.01f), b = schedule_lr(&s, t);
        cr_assert(fabsf(a - b) < 1e-6f, "t = %ld (T = 50, W = %ld, 0.3 -> 0.01): the library gives %.7g, got %.7g. "
                  "Hint: %s", t, s.warmup, b, a,
                  t < s.warmup ? "the warmup climbs from 0 (not from lr_min): lr_max (t + 1) / W."
                               : "lr_min + (lr_max - lr_min) (1 + cos(pi x)) / 2, x = (t - W) / (T - W).");
    }
}

/* --- 05.6 clipping -------------------------------------------------------------------------- */

Test(ex05_6, matches_pytorch)
{
    float a[5], b[3];
    memcpy(a, G_CLIP_A, sizeof a), memcpy(b, G_CLIP_B, sizeof b);
    double n = clip_by_global_norm((float *[]){a, b}, (size_t[]){5, 3}, 2, 1.5f);
    cr_assert(close6(n, G_CLIP_NORM), "the norm of both tensors together: PyTorch %.9g, got %.9g. Hint: one sum of "
              "squares over ALL tensors, and return it before clipping.", G_CLIP_NORM, n);
    for (int i = 0; i < 5; i++)
        cr_assert(close6(a[i], G_CLIP_A1[i]), "a[%d]: PyTorch %.9g, got %.9g. Hint: scale every tensor by max_norm / (norm + 1e-6) "
                  "with the GLOBAL norm (of all tensors together), not each tensor's own.",
                  i, G_CLIP_A1[i], a[i]);
    for (int i = 0; i < 3; i++)
        cr_assert(close6(b[i], G_CLIP_B1[i]), "b[%d]: PyTorch %.9g, got %.9g. Hint: every tensor gets the same scale.",
                  i, G_CLIP_B1[i], b[i]);
}

Test(ex05_6, small_gradient_untouched)
{
    float g[2] = {0.3f, 0.4f};
    double n = clip_by_global_norm((float *[]){g}, (size_t[]){2}, 1, 1.0f);
    cr_assert(close6(n, 0.5) && g[0] == 0.3f && g[1] == 0.4f, "norm 0.5 <= 1: expected g unchanged and 0.5 "
              "returned, got g = (%g, %g), %g. Hint: clip only when the norm exceeds max_norm.", g[0], g[1], n);
    float h[2] = {0.9f, 1.2f}; /* norm 1.5 <= 2, but its square 2.25 > 2 */
    n = clip_by_global_norm((float *[]){h}, (size_t[]){2}, 1, 2.0f);
    cr_assert(close6(n, 1.5) && h[0] == 0.9f && h[1] == 1.2f, "norm 1.5 <= max_norm 2: expected g unchanged "
              "and 1.5 returned, got g = (%g, %g), %g. Hint: compare the norm itself (the square root of the sum "
              "of squares) with max_norm, not the sum of squares.", h[0], h[1], n);
}

Test(ex05_6, long_gradient_accumulated_in_double)
{
    /* 2^18 components 0.001 (1 + i mod 10): a float running sum of their squares loses about 3e-4 of
     * the norm (each addition rounds to the ulp of a sum ~10 times larger than its terms' spread);
     * the sum in double, written out here, is exact to 1e-12. max_norm is far above: no clipping. */
    enum { N = 1 << 18 };
    float *g = nn_malloc(N * sizeof(float));
    double sq = 0;
    for (int i = 0; i < N; i++) {
        g[i] = 0.001f * (float)(1 + i % 10);
        sq += (double)g[i] * g[i];
    }
    double n = clip_by_global_norm((float *[]){g}, (size_t[]){N}, 1, 1e6f);
    cr_assert(close6(n, sqrt(sq)), "%d components: expected the norm %.9g, got %.9g (relative error %.2g). Hint: "
              "accumulate the sum of squares in a double; a float sum of many small terms drifts.", N, sqrt(sq), n,
              fabs(n - sqrt(sq)) / sqrt(sq));
    free(g);
}

Test(ex05_6, the_epsilon_of_the_scale)
{
    /* g = (3e-6, 4e-6), norm 5e-6 > max_norm 1e-6: scale = 1e-6 / (5e-6 + 1e-6) = 1/6, so
     * g = (5e-7, 6.6667e-7). Without the 1e-6 the scale would be 1/5: (6e-7, 8e-7). */
    float g[2] = {3e-6f, 4e-6f};
    clip_by_global_norm((float *[]){g}, (size_t[]){2}, 1, 1e-6f);
    cr_assert(fabs(g[0] - 5e-7) <= 1e-5 * 5e-7 && fabs(g[1] - 4e-6 / 6) <= 1e-5 * 4e-6 / 6, "g = (3e-6, 4e-6), "
              "max_norm 1e-6: expected g * 1e-6 / (5e-6 + 1e-6) = (5e-07, 6.6667e-07), got (%.5g, %.5g). Hint: the "
              "scale is max_norm / (norm + 1e-6), as in PyTorch; the 1e-6 matters when the norm is small.", g[0], g[1]);
}

/* --- 05.7 EMA ------------------------------------------------------------------------------- */

Test(ex05_7, by_hand)
{
    /* shadow = (0, 10), p = (1, 0), decay 0.9, three times: shadow_0 = 1 - 0.9^3 = 0.271,
     * shadow_1 = 10 * 0.9^3 = 7.29 */
    float s[2] = {0, 10}, p[2] = {1, 0};
    for (int t = 0; t < 3; t++)
        ema_weights(s, p, 2, 0.9f);
    cr_assert(close6(s[0], 0.271) && close6(s[1], 7.29), "expected (0.271, 7.29), got (%.7g, %.7g). Hint: the "
              "shadow keeps decay of itself and takes 1 - decay of p.", s[0], s[1]);
}

/* --- 05.8 gradient accumulation --------------------------------------------------------------- */

/* A small network and a random batch of 128 (the test needs no dataset). */
static mlp_t make_net(float **x, int **y)
{
    rng_t r;
    rng_seed(&r, 3);
    mlp_t m = net_new((int[]){20, 16, 12, 5}, 128, &r);
    for (size_t i = 0; i < m.n_params; i++) /* nonzero biases too */
        if (m.params[i] == 0)
            m.params[i] = 0.1f * rng_normal(&r);
    *x = nn_malloc(128 * 20 * sizeof(float));
    *y = nn_malloc(128 * sizeof(int));
    for (int i = 0; i < 128 * 20; i++)
        (*x)[i] = rng_normal(&r);
    for (int i = 0; i < 128; i++)
        (*y)[i] = (int)rng_below(&r, 5);
    return m;
}

Test(ex05_8, four_times_32_equals_128)
{
    float *x;
    int *y;
    mlp_t m = make_net(&x, &y);
    float full_loss = mlp_loss_grad(&m, x, y, 128);
    float *full = nn_malloc(m.n_params * sizeof(float));
    memcpy(full, m.grads, m.n_params * sizeof(float));
    float *acc = nn_malloc(m.n_params * sizeof(float));
    /* Twice: the second call must not see what the first left in acc. */
    accumulate_gradients(&m, acc, x, y, 128, 4);
    float loss = accumulate_gradients(&m, acc, x, y, 128, 4);
    double scale = 0;
    for (size_t i = 0; i < m.n_params; i++)
        scale = fmax(scale, fabs(full[i]));
    cr_assert(fabsf(loss - full_loss) < 1e-5f, "mean loss: one batch of 128 gives %.7g, 4 x 32 gave %.7g. Hint: "
              "return the mean of the 4 micro-batch losses; micro-batch k starts at row k*b, that is at x + k*b*D.",
              full_loss, loss);
    for (size_t i = 0; i < m.n_params; i++)
        /* float32 sums in a different order: agreement to ~1e-6 of the largest component */
        cr_assert(fabs(m.grads[i] - full[i]) <= 1e-5 * scale, "gradient %zu: one batch of 128 gives %.7g, 4 x 32 "
                  "gave %.7g. Hint: %s", i, full[i], m.grads[i],
                  fabs(m.grads[i] - 4 * full[i]) <= 1e-5 * scale ? "you add the 4 gradients: scale each by 1/4."
                  : fabs(m.grads[i] - 2 * full[i]) <= 1e-5 * scale ? "this is the second call: zero acc at the "
                                                                     "start of every call."
                                                                   : "zero acc first, add each micro-batch's "
                                                                     "m->grads into it, and copy it back at the end.");
    free(full), free(acc), free(x), free(y);
    mlp_free(&m);
}

Test(ex05_8, one_micro_batch_is_the_batch)
{
    float *x;
    int *y;
    mlp_t m = make_net(&x, &y);
    mlp_loss_grad(&m, x, y, 64);
    float *full = nn_malloc(m.n_params * sizeof(float));
    memcpy(full, m.grads, m.n_params * sizeof(float));
    float *acc = nn_malloc(m.n_params * sizeof(float));
    accumulate_gradients(&m, acc, x, y, 64, 1);
    for (size_t i = 0; i < m.n_params; i++)
        cr_assert(fabsf(m.grads[i] - full[i]) <= 1e-6f * fmaxf(fabsf(full[i]), 1e-3f),
                  "micro = 1 must reproduce the batch gradient: component %zu expected %.7g, got %.7g. Hint: with "
                  "one micro-batch of all B rows, the accumulator is 1 x that gradient.", i, full[i], m.grads[i]);
    free(full), free(acc), free(x), free(y);
    mlp_free(&m);
}

/* --- helpers that are not exercises ------------------------------------------------------------ */

Test(ch05, chapter_step_matches_the_library)
{
    /* The exercise paths of chapter_step (momentum, Nesterov, Adam, AdamW) and the library's
     * optim_step agree with PyTorch and so with each other. */
    const optim_kind_t kinds[4] = {OPTIM_MOMENTUM, OPTIM_NESTEROV, OPTIM_ADAM, OPTIM_ADAMW};
    for (int k = 0; k < 4; k++) {
        float p[G_N], q[G_N];
        memcpy(p, G_P0, sizeof p), memcpy(q, G_P0, sizeof q);
        optim_t a = optim_new(kinds[k], G_N, 0.01f), b = optim_new(kinds[k], G_N, 0.01f);
        for (int t = 0; t < G_T; t++) {
            chapter_step(&a, p, G_GRADS[t], (size_t[]){G_N}, 1);
            optim_step(&b, q, G_GRADS[t]);
        }
        for (int i = 0; i < G_N; i++)
            cr_assert(close6(p[i], q[i]), "%s p[%d]: chapter %.9g, library %.9g. Hint: the chapter's step and optim_step must agree; the 05.1-05.3 checks show which rule differs.", optim_name(kinds[k]), i, p[i], q[i]);
        optim_free(&a), optim_free(&b);
    }
}

Test(ch05, convergence_criterion)
{
    cr_assert(converged(1.0, 1.0 - 1e-10, 1e-9) && !converged(1.0, 0.99, 1e-9), "relative change below tol Hint: converged compares |new - old| with tol * max(1, |old|).");
    cr_assert(converged(1e-12, 0, 1e-9), "below 1 the change is absolute: 1e-12 -> 0 has converged Hint: converged compares |new - old| with tol * max(1, |old|).");
}

Test(ch05, newton_path_converges_on_the_quadratic)
{
    method m = {"newton", RUN_NEWTON, OPTIM_SGD, 1};
    float xy[2 * 11], fv[11];
    path_result r = run_path(&m, 0, (float[]){-4, 2}, 10, xy, fv);
    cr_assert(fv[1] < 1e-9f && r.converged, "Newton reaches the quadratic's minimum in one step: loss %g after 1 "
              "step, converged %d. Hint: one exact Newton step lands on a quadratic's minimum: does 05.4 pass?", fv[1], r.converged);
}

static void bad_accumulation(void *arg)
{
    (void)arg;
    float *x;
    int *y;
    mlp_t m = make_net(&x, &y);
    float acc[1]; /* never touched: the split is refused first */
    accumulate_gradients(&m, acc, x, y, 128, 3);
}

Test(ch05, indivisible_batch_is_reported)
{
    char buf[2048];
    int st = capture_stderr(bad_accumulation, NULL, buf, sizeof buf);
    cr_assert(st == 1 && strstr(buf, "batch 128 cannot be split into 3") && strstr(buf, "hint"),
              "128 rows into 3 micro-batches must stop with a message (status %d): %s", st, buf);
}

/* --- hints (make hint EX=NN.K shows one more level each time) and the teacher's notes (shown
 * by the report once the exercise passes) ------------------------------------------------- */

/*hint 05.1
1. Momentum keeps a running velocity: what is it made of, the old velocity and the new gradient?
2. buf = mu buf + g; the heavy ball steps by lr * buf; Nesterov steps by lr * (g + mu buf), looking
   ahead along the velocity.
3. v = mu v + g;  p -= lr * (nesterov ? g + mu v : v).
*/
/*note 05.1
Momentum averages gradients over about 1/(1-mu) steps: the components that flip sign from step to
step (the zig-zag across a valley) partly cancel, and the steady ones add up. The price shows on
the prose's quadratic: the paths swing past the minimum and back, and on that mild valley the
tuned plain method still arrives first (section 5.8's numbers).
*/

/*forbid 05.1
-- its twins in common/optim.h: the exercise writes its own
optim_step optim_step_tensors
*/

/*hint 05.2
1. Adam keeps two running averages per parameter. Why are they too small in the first steps?
2. m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; divide each by (1 - beta^t) with t counted from 1; step
   lr * mhat / (sqrt(vhat) + eps).
3. mhat = m / (1 - pow(b1, t)), vhat = v / (1 - pow(b2, t)) (in C ^ is not a power),
   p -= lr mhat / (sqrt(vhat) + eps).
*/
/*note 05.2
Dividing by sqrt(v) gives each parameter its own step size; bias correction matters only early,
when m and v started at zero. AdamW (05.3) fixes how Adam treats weight decay.
*/

/*forbid 05.2
-- its twins in common/optim.h: the exercise writes its own
adam_step optim_step optim_step_tensors
*/

/*hint 05.3
1. Decoupled decay shrinks the weights directly instead of adding wd*p to the gradient. Before or
   after the Adam step?
2. Multiply every parameter by (1 - lr wd) first, then call adam_update with the plain gradient.
3. p *= 1 - lr*wd; adam_update(p, m, v, g, ...).
*/
/*note 05.3
Added to the gradient, the decay would be divided by sqrt(v) like everything else, so weights with
large gradients would barely decay; decoupled, every weight decays at the same rate.
*/

/*forbid 05.3
-- its twins in common/optim.h: the exercise writes its own
optim_step optim_step_tensors
*/

/*hint 05.4
1. Newton's step solves H d = g. How do you invert a 2x2 matrix?
2. det = H00 H11 - H01 H10; refuse det = 0 exactly (return -1; a negative or tiny det is fine);
   d = H^{-1} g with H^{-1} = [H11, -H01; -H10, H00] / det; p -= d.
3. d0 = (H11 g0 - H01 g1)/det, d1 = (-H10 g0 + H00 g1)/det; p -= d; return 0.
*/
/*note 05.4
On a quadratic, Newton lands on the minimum in one step whatever the curvature; for a network H has
n^2 entries, which is why practical optimizers use cheap per-coordinate step sizes instead (Adam's
1/sqrt(v) is one: not an estimate of H's inverse, as section 5.7 explains).
*/

/*forbid 05.4
-- its twins in common/optim.h: the exercise writes its own
optim_newton_step
*/

/*hint 05.5
1. Two phases: during warmup the rate climbs linearly, afterwards it follows half a cosine from lr_max
   down to lr_min.
2. t < warmup: lr_max (t+1)/warmup. After: x = (t - warmup)/(total - warmup) goes 0 to 1 and lr =
   lr_min + (lr_max - lr_min)(1 + cos(pi x))/2. Divide in double: t, warmup and total are long.
3. lr(t) = lr_max * (double)(t + 1) / W for t < W, else with x = (double)(t - W) / (T - W):
   lr_min + 0.5 (lr_max - lr_min)(1 + cos(pi x)). ((t - W) / (T - W) in long is 0.)
*/
/*note 05.5
Warmup protects Adam's early steps, when its second-moment estimate is still noisy; the cosine
spends most steps at a moderate rate and ends small to settle in a minimum.
*/

/*forbid 05.5
-- its twins in common/schedule.h: the exercise writes its own
schedule_lr schedule_new
*/

/*hint 05.6
1. The global norm is one number over all parameter tensors together, not one per tensor.
2. Sum the squares of every gradient entry of all k tensors, take the square root; only if it exceeds
   max_norm, scale every entry by max_norm/(norm + 1e-6). Return the norm before clipping.
3. norm = sqrt(sum_j sum_i g_ji^2); if norm > c: g *= c/(norm + 1e-6).
*/
/*note 05.6
Clipping by the global norm keeps the direction of the update and only caps its length; it is what
makes RNN training (chapter 8) survive exploding gradients.
*/

/*forbid 05.6
-- its twins in common/clip.h: the exercise writes its own
clip_grad_norm clip_grad_norm_flat
*/

/*hint 05.7
1. The shadow weights move a small step towards the current weights at every call.
2. shadow_i = decay shadow_i + (1 - decay) p_i for every i.
3. shadow = decay * shadow + (1 - decay) * p.
*/
/*note 05.7
An EMA of the weights averages over about 1/(1-decay) steps, smoothing the noise of SGD; with a
constant or large final rate, evaluating with the shadow is often a free accuracy gain. After a
schedule that anneals to 0 it can lag instead (section 5.12: about 83% against the last weights' 84%).
*/

/*forbid 05.7
-- its twins in common/optim.h: the exercise writes its own
ema_update
*/

/*hint 05.8
1. Splitting a batch of B into micro-batches must give the same gradient as the whole batch: how do
   you combine the micro-batch gradients?
2. b = B/micro examples each; zero acc; for each micro-batch k run mlp_loss_grad on rows k*b.., add
   grads/micro into acc; copy acc back into m->grads; return the mean loss.
3. grad = (sum_k grad_k) / micro, loss = (sum_k loss_k) / micro, dividing by (float)micro (1/micro
   with an int micro is 0); each grad_k is already a mean over its b examples.
*/
/*note 05.8
Accumulation trades time for memory: the step sees the big batch's gradient with only b examples in
memory. Batch norm is the exception, since its statistics see only the micro-batch.
*/
