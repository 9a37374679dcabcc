/* Tests of dropout.h: inverted dropout keeps the expected activation, drops a fraction p, its
 * backward is the same mask; DropConnect's weight gradient; p out of range is refused. */
#include "capture.h"
#include "dropout.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

Test(dropout, expected_activation_is_unchanged)
{
    enum { n = 200000 };
    static float x[n], y[n], mask[n];
    for (int i = 0; i < n; i++)
        x[i] = 1.5f;
    rng_t rng;
    rng_seed(&rng, 1);
    dropout_forward(y, mask, x, n, 0.3f, &rng);
    double s = 0;
    long zeros = 0;
    for (int i = 0; i < n; i++)
        s += y[i], zeros += y[i] == 0;
    /* each y is 0 or 1.5/0.7 with P(kept) = 0.7: mean 1.5, std of the mean 1.5*sqrt(0.3/0.7/n) ~ 0.0022;
     * 5 standard deviations: 0.011 */
    cr_assert(fabs(s / n - 1.5) < 0.011, "mean of the dropped-out activations %g, expected 1.5 (inverted scaling 1/(1-p))",
              s / n);
    cr_assert(fabs((double)zeros / n - 0.3) < 0.005, "fraction dropped %g, expected p = 0.3", (double)zeros / n);
    for (int i = 0; i < 100; i++)
        cr_assert(mask[i] == 0 || fabsf(mask[i] - 1 / 0.7f) < 1e-6f, "mask[%d] = %g, expected 0 or 1/0.7", i, mask[i]);
}

Test(dropout, backward_uses_the_same_mask_and_p0_is_identity)
{
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8], mask[8], dy[8], dx[8];
    rng_t rng;
    rng_seed(&rng, 2);
    dropout_forward(y, mask, x, 8, 0.5f, &rng);
    for (int i = 0; i < 8; i++)
        dy[i] = (float)(i + 1) * 0.5f;
    dropout_backward(dx, dy, mask, 8);
    for (int i = 0; i < 8; i++)
        cr_assert_float_eq(dx[i], y[i] * 0.5f, 1e-6f, "dx[%d] = %g: y = m x and dy = x/2, so dx = m dy = y/2 = %g",
                           i, dx[i], y[i] * 0.5f);
    dropout_forward(y, mask, x, 8, 0.0f, &rng);
    cr_assert(memcmp(x, y, sizeof x) == 0, "p = 0 must be the identity");
}

Test(dropout, dropconnect_masks_weights_and_their_gradient)
{
    float W[6] = {1, -2, 3, -4, 5, -6}, Wm[6], mask[6], dWm[6] = {1, 1, 1, 1, 1, 1}, dW[6];
    rng_t rng;
    rng_seed(&rng, 3);
    dropconnect_weights(Wm, mask, W, 6, 0.5f, &rng);
    dropconnect_backward(dW, dWm, mask, 6);
    for (int i = 0; i < 6; i++) {
        cr_assert_float_eq(Wm[i], mask[i] * W[i], 1e-6f, "Wm[%d] must be mask * W", i);
        cr_assert_float_eq(dW[i], mask[i], 1e-6f, "dW[%d] = %g: with dWm = 1 the gradient is the mask %g", i, dW[i], mask[i]);
    }
}

static void p_one(void *arg)
{
    (void)arg;
    float x[2] = {1, 2}, y[2], m[2];
    rng_t rng;
    rng_seed(&rng, 1);
    dropout_forward(y, m, x, 2, 1.0f, &rng);
}

Test(dropout, p_of_one_is_refused)
{
    char err[1024];
    int st = capture_stderr(p_one, NULL, err, sizeof err);
    cr_assert(st == 1 && strstr(err, "p = 1") && strstr(err, "hint"), "p = 1: expected exit 1 and a message, got %d: %s",
              st, err);
}
