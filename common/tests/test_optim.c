/* Tests of optim.h: SGD by hand, Adam in closed form (constant gradients), and Adam against a
 * double-precision transcription of Kingma & Ba's Algorithm 1 (which computes m_hat and v_hat
 * explicitly, unlike optim.c's folded form). */
#include "optim.h"

#include <criterion/criterion.h>
#include <math.h>

Test(optim, sgd_by_hand)
{
    float p[3] = {1, 2, 3}, g[3] = {0.5f, -1, 0};
    sgd_step(p, g, 3, 0.1f);
    cr_assert(fabsf(p[0] - 0.95f) < 1e-7f && fabsf(p[1] - 2.1f) < 1e-6f && p[2] == 3, "p - 0.1 g");
}

Test(optim, adam_with_a_constant_gradient_moves_lr_per_step)
{
    /* With g constant, m_hat_t = g and v_hat_t = g^2 exactly for every t (that is what the bias
     * correction is for): each step is lr g / (|g| + eps) = lr sign(g), up to eps. */
    float p[3] = {0, 0, 0}, g[3] = {2, -0.001f, 100};
    adam_t a = adam_new(3, 0.01f);
    for (int t = 1; t <= 50; t++) {
        adam_step(&a, p, g);
        cr_assert_eq(a.t, t, "adam_step increments t once per call");
    }
    cr_assert(fabsf(p[0] + 0.5f) < 1e-4f && fabsf(p[1] - 0.5f) < 1e-4f && fabsf(p[2] + 0.5f) < 1e-4f,
              "50 steps of -lr sign(g): expected (-0.5, 0.5, -0.5), got (%g, %g, %g)", p[0], p[1], p[2]);
    adam_free(&a);
    cr_assert_null(a.m, "adam_free clears the state");
}

Test(optim, adam_matches_algorithm_1)
{
    enum { N = 37, T = 20 }; /* 37: the vectorized body (8 or 4 at a time) and a scalar tail */
    float p[N], g[N];
    for (int i = 0; i < N; i++)
        p[i] = 3 * sinf((float)i);
    double m[N] = {0}, v[N] = {0};
    adam_t a = adam_new(N, 0.05f);
    for (int t = 1; t <= T; t++) {
        double q[N];
        for (int i = 0; i < N; i++) { /* gradient of sum p^2 / 2 plus a varying term */
            g[i] = p[i] + 0.3f * sinf((float)(t * (i + 1))) * (i % 5 ? 1.0f : 1e-4f);
            q[i] = p[i];
        }
        adam_step(&a, p, g);
        for (int i = 0; i < N; i++) { /* the same step in double, from the same state */
            m[i] = 0.9 * m[i] + 0.1 * g[i];
            v[i] = 0.999 * v[i] + 0.001 * (double)g[i] * g[i];
            double mh = m[i] / (1 - pow(0.9, t)), vh = v[i] / (1 - pow(0.999, t));
            q[i] -= 0.05 * mh / (sqrt(vh) + 1e-8);
            /* float32 state: agreement to ~1e-6 per step */
            cr_assert(fabs(p[i] - q[i]) < 1e-5, "step %d, p[%d] = %.7g, Algorithm 1 gives %.7g", t, i, p[i], q[i]);
        }
    }
    adam_free(&a);
}
