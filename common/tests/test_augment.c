/* Tests of augment.h: flips, crops, cutout and mixup on small images worked out by hand. */
#include "augment.h"
#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

/* a 1 x 3 x 4 image holding 1..12 row by row */
static void ramp(float *img)
{
    for (int i = 0; i < 12; i++)
        img[i] = (float)(i + 1);
}

Test(augment, flip_mirrors_rows_and_twice_is_identity)
{
    float a[12], b[12];
    ramp(a), ramp(b);
    augment_flip(a, 1, 3, 4);
    const float want[12] = {4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9};
    cr_assert(memcmp(a, want, sizeof a) == 0, "flip of rows (1 2 3 4) must give (4 3 2 1), got (%g %g %g %g)", a[0], a[1],
              a[2], a[3]);
    augment_flip(a, 1, 3, 4);
    cr_assert(memcmp(a, b, sizeof a) == 0, "flipping twice must give the image back");
}

Test(augment, crop_shifts_and_pads_with_zeros)
{
    float src[12], dst[12];
    ramp(src);
    augment_crop_at(dst, src, 1, 3, 4, 1, 1, 1);
    cr_assert(memcmp(dst, src, sizeof dst) == 0, "offset (pad, pad) must be the identity");
    /* offset (0, 2) with pad 1: y(i, j) = x(i - 1, j + 1): first row zeros, then (2 3 4 0), (6 7 8 0) */
    augment_crop_at(dst, src, 1, 3, 4, 1, 0, 2);
    const float want[12] = {0, 0, 0, 0, 2, 3, 4, 0, 6, 7, 8, 0};
    for (int i = 0; i < 12; i++)
        cr_assert_float_eq(dst[i], want[i], 0, "crop at (0, 2), pad 1: element %d is %g, expected %g", i, dst[i], want[i]);
    rng_t rng;
    rng_seed(&rng, 1);
    for (int t = 0; t < 20; t++) { /* a random crop keeps between 2*3 and 12 of the pixels */
        augment_random_crop(dst, src, 1, 3, 4, 1, &rng);
        int nz = 0;
        for (int i = 0; i < 12; i++)
            nz += dst[i] != 0;
        cr_assert(nz >= 6 && nz <= 12, "random crop kept %d pixels, expected 6..12", nz);
    }
}

Test(augment, cutout_zeroes_a_clipped_square)
{
    float img[36];
    for (int i = 0; i < 36; i++)
        img[i] = 1;
    augment_cutout_at(img, 1, 6, 6, 2, 3, 3); /* rows 2..3, cols 2..3: 4 zeros */
    int z = 0;
    for (int i = 0; i < 36; i++)
        z += img[i] == 0;
    cr_assert(z == 4 && img[2 * 6 + 2] == 0 && img[3 * 6 + 3] == 0, "cutout 2x2 at centre (3, 3): %d zeros, expected 4", z);
    for (int i = 0; i < 36; i++)
        img[i] = 1;
    augment_cutout_at(img, 1, 6, 6, 4, 0, 0); /* rows/cols -2..1 clipped to 0..1: 4 zeros */
    z = 0;
    for (int i = 0; i < 36; i++)
        z += img[i] == 0;
    cr_assert(z == 4, "cutout 4x4 at the corner clipped to 2x2: %d zeros, expected 4", z);
}

Test(augment, mixup_is_a_convex_combination_and_lambda_is_beta)
{
    const float x[6] = {0, 0, 0, 1, 2, 3};
    const int perm[2] = {1, 0};
    float out[6];
    augment_mixup(out, x, perm, 2, 3, 0.25f);
    const float want[6] = {0.75f, 1.5f, 2.25f, 0.25f, 0.5f, 0.75f};
    for (int i = 0; i < 6; i++)
        cr_assert_float_eq(out[i], want[i], 1e-6f, "mixup element %d = %g, expected %g", i, out[i], want[i]);
    rng_t rng;
    rng_seed(&rng, 4);
    double s = 0, s2 = 0;
    enum { n = 20000 };
    for (int i = 0; i < n; i++) {
        float l = augment_mixup_lambda(0.4f, &rng);
        cr_assert(l >= 0 && l <= 1, "lambda %g outside [0, 1]", l);
        s += l, s2 += (double)l * l;
    }
    /* Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)) = 1/7.2 = 0.1389 for a = 0.4 */
    double mean = s / n, var = s2 / n - mean * mean;
    cr_assert(fabs(mean - 0.5) < 0.01 && fabs(var - 1 / 7.2) < 0.01, "Beta(0.4, 0.4) draws: mean %g, var %g, expected "
              "0.5 and 0.139", mean, var);
}

static void bad_crop(void *arg)
{
    (void)arg;
    float a[4] = {0}, b[4];
    augment_crop_at(b, a, 1, 2, 2, 1, 3, 0);
}

Test(augment, offset_beyond_the_padding_is_refused)
{
    char err[1024];
    int st = capture_stderr(bad_crop, NULL, err, sizeof err);
    cr_assert(st == 1 && strstr(err, "offset (3, 0)") && strstr(err, "hint"), "expected exit 1 naming the offset, got %d: %s",
              st, err);
}
