/* Tests of gradcheck.h: it passes a correct gradient, catches a wrong one, and recognizes a kink
 * (relu at exactly 0) instead of reporting a bogus error. */
#include "activations.h"
#include "gradcheck.h"
#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>

/* L(p) = sum_i (i + 1) p_i^3 / 3 in double: dL/dp_i = (i + 1) p_i^2. */
static double cubic(void *ctx)
{
    const float *p = ctx;
    double s = 0;
    for (int i = 0; i < 4; i++)
        s += (i + 1) * (double)p[i] * p[i] * p[i] / 3;
    return s;
}

Test(gradcheck, accepts_a_correct_gradient_and_restores_the_parameter)
{
    float p[4] = {0.5f, -1, 2, 0.25f}, g[4], saved[4];
    for (int i = 0; i < 4; i++)
        g[i] = (i + 1) * p[i] * p[i], saved[i] = p[i];
    double e = gradcheck_max_rel_error(cubic, p, p, g, 4, 1e-3f);
    /* smooth, float parameters, double loss: the O(h^2) truncation p_i h^2 / 3 dominates: ~1e-6 */
    cr_assert_lt(e, 1e-4, "relative error %g", e);
    for (int i = 0; i < 4; i++)
        cr_assert(p[i] == saved[i], "param[%d] restored exactly: %g vs %g", i, p[i], saved[i]);
}

Test(gradcheck, catches_a_wrong_gradient_and_names_it)
{
    float p[4] = {0.5f, -1, 2, 0.25f}, g[4];
    for (int i = 0; i < 4; i++)
        g[i] = (i + 1) * p[i] * p[i];
    g[2] *= 1.1f; /* a 10% error in element 2 */
    gradcheck_result_t r = gradcheck_run(cubic, p, p, g, 4, 1e-3f);
    /* rel = 0.1 a / 2.1 a = 0.0476 */
    cr_assert(fabs(r.max_rel_error - 0.1 / 2.1) < 1e-3, "got %g", r.max_rel_error);
    cr_assert_eq(r.worst, 2, "the worst element is the wrong one");
    cr_assert(fabs(r.analytic - 13.2) < 1e-4 && fabs(r.numeric - 12) < 1e-3, "a = %g, n = %g", r.analytic,
              r.numeric);
}

typedef struct {
    float *x, *y, *r;
} relu_ctx;

static double relu_loss(void *p)
{
    relu_ctx *c = p;
    relu_forward(c->y, c->x, 3);
    return gradcheck_dot(c->y, c->r, 3);
}

Test(gradcheck, relu_at_zero_is_reported_as_a_kink)
{
    float x[3] = {1.5f, 0.0f, -0.7f}, y[3], r[3] = {0.8f, -1.3f, 0.4f}, dx[3];
    relu_forward(y, x, 3);
    relu_backward(dx, r, x, y, 3);
    relu_ctx c = {x, y, r};
    gradcheck_result_t g = gradcheck_run(relu_loss, &c, x, dx, 3, 1e-3f);
    /* At x = 0 the one-sided slopes are r = -1.3 (right) and 0 (left): the centered difference
     * is -0.65, which matches neither choice of relu'(0): a kink, not a bug. */
    cr_assert_eq(g.kinks, 1, "exactly one kink (x[1] = 0), found %zu", g.kinks);
    cr_assert_eq(g.first_kink, 1, "the kink is element 1, got %zu", g.first_kink);
    cr_assert(fabs(g.kink_rel_error - 1.0) < 1e-3, "there rel = |0 - (-0.65)| / 0.65 = 1, got %g",
              g.kink_rel_error);
    cr_assert_lt(g.max_rel_error, 1e-4, "the other elements check fine: %g", g.max_rel_error);
}

static void kink_message(void *arg)
{
    (void)arg;
    float x[3] = {1.5f, 0.0f, -0.7f}, y[3], r[3] = {0.8f, -1.3f, 0.4f}, dx[3];
    relu_forward(y, x, 3);
    relu_backward(dx, r, x, y, 3);
    relu_ctx c = {x, y, r};
    gradcheck_max_rel_error(relu_loss, &c, x, dx, 3, 1e-3f);
}

Test(gradcheck, short_form_says_so_when_it_skips_a_kink)
{
    char err[2048];
    int status = capture_stderr(kink_message, NULL, err, sizeof err);
    cr_assert_eq(status, 0, "a kink is not an error: exit 0, got %d", status);
    cr_assert(strstr(err, "index 1") && strstr(err, "not differentiable"), "got: %s", err);
}

Test(gradcheck, a_smooth_steep_function_is_not_a_kink)
{
    /* cubic at p = 0.01: gradient tiny (1e-4), curvature relatively large; must not be taken
     * for a kink, and the floor keeps the relative error meaningful. */
    float p[4] = {0.01f, -0.02f, 0.03f, 0.001f}, g[4];
    for (int i = 0; i < 4; i++)
        g[i] = (i + 1) * p[i] * p[i];
    gradcheck_result_t r = gradcheck_run(cubic, p, p, g, 4, 1e-3f);
    cr_assert_eq(r.kinks, 0, "no kinks in a smooth function, got %zu", r.kinks);
    cr_assert_lt(r.max_rel_error, 1e-2, "got %g", r.max_rel_error);
}

Test(gradcheck, random_upstream_is_standard_normal)
{
    rng_t rng;
    rng_seed(&rng, 1);
    enum { N = 20000 };
    static float r[N];
    gradcheck_random_upstream(r, N, &rng);
    double s = 0, s2 = 0;
    for (int i = 0; i < N; i++)
        s += r[i], s2 += (double)r[i] * r[i];
    /* mean within 4 standard errors (4 / sqrt(N) = 0.028) of 0, variance near 1 */
    cr_assert(fabs(s / N) < 0.03 && fabs(s2 / N - 1) < 0.05, "mean %g, var %g", s / N, s2 / N);
}

typedef struct {
    float *x, *y, *r;
} step_ctx;

static double step_loss(void *p)
{
    step_ctx *c = p;
    step_forward(c->y, c->x, 2);
    return gradcheck_dot(c->y, c->r, 2);
}

Test(gradcheck, step_function_near_its_jump)
{
    /* h = 1e-2. x[0] = 3e-3: the jump at 0 is within h, but not within h/4: halving the step
     * resolves it (the derivative 0 is confirmed). x[1] = 1e-4: within h/16 of the jump: a kink. */
    float x[2] = {3e-3f, 1e-4f}, y[2], r[2] = {0.7f, -1.1f}, dx[2];
    step_forward(y, x, 2);
    step_backward(dx, r, x, y, 2);
    step_ctx c = {x, y, r};
    gradcheck_result_t g = gradcheck_run(step_loss, &c, x, dx, 2, 1e-2f);
    cr_assert_eq(g.kinks, 1, "one kink (x[1] = 1e-4), found %zu", g.kinks);
    cr_assert_eq(g.first_kink, 1, "the kink is element 1, got %zu", g.first_kink);
    cr_assert(g.max_rel_error == 0 && g.worst == 0, "element 0 checks exactly once the step is small enough: "
              "error %g at %zu", g.max_rel_error, g.worst);
}

/* Issue 9: a NaN or Inf analytic gradient after the first index passed the check (every
 * comparison with NaN is false, so the worst error stayed the first element's). */
static void nan_or_inf_after_the_first_index(float bad)
{
    float p[4] = {0.5f, -1, 2, 0.25f}, g[4];
    for (int i = 0; i < 4; i++)
        g[i] = (i + 1) * p[i] * p[i];
    g[2] = bad;
    gradcheck_result_t r = gradcheck_run(cubic, p, p, g, 4, 1e-3f);
    cr_assert(!(r.max_rel_error <= 1e-2), "a %g gradient at index 2 must fail the check: max_rel_error %g",
              bad, r.max_rel_error);
    cr_assert_eq(r.worst, 2, "the worst element is the %g one (index 2), got %zu", bad, r.worst);
    cr_assert_eq(r.kinks, 0, "a %g gradient is not a kink", bad);
}

Test(gradcheck, nan_gradient_after_the_first_index_fails) { nan_or_inf_after_the_first_index(NAN); }
Test(gradcheck, inf_gradient_after_the_first_index_fails) { nan_or_inf_after_the_first_index(INFINITY); }
