/* Tests of loss.h: closed-form values, stability at extreme logits, and gradients against
 * centered differences. */
#include "loss.h"
#include "rng.h"

#include <criterion/criterion.h>
#include <math.h>

Test(loss, mse_by_hand)
{
    float y[4] = {1, 2, 3, 4}, t[4] = {1, 0, 3, 2}, dy[4];
    /* errors (0, 2, 0, 2): mean of squares = 8/4 = 2; gradient 2 e / 4 = (0, 1, 0, 1) */
    cr_assert_float_eq(mse_loss(dy, y, t, 2, 2), 2.0f, 1e-6f);
    cr_assert(dy[0] == 0 && dy[1] == 1 && dy[2] == 0 && dy[3] == 1, "dy = (0,1,0,1)");
}

Test(loss, softmax_cross_entropy_uniform_logits_is_log_k)
{
    float z[10] = {0};
    int label = 3;
    /* equal logits: softmax is 1/K, loss log(K) */
    cr_assert_float_eq(softmax_cross_entropy(NULL, z, &label, 1, 10), logf(10), 1e-6f);
}

Test(loss, softmax_cross_entropy_is_stable_for_huge_logits)
{
    float z[3] = {1000, 0, -1000}, dz[3];
    int label = 1;
    float L = softmax_cross_entropy(dz, z, &label, 1, 3);
    /* log-sum-exp is 1000 (+ e^-1000): loss = 1000 - 0 */
    cr_assert_float_eq(L, 1000.0f, 1e-3f, "got %g", L);
    cr_assert(isfinite(dz[0]) && fabsf(dz[0] - 1) < 1e-6f && fabsf(dz[1] + 1) < 1e-6f, "dz = (1, -1, 0)");
    float p[3];
    softmax_forward(p, z, 1, 3);
    cr_assert(fabsf(p[0] - 1) < 1e-6f && p[2] == 0, "softmax of huge logits is finite");
}

Test(loss, bce_logits_closed_form_and_stable)
{
    float z[2] = {0, 800}, t[2] = {1, 0}, dz[2];
    /* z=0: -log(1/2) = log 2. z=800, t=0: -log(1 - s(800)) = softplus(800) = 800. Mean (log2+800)/2 */
    float L = bce_logits_loss(dz, z, t, 2);
    cr_assert(fabsf(L - (logf(2) + 800) / 2) < 1e-3f, "got %g", L);
    cr_assert(fabsf(dz[0] + 0.25f) < 1e-6f && fabsf(dz[1] - 0.5f) < 1e-6f, "dz = ((0.5-1)/2, (1-0)/2)");
}

/* Centered differences of softmax_cross_entropy against its analytic gradient. */
Test(loss, softmax_cross_entropy_gradient_matches_numerical)
{
    rng_t r;
    rng_seed(&r, 11);
    enum { B = 4, K = 5 };
    float z[B * K], dz[B * K];
    int labels[B] = {0, 4, 2, 2};
    for (int i = 0; i < B * K; i++) z[i] = 2 * rng_normal(&r);
    softmax_cross_entropy(dz, z, labels, B, K);
    double worst = 0;
    for (int i = 0; i < B * K; i++) {
        const float h = 1e-2f, zi = z[i];
        z[i] = zi + h;
        double lp = softmax_cross_entropy(NULL, z, labels, B, K);
        z[i] = zi - h;
        double lm = softmax_cross_entropy(NULL, z, labels, B, K);
        z[i] = zi;
        double num = (lp - lm) / (2 * h);
        worst = fmax(worst, fabs(num - dz[i]) / fmax(1e-3, fabs(num) + fabs(dz[i])));
    }
    /* float32 losses, h = 1e-2: relative error below 1e-2 (typically ~1e-4) */
    cr_assert_lt(worst, 1e-2, "worst relative error %g", worst);
}
