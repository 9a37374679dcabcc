/* Tests of prep.h: every transform on hand-computed cases, fit-on-train/apply-elsewhere, and the
 * errors (NaN where numbers are needed, mismatched columns, values out of a transform's domain). */
#include "prep.h"

#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

Test(prep, standardize_by_hand_and_apply_to_other_rows)
{
    /* column 0: (1, 3, 5) mean 3 std sqrt(8/3); column 1 constant 7: scale 1 */
    const float train[6] = {1, 7, 3, 7, 5, 7};
    prep_affine_t t;
    cr_assert_eq(prep_standardize_fit(&t, train, 3, 2), 0);
    cr_assert(t.d == 2 && t.shift[0] == 3 && fabsf(t.scale[0] - sqrtf(8.0f / 3)) < 1e-6f && t.shift[1] == 7 &&
              t.scale[1] == 1, "shift (%g, %g), scale (%g, %g)", t.shift[0], t.shift[1], t.scale[0], t.scale[1]);
    float test[2] = {3 + 2 * sqrtf(8.0f / 3), 8}; /* another split: the training statistics are used */
    prep_affine_apply(&t, test, 1, 2);
    cr_assert(fabsf(test[0] - 2) < 1e-5f && fabsf(test[1] - 1) < 1e-6f, "got (%g, %g), expected (2, 1)", test[0], test[1]);
    prep_affine_free(&t);
}

Test(prep, minmax_maps_the_training_range_to_0_1)
{
    const float train[4] = {2, 10, 6, 30};
    prep_affine_t t;
    cr_assert_eq(prep_minmax_fit(&t, train, 2, 2), 0);
    float x[4] = {2, 10, 4, 50}; /* 50 is beyond the training range: maps beyond 1 */
    prep_affine_apply(&t, x, 2, 2);
    cr_assert(x[0] == 0 && x[1] == 0 && x[2] == 0.5f && x[3] == 2, "got (%g, %g, %g, %g)", x[0], x[1], x[2], x[3]);
    prep_affine_free(&t);
}

Test(prep, impute_mean_and_median_ignore_missing_values)
{
    /* column 0: 1, NaN, 3, 8 -> mean 4, median 3; column 1: 2, 4, NaN, NaN -> mean 3, median 3 */
    const float x[8] = {1, 2, NAN, 4, 3, NAN, 8, NAN};
    prep_imputer_t mean, median;
    cr_assert_eq(prep_impute_fit(&mean, x, 4, 2, PREP_MEAN), 0);
    cr_assert_eq(prep_impute_fit(&median, x, 4, 2, PREP_MEDIAN), 0);
    cr_assert(mean.fill[0] == 4 && mean.fill[1] == 3, "means (%g, %g)", mean.fill[0], mean.fill[1]);
    cr_assert(median.fill[0] == 3 && median.fill[1] == 3, "medians (%g, %g)", median.fill[0], median.fill[1]);
    float y[4] = {NAN, 5, 6, NAN};
    cr_assert_eq(prep_impute_apply(&mean, y, 2, 2), 2, "two values filled");
    cr_assert(y[0] == 4 && y[1] == 5 && y[2] == 6 && y[3] == 3, "got (%g, %g, %g, %g)", y[0], y[1], y[2], y[3]);
    prep_imputer_free(&mean), prep_imputer_free(&median);
}

Test(prep, log1p_one_column)
{
    float x[4] = {0, 5, (float)(M_E - 1), 5};
    cr_assert_eq(prep_log1p(x, 2, 2, 0), 0);
    cr_assert(x[0] == 0 && fabsf(x[2] - 1) < 1e-6f && x[1] == 5 && x[3] == 5, "got (%g, %g, %g, %g)", x[0], x[1],
              x[2], x[3]);
}

Test(prep, normal_quantile_known_values)
{
    cr_assert(fabs(prep_normal_quantile(0.5)) < 1e-15, "Phi^-1(0.5) = 0");
    cr_assert(fabs(prep_normal_quantile(0.975) - 1.959963984540054) < 1e-12, "Phi^-1(0.975) = 1.95996...");
    cr_assert(fabs(prep_normal_quantile(0.001) + 3.090232306167813) < 1e-12, "Phi^-1(0.001) = -3.0902...");
    cr_assert(fabs(prep_normal_quantile(1e-10) + 6.361340902404056) < 1e-9, "Phi^-1(1e-10) = -6.3613...");
    for (double u = 0.01; u < 1; u += 0.0137) /* Phi(Phi^-1(u)) = u */
        cr_assert(fabs(0.5 * erfc(-prep_normal_quantile(u) / sqrt(2.0)) - u) < 1e-14, "round trip at u = %g", u);
    cr_assert(isnan(prep_normal_quantile(0)) && isnan(prep_normal_quantile(1)), "NAN outside (0, 1)");
}

Test(prep, rankgauss_ranks_ties_and_out_of_range)
{
    /* one column, training values 10, 20, 30, 40: the i-th maps to Phi^-1((i + 1/2) / 4) */
    const float train[4] = {30, 10, 40, 20};
    prep_rankgauss_t t;
    cr_assert_eq(prep_rankgauss_fit(&t, train, 4, 1), 0);
    float x[5] = {10, 20, 25, 1000, -5};
    prep_rankgauss_apply(&t, x, 5, 1);
    cr_assert(fabsf(x[0] - (float)prep_normal_quantile(0.125)) < 1e-6f, "10 -> Phi^-1(1/8), got %g", x[0]);
    cr_assert(fabsf(x[1] - (float)prep_normal_quantile(0.375)) < 1e-6f, "20 -> Phi^-1(3/8), got %g", x[1]);
    /* 25 lies between 20 and 30: lo = hi = 2, u = 4/8 = 0.5 -> 0 */
    cr_assert(fabsf(x[2]) < 1e-6f, "25 -> Phi^-1(1/2) = 0, got %g", x[2]);
    cr_assert(fabsf(x[3] - (float)prep_normal_quantile(0.875)) < 1e-6f, "beyond the maximum: the top quantile");
    cr_assert(fabsf(x[4] - (float)prep_normal_quantile(0.125)) < 1e-6f, "below the minimum: the bottom quantile");
    prep_rankgauss_free(&t);
    /* ties: (5, 5, 5, 9): 5 has lo 0, hi 3 -> u = 3/8 */
    const float tied[4] = {5, 5, 5, 9};
    cr_assert_eq(prep_rankgauss_fit(&t, tied, 4, 1), 0);
    float v = 5;
    prep_rankgauss_apply(&t, &v, 1, 1);
    cr_assert(fabsf(v - (float)prep_normal_quantile(0.375)) < 1e-6f, "tied values get the middle rank, got %g", v);
    prep_rankgauss_free(&t);
}

Test(prep, rankgauss_of_a_lognormal_column_is_its_standardized_log)
{
    enum { N = 2000 };
    rng_t r;
    rng_seed(&r, 4);
    float x[N], lx[N];
    for (int i = 0; i < N; i++) {
        lx[i] = rng_normal(&r);
        x[i] = expf(2 + 0.7f * lx[i]);
    }
    prep_rankgauss_t t;
    cr_assert_eq(prep_rankgauss_fit(&t, x, N, 1), 0);
    prep_rankgauss_apply(&t, x, N, 1);
    double worst = 0;
    for (int i = 0; i < N; i++)
        if (fabsf(lx[i]) < 2) /* away from the tails, where ranks are sparse */
            worst = fmax(worst, fabs(x[i] - lx[i]));
    /* The empirical quantiles of 2000 normal draws are within about 0.1 of the true ones. */
    cr_assert(worst < 0.15, "worst |rankgauss(x) - log-standardized x| = %g", worst);
    prep_rankgauss_free(&t);
}

Test(prep, split_is_a_permutation_with_the_right_sizes)
{
    int perm[103], seen[103] = {0}, a, b, c;
    rng_t r;
    rng_seed(&r, 2);
    cr_assert_eq(prep_split(perm, &a, &b, &c, 103, 0.2f, 0.1f, &r), 0);
    cr_assert(a == 103 - 20 - 10 && b == 20 && c == 10, "sizes %d %d %d", a, b, c);
    for (int i = 0; i < 103; i++) seen[perm[i]]++;
    for (int i = 0; i < 103; i++) cr_assert_eq(seen[i], 1, "row %d appears %d times", i, seen[i]);
    int moved = 0;
    for (int i = 0; i < 103; i++) moved += perm[i] != i;
    cr_assert_gt(moved, 90, "the rows are shuffled");
    const float src[6] = {0, 1, 10, 11, 20, 21};
    float dst[4];
    prep_gather_rows(dst, src, (int[]){2, 0}, 2, 2);
    cr_assert(dst[0] == 20 && dst[1] == 21 && dst[2] == 0 && dst[3] == 1, "gathered rows 2 then 0");
}

Test(prep, count_nonfinite)
{
    const float x[5] = {1, NAN, INFINITY, -INFINITY, 0};
    cr_assert_eq(prep_count_nonfinite(x, 5), 3);
}

/* --- errors ----------------------------------------------------------------------------------- */

static void standardize_nan(void *arg)
{
    (void)arg;
    const float x[6] = {1, 2, 3, 4, NAN, 6};
    prep_affine_t t;
    exit(prep_standardize_fit(&t, x, 3, 2) == -1 && t.shift == NULL ? 42 : 0);
}

Test(prep, standardize_refuses_nan)
{
    char err[4096];
    int status = capture_stderr(standardize_nan, NULL, err, sizeof err);
    cr_assert_eq(status, 42, "fit returns -1 and leaves the struct empty (status %d)", status);
    cr_assert(strstr(err, "row 2, column 0 is nan") && strstr(err, "prep_impute"), "got: %s", err);
}

/* Each apply, fitted on 2 columns, given 3: -1 and the data untouched; exits 42 when all three
 * behave (they used to exit the process with status 1 at the first). */
static void apply_wrong_columns(void *arg)
{
    (void)arg;
    const float x[4] = {1, 2, 3, 4};
    prep_affine_t t;
    prep_imputer_t imp;
    prep_rankgauss_t rg;
    if (prep_standardize_fit(&t, x, 2, 2) || prep_impute_fit(&imp, x, 2, 2, PREP_MEAN) ||
        prep_rankgauss_fit(&rg, x, 2, 2))
        exit(1);
    float y[3] = {1, NAN, 3};
    int ok = prep_affine_apply(&t, y, 1, 3) == -1 && prep_impute_apply(&imp, y, 1, 3) == -1 &&
             prep_rankgauss_apply(&rg, y, 1, 3) == -1 && y[0] == 1 && isnan(y[1]) && y[2] == 3;
    prep_affine_free(&t), prep_imputer_free(&imp), prep_rankgauss_free(&rg);
    exit(ok ? 42 : 0);
}

/* The column count often comes from data (a CSV with a column more), so a mismatch is an error the
 * caller handles, not an exit: the README's promise for sizes that came from data. */
Test(prep, apply_with_other_columns_is_reported)
{
    char err[4096];
    int status = capture_stderr(apply_wrong_columns, NULL, err, sizeof err);
    cr_assert_eq(status, 42, "each apply returns -1 and leaves x alone (status %d, 42 expected): %s", status, err);
    cr_assert(strstr(err, "prep_affine_apply: the transform was fitted on 2 columns, the data has 3") &&
                  strstr(err, "prep_impute_apply") && strstr(err, "prep_rankgauss_apply") && strstr(err, "hint"),
              "got: %s", err);
}

static void impute_empty_column(void *arg)
{
    (void)arg;
    const float x[4] = {1, NAN, 2, NAN};
    prep_imputer_t t;
    exit(prep_impute_fit(&t, x, 2, 2, PREP_MEDIAN) == -1 ? 42 : 0);
}

Test(prep, impute_a_column_without_values_is_reported)
{
    char err[4096];
    int status = capture_stderr(impute_empty_column, NULL, err, sizeof err);
    cr_assert_eq(status, 42, "status %d", status);
    cr_assert(strstr(err, "column 1 has no value in the 2 training rows"), "got: %s", err);
}

static void log_of_negative(void *arg)
{
    (void)arg;
    float x[3] = {0, 2, -1};
    exit(prep_log1p(x, 3, 1, -1) == -1 && x[1] == 2 ? 42 : 0);
}

Test(prep, log1p_outside_its_domain_is_reported)
{
    char err[4096];
    int status = capture_stderr(log_of_negative, NULL, err, sizeof err);
    cr_assert_eq(status, 42, "returns -1 and leaves x unchanged (status %d)", status);
    cr_assert(strstr(err, "row 2, column 0 is -1: expected a value > -1"), "got: %s", err);
}

static void bad_split(void *arg)
{
    (void)arg;
    int perm[10];
    rng_t r;
    rng_seed(&r, 1);
    exit(prep_split(perm, NULL, NULL, NULL, 10, 0.5f, 0.5f, &r) == -1 ? 42 : 0);
}

Test(prep, split_without_training_rows_is_reported)
{
    char err[4096];
    int status = capture_stderr(bad_split, NULL, err, sizeof err);
    cr_assert_eq(status, 42, "status %d", status);
    cr_assert(strstr(err, "leaves 0 training rows"), "got: %s", err);
}

static void check_inf(void *arg)
{
    (void)arg;
    const float x[6] = {1, 2, 3, 4, 5, INFINITY};
    exit(prep_check_finite(x, 2, 3, "the test inputs") == -1 ? 42 : 0);
}

Test(prep, check_finite_names_row_and_column)
{
    char err[4096];
    int status = capture_stderr(check_inf, NULL, err, sizeof err);
    cr_assert_eq(status, 42, "status %d", status);
    cr_assert(strstr(err, "the test inputs: row 1, column 2 is inf (1 non-finite values in the (2, 3) matrix)"),
              "got: %s", err);
}
