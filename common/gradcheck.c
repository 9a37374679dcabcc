/* gradcheck.c — see gradcheck.h. */
#include "gradcheck.h"

#include <math.h>
#include <stdio.h>

static double rel_error(double a, double n) { return fabs(a - n) / fmax(fabs(a) + fabs(n), GRADCHECK_FLOOR); }

/* Centered difference of L at *p with step k (restoring *p); also returns L(x+k) and L(x-k). */
static double centered(gradcheck_loss_fn_t loss, void *ctx, float *p, float k, double *lp, double *lm)
{
    const float x = *p, up = x + k, down = x - k;
    *p = up;
    *lp = loss(ctx);
    *p = down;
    *lm = loss(ctx);
    *p = x;
    return (*lp - *lm) / ((double)up - (double)down); /* the step actually taken, in float */
}

gradcheck_result_t gradcheck_run(gradcheck_loss_fn_t loss, void *ctx, float *param, const float *analytic_grad,
                           size_t n, float h)
{
    gradcheck_result_t r = {0};
    int have = 0; /* has any non-kink element been seen yet? */
    const double l0 = loss(ctx);
    for (size_t i = 0; i < n; i++) {
        const double a = analytic_grad[i];
        double lp, lm, num = centered(loss, ctx, param + i, h, &lp, &lm), e = rel_error(a, num);
        if (e > 1e-2) {
            /* Maybe a kink within h. Shrink the step: if the kink is not at x itself, a small
             * enough step no longer reaches it and the check becomes valid. */
            const double num_h = num;
            double n2 = num;
            float k = h;
            int resolved = 0;
            for (int halvings = 0; halvings < 4 && !resolved; halvings++) {
                k /= 2;
                n2 = centered(loss, ctx, param + i, k, &lp, &lm);
                if (rel_error(a, n2) <= 1e-2)
                    num = n2, e = rel_error(a, n2), resolved = 1;
            }
            /* Still failing at k = h/16: the tests of gradcheck.h that say "kink". */
            const double fwd = (lp - l0) / k, bwd = (l0 - lm) / k;
            const int kink = rel_error(fwd, bwd) > 0.05 || rel_error(a, fwd) <= 1e-2 ||
                             rel_error(a, bwd) <= 1e-2 || rel_error(num_h, n2) > 0.05;
            if (!resolved && kink) {
                if (r.kinks++ == 0)
                    r.first_kink = i;
                r.kink_rel_error = fmax(r.kink_rel_error, e);
                continue;
            }
        }
        /* A NaN error (a NaN or Inf gradient) is the worst there is and stays the worst: every
         * comparison with NaN is false, so `e > max` alone would let it pass after index 0. */
        if (!have || (isnan(e) && !isnan(r.max_rel_error)) || e > r.max_rel_error) {
            have = 1;
            r.max_rel_error = e;
            r.worst = i;
            r.analytic = a;
            r.numeric = num;
        }
    }
    return r;
}

double gradcheck_max_rel_error(gradcheck_loss_fn_t loss, void *ctx, float *param, const float *analytic_grad,
                               size_t n, float h)
{
    gradcheck_result_t r = gradcheck_run(loss, ctx, param, analytic_grad, n, h);
    if (r.kinks)
        fprintf(stderr,
                "gradcheck: %zu element%s (the first is index %zu) sit%s on a point where the loss is not "
                "differentiable (a kink, e.g. relu at 0); left out of the error (there the centered "
                "difference would be off by up to %.2g relative)\n",
                r.kinks, r.kinks > 1 ? "s" : "", r.first_kink, r.kinks > 1 ? "" : "s", r.kink_rel_error);
    return r.max_rel_error;
}

void gradcheck_random_upstream(float *r, size_t n, rng_t *rng)
{
    for (size_t i = 0; i < n; i++)
        r[i] = rng_normal(rng);
}

double gradcheck_dot(const float *y, const float *r, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)y[i] * r[i];
    return s;
}
