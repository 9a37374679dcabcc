/* Tests of metrics.h: hand-computed cases, the edge cases R² is famous for, and the errors. */
#include "metrics.h"

#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>

/* pred (1, 2, 3, 4) vs target (1, 3, 2, 6): errors (0, -1, 1, -2).
 * MSE = (0 + 1 + 1 + 4) / 4 = 1.5, RMSE = sqrt(1.5), MAE = (0 + 1 + 1 + 2) / 4 = 1.
 * target mean 3, SS_tot = 4 + 0 + 1 + 9 = 14, SS_res = 6: R² = 1 - 6/14 = 4/7. */
static const float PRED[4] = {1, 2, 3, 4}, TARGET[4] = {1, 3, 2, 6};

Test(metrics, regression_by_hand)
{
    cr_assert_float_eq(metrics_mse(PRED, TARGET, 4), 1.5, 1e-12, "MSE: expected 1.5");
    cr_assert_float_eq(metrics_rmse(PRED, TARGET, 4), sqrt(1.5), 1e-12, "RMSE: expected sqrt(1.5)");
    cr_assert_float_eq(metrics_mae(PRED, TARGET, 4), 1.0, 1e-12, "MAE: expected 1");
    cr_assert_float_eq(metrics_r2(PRED, TARGET, 4), 4.0 / 7, 1e-12, "R²: expected 4/7");
    metrics_regression m = metrics_regression_all(PRED, TARGET, 4);
    cr_assert(m.mse == 1.5 && m.mae == 1 && fabs(m.rmse - sqrt(1.5)) < 1e-12 && fabs(m.r2 - 4.0 / 7) < 1e-12,
              "metrics_regression_all must agree with the single metrics");
}

Test(metrics, r2_of_perfect_mean_and_worse_than_mean)
{
    const float t[3] = {1, 2, 6}, mean[3] = {3, 3, 3}, bad[3] = {6, 2, 1};
    cr_assert_float_eq(metrics_r2(t, t, 3), 1.0, 1e-12, "perfect predictions: R² = 1");
    cr_assert_float_eq(metrics_r2(mean, t, 3), 0.0, 1e-12, "always the mean: R² = 0");
    /* SS_tot = 4 + 1 + 9 = 14, SS_res = 25 + 0 + 25 = 50: R² = 1 - 50/14 < 0 */
    cr_assert_float_eq(metrics_r2(bad, t, 3), 1 - 50.0 / 14, 1e-12, "worse than the mean: R² < 0");
}

Test(metrics, mae_is_less_swayed_by_one_outlier)
{
    const float t[4] = {0, 0, 0, 0}, p[4] = {0, 0, 0, 10};
    /* MSE = 100/4 = 25, RMSE = 5; MAE = 10/4 = 2.5 */
    cr_assert_float_eq(metrics_rmse(p, t, 4), 5.0, 1e-12);
    cr_assert_float_eq(metrics_mae(p, t, 4), 2.5, 1e-12);
}

Test(metrics, accuracy_and_argmax)
{
    const int pred[5] = {0, 1, 2, 2, 1}, labels[5] = {0, 1, 1, 2, 0};
    cr_assert_float_eq(metrics_accuracy(pred, labels, 5), 0.6, 1e-12, "3 of 5 equal");
    const float row[4] = {0.1f, 3, 3, -1};
    cr_assert_eq(metrics_argmax(row, 4), 1, "ties go to the first maximum");
    const float scores[6] = {1, 2, 0, /* -> 1 */ 5, -1, 4 /* -> 0 */};
    const int lab[2] = {1, 2};
    cr_assert_float_eq(metrics_accuracy_scores(scores, lab, 2, 3), 0.5, 1e-12, "row 0 right, row 1 wrong");
}

static void r2_constant(void *arg)
{
    double *out = arg;
    const float t[3] = {2, 2, 2}, p[3] = {1, 2, 3};
    *out = metrics_r2(p, t, 3);
    exit(isnan(*out) ? 42 : 0);
}

Test(metrics, r2_of_a_constant_target_is_reported)
{
    char err[4096];
    double r;
    int status = capture_stderr(r2_constant, &r, err, sizeof err);
    cr_assert_eq(status, 42, "R² of a constant target must return NAN (status %d)", status);
    cr_assert(strstr(err, "targets are all equal to 2") && strstr(err, "hint:"), "got: %s", err);
}

static void mse_with_nan(void *arg)
{
    (void)arg;
    const float t[3] = {1, 2, 3}, p[3] = {1, NAN, 3};
    exit(isnan(metrics_mse(p, t, 3)) ? 42 : 0);
}

Test(metrics, nan_prediction_is_reported)
{
    char err[4096];
    int status = capture_stderr(mse_with_nan, NULL, err, sizeof err);
    cr_assert_eq(status, 42, "a NaN prediction must give NAN (status %d)", status);
    cr_assert(strstr(err, "pred[1] is nan") && strstr(err, "diverged"), "got: %s", err);
}

static void empty_metric(void *arg)
{
    (void)arg;
    exit(isnan(metrics_mae(NULL, NULL, 0)) && isnan(metrics_accuracy(NULL, NULL, 0)) ? 42 : 0);
}

Test(metrics, empty_input_is_reported)
{
    char err[4096];
    int status = capture_stderr(empty_metric, NULL, err, sizeof err);
    cr_assert_eq(status, 42, "metrics of 0 examples return NAN (status %d)", status);
    cr_assert(strstr(err, "metrics_mae of 0 examples") && strstr(err, "metrics_accuracy of 0 examples"), "got: %s", err);
}

static void bad_label(void *arg)
{
    (void)arg;
    const float s[4] = {1, 0, 0, 1};
    const int lab[2] = {0, 5};
    exit(isnan(metrics_accuracy_scores(s, lab, 2, 2)) ? 42 : 0);
}

Test(metrics, label_out_of_range_is_reported)
{
    char err[4096];
    int status = capture_stderr(bad_label, NULL, err, sizeof err);
    cr_assert_eq(status, 42, "a label outside [0, K) gives NAN (status %d)", status);
    cr_assert(strstr(err, "labels[1] is 5: expected 0 .. 1"), "got: %s", err);
}
