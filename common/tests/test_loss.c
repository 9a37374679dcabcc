/* Tests of loss.h: closed-form values, stability at extreme logits, and gradients against
 * centered differences. */
#include "loss.h"
#include "rng.h"

#include "capture.h"

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

/* --- label smoothing and log-softmax (added with chapter 2) ----------------------------------- */

Test(loss, smoothing_zero_is_plain_cross_entropy)
{
    const float z[6] = {1, -2, 0.5f, 3, 3, -1};
    const int labels[2] = {2, 0};
    float d1[6], d2[6];
    float a = softmax_cross_entropy(d1, z, labels, 2, 3), b = softmax_cross_entropy_smooth(d2, z, labels, 2, 3, 0);
    cr_assert_float_eq(a, b, 1e-6f, "eps = 0: %g vs %g", a, b);
    for (int i = 0; i < 6; i++) cr_assert_float_eq(d1[i], d2[i], 1e-7f, "dz[%d]", i);
}

Test(loss, smoothing_by_hand)
{
    /* Equal logits over K = 4: p = 1/4 whatever the target, so L = log 4 for every eps, and
     * dz = (1/4 - q) with q = (1 - eps)[k == t] + eps/4: for eps = 0.2, t = 1, q = (0.05, 0.85, 0.05, 0.05). */
    const float z[4] = {2, 2, 2, 2};
    const int label = 1;
    float dz[4];
    cr_assert_float_eq(softmax_cross_entropy_smooth(dz, z, &label, 1, 4, 0.2f), logf(4), 1e-6f);
    cr_assert(fabsf(dz[0] - 0.2f) < 1e-6f && fabsf(dz[1] + 0.6f) < 1e-6f, "dz = (0.2, -0.6, 0.2, 0.2)");
    /* Logits (0, log 3) for K = 2, t = 0, eps = 0.5: p = (1/4, 3/4), q = (3/4, 1/4),
     * L = -(3/4 log 1/4 + 1/4 log 3/4) = 3/4 log 4 + 1/4 log 4/3. */
    const float z2[2] = {0, logf(3)};
    const int t0 = 0;
    float L = softmax_cross_entropy_smooth(NULL, z2, &t0, 1, 2, 0.5f);
    cr_assert_float_eq(L, 0.75f * logf(4) + 0.25f * logf(4.0f / 3), 1e-6f, "got %g", L);
}

Test(loss, smoothed_gradient_matches_numerical)
{
    rng_t r;
    rng_seed(&r, 12);
    enum { B = 3, K = 6 };
    float z[B * K], dz[B * K];
    int labels[B] = {5, 0, 2};
    for (int i = 0; i < B * K; i++) z[i] = 2 * rng_normal(&r);
    softmax_cross_entropy_smooth(dz, z, labels, B, K, 0.1f);
    double worst = 0;
    for (int i = 0; i < B * K; i++) {
        const float h = 1e-2f, zi = z[i];
        z[i] = zi + h;
        double lp = softmax_cross_entropy_smooth(NULL, z, labels, B, K, 0.1f);
        z[i] = zi - h;
        double lm = softmax_cross_entropy_smooth(NULL, z, labels, B, K, 0.1f);
        z[i] = zi;
        double num = (lp - lm) / (2 * h);
        worst = fmax(worst, fabs(num - dz[i]) / fmax(1e-3, fabs(num) + fabs(dz[i])));
    }
    /* float32 losses, h = 1e-2: relative error below 1e-2 */
    cr_assert_lt(worst, 1e-2, "worst relative error %g", worst);
}

Test(loss, log_softmax_is_stable_and_normalized)
{
    const float z[3] = {1000, 999, -1000};
    float out[3];
    log_softmax_forward(out, z, 1, 3);
    /* lse = 1000 + log(1 + e^-1) */
    cr_assert(fabsf(out[0] + log1pf(expf(-1))) < 1e-4f && fabsf(out[1] + 1 + log1pf(expf(-1))) < 1e-4f &&
                  isfinite(out[2]), "got (%g, %g, %g)", out[0], out[1], out[2]);
    double s = exp(out[0]) + exp(out[1]) + exp(out[2]);
    cr_assert(fabs(s - 1) < 1e-6, "exp(log_softmax) sums to 1, got %g", s);
}

static void smooth_bad_label(void *arg)
{
    (void)arg;
    const float z[2] = {0, 0};
    const int label = -1;
    exit(isnan(softmax_cross_entropy_smooth(NULL, z, &label, 1, 2, 0.1f)) ? 5 : 0);
}

static void smooth_bad_eps(void *arg)
{
    (void)arg;
    const float z[2] = {0, 0};
    const int label = 0;
    exit(isnan(softmax_cross_entropy_smooth(NULL, z, &label, 1, 2, 1.5f)) ? 5 : 0);
}

Test(loss, smoothing_rejects_bad_labels_and_eps)
{
    char err[4096];
    int status = capture_stderr(smooth_bad_label, NULL, err, sizeof err);
    /* reported, then NaN returned (no exit from the library): status 5 is the child's "NaN" */
    cr_assert(status == 5 && strstr(err, "labels[0] is -1: expected 0 .. 1"), "status %d: %s", status, err);
    status = capture_stderr(smooth_bad_eps, NULL, err, sizeof err);
    cr_assert(status == 5 && strstr(err, "eps is 1.5: expected 0 <= eps <= 1"), "status %d: %s", status, err);
}

/* Issue 9: softmax_cross_entropy read logits out of range for a bad label, and an empty batch
 * (B = 0) gave a silent NaN in mse/bce/ce. Now each reports (file:line, expected/got, hint) and
 * returns NaN without exiting: the caller's nn_check_finite stops the program. */
static void ce_bad_label(void *arg)
{
    const float z[4] = {1, 2, 3, 4};
    const int labels[2] = {1, *(int *)arg};
    float dz[4] = {7, 7, 7, 7};
    float l = softmax_cross_entropy(dz, z, labels, 2, 2);
    exit(isnan(l) && dz[0] == 7 ? 5 : 0);
}

static void empty_batches(void *unused)
{
    (void)unused;
    float z[1] = {0}, t[1] = {0};
    int labels[1] = {0};
    int nans = isnan(mse_loss(NULL, z, t, 0, 3)) + isnan(bce_logits_loss(NULL, z, t, 0)) +
               isnan(softmax_cross_entropy(NULL, z, labels, 0, 1)) +
               isnan(softmax_cross_entropy_smooth(NULL, z, labels, 0, 1, 0.1f));
    exit(nans == 4 ? 5 : 0);
}

Test(loss, softmax_cross_entropy_checks_labels)
{
    char err[4096];
    int bad[] = {2, -1};
    for (int i = 0; i < 2; i++) {
        int status = capture_stderr(ce_bad_label, &bad[i], err, sizeof err);
        char want[128];
        snprintf(want, sizeof want, "labels[1] is %d: expected 0 .. 1", bad[i]);
        cr_assert(status == 5 && strstr(err, want) && strstr(err, "hint:"),
                  "a label out of range must be reported and give NaN (status %d): %s", status, err);
    }
}

Test(loss, empty_batch_is_an_error_not_a_silent_nan)
{
    char err[4096];
    int status = capture_stderr(empty_batches, NULL, err, sizeof err);
    cr_assert_eq(status, 5, "every loss returns NaN for B = 0 (status %d): %s", status, err);
    cr_assert(strstr(err, "mse_loss: B=0") && strstr(err, "bce_logits_loss: B=0") &&
                  strstr(err, "softmax_cross_entropy: B=0") && strstr(err, "softmax_cross_entropy_smooth: B=0"),
              "each loss names itself and the empty batch: %s", err);
}
