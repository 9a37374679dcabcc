/* test_02_regression.c — the grader of chapter 2.
 *
 * One test suite per exercise, named exNN_K. The chapter file is #included below (`make check`
 * points CHAPTER_SOURCE at the reference chapter or at your workbook copy, with GRADING defined so
 * that its main() stays out). Expected values come from three independent references: closed forms
 * worked out by hand in the comments, numerical gradients (centered differences; the error bound
 * is stated next to each check), and PyTorch (golden/make_golden.py wrote golden/golden_02.h).
 * Error paths run in a child process (common/tests/capture.h) so the message and the exit status
 * can be checked. Every assertion message ends with a hint.
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "02_regression.c"
#endif
#include CHAPTER_SOURCE

#include "../../common/tests/capture.h"
#include "golden/golden_02.h"

#include <criterion/criterion.h>

TestSuite(ex02_1, .timeout = 10);
TestSuite(ex02_2, .timeout = 10);
TestSuite(ex02_3, .timeout = 20);
TestSuite(ex02_4, .timeout = 10);
TestSuite(ex02_5, .timeout = 20);
TestSuite(ex02_6, .timeout = 10);
TestSuite(ex02_7, .timeout = 30);

/* Largest |a - b| / max(|a|, |b|, floor) over n pairs. */
static double worst_rel(const float *a, const float *b, int n, double floor)
{
    double worst = 0;
    for (int i = 0; i < n; i++)
        worst = fmax(worst, fabs((double)a[i] - b[i]) / fmax(floor, fmax(fabs(a[i]), fabs(b[i]))));
    return worst;
}

/* --- 02.1 the MSE and its gradient ---------------------------------------------------------- */

Test(ex02_1, three_examples_by_hand)
{
    /* X = [[1,0],[0,1],[1,1]], y = (1,2,0), w = (1,1): Xw = (1,1,2), r = (0,-1,2),
     * L = (0 + 1 + 4)/3 = 5/3, grad = 2/3 X^T r = 2/3 (0+0+2, 0-1+2) = (4/3, 2/3). */
    const float X[6] = {1, 0, 0, 1, 1, 1}, y[3] = {1, 2, 0}, w[2] = {1, 1};
    float grad[2] = {-9, -9}, r[3] = {-9, -9, -9};
    float L = linreg_loss_grad(grad, r, X, y, w, 3, 2);
    cr_assert_float_eq(L, 5.0f / 3, 1e-6f, "expected the MSE 5/3 = 1.6667, got %g. Hint: the mean of the "
                       "squared residuals (Xw - y)_i, divided by N = 3, not by D.", L);
    cr_assert(fabsf(r[0]) < 1e-6f && fabsf(r[1] + 1) < 1e-6f && fabsf(r[2] - 2) < 1e-6f,
              "expected the residuals r = Xw - y = (0, -1, 2), got (%g, %g, %g). Hint: prediction minus "
              "target, in that order.", r[0], r[1], r[2]);
    cr_assert(fabsf(grad[0] - 4.0f / 3) < 1e-6f && fabsf(grad[1] - 2.0f / 3) < 1e-6f,
              "expected grad = 2/N X^T r = (1.3333, 0.6667), got (%g, %g). Hint: X^T r sums over the "
              "examples (matmul with trans_a = 1, shape (D, 1)); is the factor 2/N there?", grad[0], grad[1]);
}

Test(ex02_1, perfect_fit_has_zero_loss_and_gradient)
{
    const float X[6] = {1, 2, 3, 4, 5, 6}, w[2] = {0.5f, -1};
    float y[3] = {1 * 0.5f - 2, 3 * 0.5f - 4, 5 * 0.5f - 6}, grad[2], r[3];
    float L = linreg_loss_grad(grad, r, X, y, w, 3, 2);
    cr_assert(fabsf(L) < 1e-6f && fabsf(grad[0]) < 1e-5f && fabsf(grad[1]) < 1e-5f,
              "y = Xw exactly: expected loss 0 and gradient 0, got L = %g, grad = (%g, %g). "
              "Hint: is r computed as Xw - y before it is squared and multiplied by X^T?", L, grad[0], grad[1]);
}

/* The MSE in double: an independent reference for the numerical gradient. */
static double mse_ref(const float *X, const float *y, const double *w, int n, int d)
{
    double s = 0;
    for (int i = 0; i < n; i++) {
        double p = -y[i];
        for (int j = 0; j < d; j++)
            p += X[i * d + j] * w[j];
        s += p * p;
    }
    return s / n;
}

Test(ex02_1, matches_numerical_gradient)
{
    enum { N = 40, D = 5 };
    rng_t rng;
    rng_seed(&rng, 21);
    float X[N * D], y[N], w[D], grad[D], r[N];
    for (int i = 0; i < N * D; i++) X[i] = rng_normal(&rng);
    for (int i = 0; i < N; i++) y[i] = 3 * rng_normal(&rng);
    for (int j = 0; j < D; j++) w[j] = rng_normal(&rng);
    float L = linreg_loss_grad(grad, r, X, y, w, N, D);
    double wd[D], num[D];
    for (int j = 0; j < D; j++) wd[j] = w[j];
    cr_assert(fabs(L - mse_ref(X, y, wd, N, D)) < 1e-4 * mse_ref(X, y, wd, N, D),
              "random (40, 5) problem: the loss %g differs from the double-precision reference %g. "
              "Hint: mean over N of the squared residuals.", L, mse_ref(X, y, wd, N, D));
    for (int j = 0; j < D; j++) { /* centered differences in double; exact for a quadratic up to rounding */
        const double h = 1e-3, wj = wd[j];
        wd[j] = wj + h;
        double lp = mse_ref(X, y, wd, N, D);
        wd[j] = wj - h;
        double lm = mse_ref(X, y, wd, N, D);
        wd[j] = wj;
        num[j] = (lp - lm) / (2 * h);
    }
    float numf[D];
    for (int j = 0; j < D; j++) numf[j] = (float)num[j];
    double err = worst_rel(grad, numf, D, 1e-3);
    /* float32 products over 40 terms: relative error well below 1e-4 */
    cr_assert(err < 1e-4, "gradient vs centered differences: worst relative error %g (bound 1e-4); "
              "grad[0] = %g, numerical %g. Hint: grad_j = 2/N sum_i X_ij r_i; is X transposed in the "
              "second product?", err, grad[0], num[0]);
}

Test(ex02_1, sums_the_squares_in_a_double)
{
    /* One feature that is always 1, w = 0, y = (4096, 1, 1, ..., 1) with N = 1001: r = -y, the squares
     * are 4096^2 = 2^24 = 16777216 then 1000 ones, L = (16777216 + 1000) / 1001 = 16761.4545. A float
     * sum cannot hold 2^24 + 1 (floats are 2 apart there): it stays at 2^24 and gives 16760.4555. */
    enum { N = 1001 };
    static float X[N], y[N], r[N];
    for (int i = 0; i < N; i++) X[i] = 1, y[i] = i == 0 ? 4096 : 1;
    float w[1] = {0}, grad[1];
    float L = linreg_loss_grad(grad, r, X, y, w, N, 1);
    const double want = (16777216.0 + 1000) / N;
    cr_assert(fabs(L - want) < 0.01, "one squared residual of 2^24 then 1000 of 1 (N = 1001): expected the "
              "MSE %.4f, got %.4f. Hint: the prose asks for the sum of squares in a double: a float sum at "
              "2^24 cannot add 1.", want, L);
}

/* --- 02.2 gradient descent ------------------------------------------------------------------ */

/* One feature that is always 1 and y = (1, 2, 3, 4): L(w) = (w - 2.5)^2 + 1.25, H = 2, so the
 * largest stable learning rate is 2 / 2 = 1. */
static const float ONES[4] = {1, 1, 1, 1}, Y1234[4] = {1, 2, 3, 4};

Test(ex02_2, half_the_critical_rate_jumps_to_the_minimum)
{
    float w = 0, log[4] = {-1, -1, -1, -1};
    gd_result res = linreg_gd(&w, ONES, Y1234, 4, 1, 0.5f, 3, log);
    /* L_0 = 2.5^2 + 1.25 = 7.5; grad = 2(w - 2.5) = -5; w <- 0 - 0.5(-5) = 2.5: the minimum, L = 1.25. */
    cr_assert_float_eq(log[0], 7.5f, 1e-5f, "loss_log[0] must be the loss before any step, 7.5; got %g. "
                       "Hint: record L_t before updating w.", log[0]);
    cr_assert(fabsf(w - 2.5f) < 1e-5f && fabsf(log[1] - 1.25f) < 1e-5f,
              "lr = 0.5 = 1/lambda: one step lands on the minimum w = 2.5 with L = 1.25; got w = %g, "
              "loss_log[1] = %g. Hint: w <- w - lr * grad.", w, log[1]);
    cr_assert(res.steps == 3 && !res.diverged && log[3] == log[3] && fabsf(res.loss - 1.25f) < 1e-5f,
              "3 steps: expected res = {steps 3, diverged 0, loss 1.25} and 4 recorded losses, got {%d, %d, "
              "%g}. Hint: t runs from 0 to steps inclusive; the last t records its loss and stops.",
              res.steps, res.diverged, res.loss);
}

Test(ex02_2, takes_exactly_steps_updates)
{
    float w = 0, log[2] = {-1, -1};
    gd_result res = linreg_gd(&w, ONES, Y1234, 4, 1, 0.25f, 1, log);
    /* L_0 = 7.5, grad = 2(0 - 2.5) = -5, w <- 0 - 0.25(-5) = 1.25, L_1 = (1.25 - 2.5)^2 + 1.25 = 2.8125,
     * and there it stops: one step. (One more update would move w to 1.875.) */
    cr_assert(fabsf(w - 1.25f) < 1e-6f && fabsf(log[1] - 2.8125f) < 1e-5f && res.steps == 1 &&
              fabsf(res.loss - 2.8125f) < 1e-5f, "steps = 1, lr = 0.25 from w = 0: expected one update to "
              "w = 1.25 and res = {steps 1, loss 2.8125}, got w = %g, res = {steps %d, loss %g}. Hint: after "
              "recording the loss of t = steps, stop: no update follows the last loss.", w, res.steps, res.loss);
}

Test(ex02_2, too_large_a_rate_is_caught_and_recorded)
{
    float w = 0, log[101];
    for (int i = 0; i <= 100; i++) log[i] = -1;
    gd_result res = linreg_gd(&w, ONES, Y1234, 4, 1, 1.5f, 100, log);
    /* The error w - 2.5 is multiplied by 1 - 1.5*2 = -2 per step: L_t = 6.25 * 4^t + 1.25.
     * L_5 = 6401.25 < 1000 * 7.5 = 7500 < L_6 = 25601.25: divergence is noticed at t = 6. */
    cr_assert(res.diverged, "lr = 1.5 > 2/lambda = 1 diverges: expected res.diverged = 1 (the function must "
              "return, not abort), got 0 after %d steps. Hint: stop when L_t > DIVERGED * L_0 or not finite.",
              res.steps);
    cr_assert_eq(res.steps, 6, "expected the divergence to be noticed at step 6 (L_6 = 25601 > 1000 * 7.5), "
                 "got step %d. Hint: compare L_t with DIVERGED * L_0 right after computing it.", res.steps);
    cr_assert_float_eq(log[1], 26.25f, 1e-3f, "loss_log[1]: expected 6.25 * 4 + 1.25 = 26.25, got %g. "
                       "Hint: is every loss recorded before the check?", log[1]);
    cr_assert_eq(log[7], -1, "nothing may be written after the divergence (loss_log[7] = %g). "
                 "Hint: stop right after recording the diverged loss.", log[7]);
    cr_assert_float_eq(res.loss, 25601.25f, 1e-2f, "res.loss: expected the loss of the step that diverged, "
                       "L_6 = 6.25 * 4^6 + 1.25 = 25601.25, got %g. Hint: set res.steps and res.loss before "
                       "the divergence test, so that they describe the step that stopped the run.", res.loss);
}

Test(ex02_2, converges_to_least_squares)
{
    /* X = [[1,0],[0,1],[1,1],[1,-1]], y = (1,2,3,4): X^T X = 3 I, X^T y = (8, 1), w* = (8/3, 1/3).
     * H = 2/4 * 3 I = 1.5 I; with lr = 0.5 the error shrinks by 1 - 0.75 = 0.25 per step. */
    const float X[8] = {1, 0, 0, 1, 1, 1, 1, -1};
    float w[2] = {0, 0};
    gd_result res = linreg_gd(w, X, Y1234, 4, 2, 0.5f, 40, NULL);
    cr_assert(!res.diverged && fabsf(w[0] - 8.0f / 3) < 1e-4f && fabsf(w[1] - 1.0f / 3) < 1e-4f,
              "40 steps of lr 0.5 on a well-conditioned problem: expected w = (2.6667, 0.3333), got (%g, %g)%s. "
              "Hint: loss_log may be NULL; is w updated in place at every step?", w[0], w[1],
              res.diverged ? " and a divergence" : "");
}

Test(ex02_2, each_run_compares_with_its_own_starting_loss)
{
    /* Two runs in a row, as the learning-rate sweep of the chapter does. Run 1: y = (1, 2, 3, 4),
     * L_0 = 7.5 (above). Run 2: y = 100 (1, 2, 3, 4), L(w) = (w - 250)^2 + 12500, L_0 = 75000, which
     * is more than DIVERGED * 7.5 = 7500 but is its own start; lr = 0.5 lands on w = 250 with
     * L_1 = 12500. A starting loss kept from run 1 (a static) calls run 2 diverged at step 0. */
    float w = 0, y100[4] = {100, 200, 300, 400};
    gd_result first = linreg_gd(&w, ONES, Y1234, 4, 1, 0.5f, 1, NULL);
    w = 0;
    gd_result res = linreg_gd(&w, ONES, y100, 4, 1, 0.5f, 1, NULL);
    cr_assert(!first.diverged && !res.diverged && res.steps == 1 && fabsf(w - 250) < 1e-3f &&
              fabsf(res.loss - 12500) < 1e-2f,
              "a second run on y = 100 (1, 2, 3, 4) from w = 0 (L_0 = 75000), lr 0.5, steps 1: expected no "
              "divergence, w = 250 and res = {steps 1, loss 12500}; got diverged %d, w = %g, res = {steps %d, "
              "loss %g}. Hint: L_0 is the starting loss of this call: keep it in a local variable set at "
              "t = 0, not in a static that remembers an earlier run.", res.diverged, w, res.steps, res.loss);
}

Test(ex02_2, a_nan_loss_stops_at_once)
{
    float y[4] = {1, NAN, 3, 4}, w = 0, log[11];
    gd_result res = linreg_gd(&w, ONES, y, 4, 1, 0.1f, 10, log);
    cr_assert(res.diverged && res.steps == 0 && w == 0,
              "a NaN target makes L_0 NaN: expected diverged = 1 at step 0 with w untouched, got diverged %d "
              "at step %d, w = %g. Hint: test isfinite(L_t); NaN > x is always false, so a comparison alone "
              "misses it.", res.diverged, res.steps, w);
}

/* --- 02.3 Cholesky ---------------------------------------------------------------------------- */

Test(ex02_3, two_by_two_by_hand)
{
    /* [[4,2],[2,3]] x = (2,1): determinant 8, inverse 1/8 [[3,-2],[-2,4]], x = (0.5, 0). */
    const double A[4] = {4, 2, 2, 3}, b[2] = {2, 1};
    double x[2] = {-9, -9};
    int rc = cholesky_solve(x, A, b, 2);
    cr_assert(rc == 0 && fabs(x[0] - 0.5) < 1e-12 && fabs(x[1]) < 1e-12,
              "expected rc 0 and x = (0.5, 0), got rc %d, x = (%g, %g). Hint: L = [[2,0],[1,sqrt 2]]; then "
              "solve L z = b forward and L^T x = z backward.", rc, x[0], x[1]);
}

Test(ex02_3, random_spd_system)
{
    enum { D = 6 };
    rng_t rng;
    rng_seed(&rng, 5);
    double M[D * D], A[D * D], b[D], x[D];
    for (int i = 0; i < D * D; i++) M[i] = rng_normal(&rng);
    for (int i = 0; i < D; i++) b[i] = rng_normal(&rng);
    for (int i = 0; i < D; i++) /* A = M^T M + I: symmetric positive definite */
        for (int j = 0; j < D; j++) {
            A[i * D + j] = i == j;
            for (int k = 0; k < D; k++) A[i * D + j] += M[k * D + i] * M[k * D + j];
        }
    cr_assert_eq(cholesky_solve(x, A, b, D), 0, "A = M^T M + I is positive definite: expected rc 0. "
                 "Hint: the pivot test is s > 1e-12 |A_jj|.");
    double worst = 0;
    for (int i = 0; i < D; i++) {
        double s = -b[i];
        for (int j = 0; j < D; j++) s += A[i * D + j] * x[j];
        worst = fmax(worst, fabs(s));
    }
    cr_assert(worst < 1e-9, "residual |A x - b| = %g on a 6x6 system, expected < 1e-9. Hint: back "
              "substitution uses L transposed: L[k][i] for k > i.", worst);
}

Test(ex02_3, the_pivot_test_is_relative)
{
    /* [[4,2],[2,3]] x = (2,1) scaled by 1e-14: the same system, x = (0.5, 0). Its pivots are 4e-14 and
     * 2e-14, far from zero relative to |A_jj| (the test is s > 1e-12 |A_jj|), but below an absolute 1e-12. */
    const double A[4] = {4e-14, 2e-14, 2e-14, 3e-14}, b[2] = {2e-14, 1e-14};
    double x[2] = {-9, -9};
    int rc = cholesky_solve(x, A, b, 2);
    cr_assert(rc == 0 && fabs(x[0] - 0.5) < 1e-12 && fabs(x[1]) < 1e-12,
              "A = 1e-14 [[4,2],[2,3]], b = 1e-14 (2,1): expected rc 0 and x = (0.5, 0), got rc %d, x = (%g, %g). "
              "Hint: a pivot fails when it is not larger than 1e-12 |A_jj|, relative to the diagonal, not 1e-12.",
              rc, x[0], x[1]);
}

static void solve_singular_up_to_rounding(void *arg)
{
    (void)arg;
    /* X^T X for the rows (0.1, 0.3, 0.4), (1.3, 0.1, 1.4), (0.3, 1.3, 1.6): the third column is the sum of
     * the first two, so the matrix is singular, but in double the last pivot comes out as about 2.4e-15
     * (5e-16 |A_22|): zero up to rounding, and positive. */
    const double A[9] = {1.7900000000000003, 0.55000000000000004, 2.3400000000000003,
                         0.55000000000000004, 1.7900000000000003, 2.3399999999999999,
                         2.3400000000000003, 2.3399999999999999, 4.6800000000000015};
    const double b[3] = {1, 1, 1};
    double x[3];
    exit(cholesky_solve(x, A, b, 3) == -1 ? 42 : 0);
}

Test(ex02_3, a_pivot_zero_up_to_rounding_is_reported)
{
    char err[4096];
    int status = capture_stderr(solve_singular_up_to_rounding, NULL, err, sizeof err);
    cr_assert(status == 42 && strstr(err, "pivot 2"), "X^T X of three rows whose third column is the sum of "
              "the first two is singular; its last pivot is about 2.4e-15 after rounding: expected "
              "cholesky_solve to report pivot 2 and return -1 (exit status 42 here), got status %d: %s "
              "Hint: a pivot counts as zero when it is not larger than 1e-12 |A_jj|, not only when it is <= 0.",
              status, err);
}

static void solve_singular(void *arg)
{
    (void)arg;
    const double A[9] = {1, 2, 0, 2, 4, 0, 0, 0, 1}, b[3] = {1, 1, 1}; /* row 2 = 2 * row 1 */
    double x[3];
    exit(cholesky_solve(x, A, b, 3) == -1 ? 42 : 0);
}

Test(ex02_3, singular_matrix_is_reported)
{
    char err[4096];
    int status = capture_stderr(solve_singular, NULL, err, sizeof err);
    cr_assert_eq(status, 42, "[[1,2,0],[2,4,0],[0,0,1]] is singular: expected cholesky_solve to return -1 "
                 "(exit status 42 here), got status %d. Hint: pivot 1 is 4 - 2^2 = 0; check it before "
                 "taking the square root. Output: %s", status, err);
    cr_assert(strstr(err, "not positive definite") && strstr(err, "pivot 1"),
              "the message must say that the matrix is not positive definite and name pivot 1 (pivots count from 0, like the columns), got: %s"
              "Hint: nn_error(hint, \"... not positive definite: pivot %%d is %%g ...\").", err);
}

/* Synthetic houses, standardized, with the bias column: the design matrix of section 2.4.
 * (Standardized with prep.h's copy of exercise 02.4, so that this check needs 02.1-02.3 only.) */
static void houses_design(float *X, float *y, float *mean, float *std, int n)
{
    float *x = nn_malloc((size_t)n * HOUSE_D * sizeof(float));
    rng_t rng;
    rng_seed(&rng, 9);
    make_houses(x, y, n, &rng);
    prep_affine_t t;
    cr_assert_eq(prep_standardize_fit(&t, x, n, HOUSE_D), 0, "prep_standardize_fit on the house data must succeed. Hint: the data has no NaN; see the error printed above.");
    prep_affine_apply(&t, x, n, HOUSE_D);
    memcpy(mean, t.shift, HOUSE_D * sizeof(float));
    memcpy(std, t.scale, HOUSE_D * sizeof(float));
    prep_affine_free(&t);
    with_bias_column(X, x, n, HOUSE_D);
    free(x);
}

Test(ex02_3, closed_form_matches_the_library_solve)
{
    enum { N = 500, D1 = HOUSE_D + 1 };
    float *X = nn_malloc(N * D1 * sizeof(float)), y[N], mean[HOUSE_D], std[HOUSE_D];
    houses_design(X, y, mean, std, N);
    float w_exact[D1], w_back[D1];
    cr_assert_eq(linreg_closed_form(w_exact, X, y, N, D1), 0, "the normal equations of the house data "
                 "must be solvable. Hint: X^T X is positive definite here.");
    /* The reference: the same normal equations solved by the library's Cholesky (common/linalg.h),
     * not by another exercise of this chapter. */
    double A[D1 * D1] = {0}, b[D1] = {0}, w_lib[D1];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D1; j++) {
            b[j] += (double)X[i * D1 + j] * y[i];
            for (int k = 0; k < D1; k++)
                A[j * D1 + k] += (double)X[i * D1 + j] * X[i * D1 + k];
        }
    cr_assert_eq(linalg_cholesky_solve(w_lib, A, b, D1, 1), 0, "the library's solve failed on the house data. "
                 "Hint: this is a defect of the course, not of your code: report it.");
    double err = 0;
    for (int j = 0; j < D1; j++)
        err = fmax(err, fabs(w_exact[j] - w_lib[j]) / fmax(fabs(w_lib[j]), 1e-2));
    cr_assert(err < 1e-4, "closed form (%g, %g, %g, %g) vs the library's Cholesky solve (%g, %g, %g, %g): "
              "relative difference %g, expected < 1e-4. Hint: both solve X^T X w = X^T y; check the forward "
              "substitution (L z = b) and then the back substitution with L^T.", w_exact[0], w_exact[1],
              w_exact[2], w_exact[3], w_lib[0], w_lib[1], w_lib[2], w_lib[3], err);
    unstandardize_weights(w_back, w_exact, mean, std, HOUSE_D);
    /* 500 examples with noise 15: the area weight is known to about +-0.05 (3 standard errors). */
    cr_assert(fabsf(w_back[0] - TRUE_W[0]) < 0.1f && fabsf(w_back[2] - TRUE_W[2]) < 0.1f,
              "recovered weights area %g, age %g; the truth is 3.0 and -0.8. Hint: with the noise of the "
              "data the estimates should be within 0.1.", w_back[0], w_back[2]);
    free(X);
}

static void predict_wrong_width(void *arg)
{
    (void)arg;
    float X[6] = {1, 2, 3, 4, 5, 6}, w[2] = {1, 1}, pred[2];
    linreg_predict(pred, X, 2, 3, w, 2);
}

Test(ex02_3, model_and_data_must_have_the_same_width)
{
    /* The closed form first (so this check cannot pass on a stub), then a mismatched prediction. */
    const float X[6] = {1, 0, 0, 1, 1, 1}, y[3] = {1, 2, 3};
    float w[2];
    cr_assert_eq(linreg_closed_form(w, X, y, 3, 2), 0, "a (3, 2) problem with independent columns must solve Hint: this check uses 02.3's cholesky_solve: does 02.3 pass?");
    char err[4096];
    int status = capture_stderr(predict_wrong_width, NULL, err, sizeof err);
    cr_assert(status == 1 && strstr(err, "the model has 2 weights, the data has 3 columns"),
              "2 weights applied to 3 columns must stop with a clear error (exit 1), got status %d: %s. Hint: linreg_closed_form checks the width of X against the model before solving.", status, err);
}

/* --- 02.4 standardization statistics ------------------------------------------------------ */

Test(ex02_4, column_statistics_by_hand)
{
    /* column 0: 5, 1, 3 -> mean 3, population variance (4 + 4 + 0)/3, std 1.63299;
     * column 1: constant 5 -> std 0 -> stored as 1. (Read column-major, x[j*n + i], the first
     * "column" would be 5, 5, 1 with mean 3.667.) */
    const float x[6] = {5, 5, 1, 5, 3, 5};
    float mean[2] = {-9, -9}, std[2] = {-9, -9};
    cr_assert_eq(standardize_fit(mean, std, x, 3, 2), 0, "standardize_fit on finite data must return 0. Hint: return -1 only after prep_check_finite reports a NaN/Inf.");
    cr_assert(fabsf(mean[0] - 3) < 1e-6f && fabsf(mean[1] - 5) < 1e-6f,
              "expected means (3, 5), got (%g, %g). Hint: the data is row-major: column j of row i is x[i*d + j].",
              mean[0], mean[1]);
    cr_assert(fabsf(std[0] - sqrtf(8.0f / 3)) < 1e-5f, "expected std 1.63299 for (5, 1, 3), got %g. Hint: the "
              "population std divides by N = 3 (dividing by N - 1 gives 2).", std[0]);
    cr_assert_eq(std[1], 1.0f, "a constant column has std 0: expected the stored value 1, got %g. Hint: "
                 "std < 1e-6 -> 1, so that standardize_apply never divides by zero.", std[1]);
}

Test(ex02_4, two_passes_keep_precision_far_from_zero)
{
    /* 16000000, 16000002, 16000004 (exact in float): mean 16000002, std sqrt(8/3) = 1.63299.
     * E[x^2] - E[x]^2 loses it: 2.56e14 leaves about 0.03 of precision in double. */
    const float x[3] = {16000000.0f, 16000002.0f, 16000004.0f};
    float mean, std;
    cr_assert_eq(standardize_fit(&mean, &std, x, 3, 1), 0, "standardize_fit on finite data must return 0. Hint: return -1 only after prep_check_finite reports a NaN/Inf.");
    cr_assert(fabsf(std - sqrtf(8.0f / 3)) < 1e-4f, "values 16000000 + (0, 2, 4): expected std 1.63299, got %g. "
              "Hint: first the mean, then sum (x - mean)^2 in a second pass, in double.", std);
}

Test(ex02_4, standardized_training_columns_have_mean_0_and_std_1)
{
    enum { N = 200, D = 3 };
    rng_t rng;
    rng_seed(&rng, 3);
    float x[N * D], mean[D], std[D];
    for (int i = 0; i < N; i++) /* three scales: ~1, ~100 + 10 z, ~ -0.001 z */
        x[i * D] = rng_normal(&rng), x[i * D + 1] = 100 + 10 * rng_normal(&rng), x[i * D + 2] = -1e-3f * rng_normal(&rng);
    cr_assert_eq(standardize_fit(mean, std, x, N, D), 0, "standardize_fit on finite data must return 0. Hint: return -1 only after prep_check_finite reports a NaN/Inf.");
    standardize_apply(x, N, D, mean, std);
    for (int j = 0; j < D; j++) {
        double s = 0, s2 = 0;
        for (int i = 0; i < N; i++) s += x[i * D + j], s2 += (double)x[i * D + j] * x[i * D + j];
        cr_assert(fabs(s / N) < 1e-4 && fabs(s2 / N - 1) < 1e-3, "column %d after standardizing: mean %g, "
                  "variance %g; expected 0 and 1. Hint: mean and std must be per column j.", j, s / N, s2 / N);
    }
}

Test(ex02_4, a_small_std_is_kept)
{
    /* (1e-4, -1e-4): mean 0, population std 1e-4. That is above the 1e-6 guard, so it is stored as it is
     * (its variance, 1e-8, is below 1e-6: the guard tests the std). */
    const float x[2] = {1e-4f, -1e-4f};
    float mean = -9, std = -9;
    cr_assert_eq(standardize_fit(&mean, &std, x, 2, 1), 0, "standardize_fit on finite data must return 0. Hint: return -1 only after prep_check_finite reports a NaN/Inf.");
    cr_assert(fabsf(mean) < 1e-10f && fabsf(std - 1e-4f) < 1e-9f, "(1e-4, -1e-4): expected mean 0 and std 1e-4, "
              "got %g and %g. Hint: only a std below 1e-6 is replaced by 1: compare sigma itself (not the "
              "variance) with 1e-6.", mean, std);
}

static void fit_with_nan(void *arg)
{
    (void)arg;
    const float x[4] = {1, 2, NAN, 4};
    float mean[2], std[2];
    exit(standardize_fit(mean, std, x, 2, 2) == -1 ? 42 : 0);
}

Test(ex02_4, nan_in_the_training_rows_is_reported)
{
    const float ok[2] = {1, 2};
    float mean, std;
    cr_assert_eq(standardize_fit(&mean, &std, ok, 2, 1), 0, "standardize_fit on finite data must return 0. Hint: return -1 only after prep_check_finite reports a NaN/Inf.");
    cr_assert_float_eq(std, 0.5f, 1e-6f, "(1, 2): expected std 0.5, got %g. Hint: the population std of (1, 2) is sqrt(((1-1.5)^2 + (2-1.5)^2) / 2) = 0.5.", std);
    char err[4096];
    int status = capture_stderr(fit_with_nan, NULL, err, sizeof err);
    cr_assert(status == 42 && strstr(err, "row 1, column 0 is nan"),
              "a NaN must make standardize_fit return -1 with a message naming row 1, column 0; got status %d: "
              "%s. Hint: keep the prep_check_finite call before the region.", status, err);
}

/* --- 02.5 logistic regression ------------------------------------------------------------- */

Test(ex02_5, one_step_by_hand)
{
    /* w = 0, b = 0: z = 0, p = 1/2, L = log 2. t = (1, 0): dz = (p - t)/B = (-0.25, 0.25).
     * x1 = (1, 2), x2 = (3, -1): X^T dz = (-0.25 + 0.75, -0.5 - 0.25) = (0.5, -0.75), sum dz = 0.
     * lr = 1: w = (-0.5, 0.75), b = 0. */
    float w[2] = {0, 0}, z[2] = {NAN, NAN}, dz[2] = {NAN, NAN}; /* scratch: NaN until written */
    logreg m = {.d = 2, .w = w, .b = 0};
    const float x[4] = {1, 2, 3, -1}, t[2] = {1, 0};
    float L = logreg_step(&m, x, t, 2, 1.0f, z, dz);
    cr_assert_float_eq(L, logf(2), 1e-6f, "zero weights: expected the loss log 2 = 0.6931, got %g. "
                       "Hint: return the loss of the batch before the update.", L);
    cr_assert(fabsf(w[0] + 0.5f) < 1e-6f && fabsf(w[1] - 0.75f) < 1e-6f && fabsf(m.b) < 1e-7f,
              "expected w = (-0.5, 0.75), b = 0 after one step with lr 1, got w = (%g, %g), b = %g. Hint: "
              "w <- w - lr X^T dz: matmul_blas(1, 0, D, 1, B, -lr, xb, dz, 1, w).", w[0], w[1], m.b);
}

Test(ex02_5, one_step_matches_pytorch)
{
    float w[G_LR_D], z[G_LR_B], dz[G_LR_B];
    memcpy(w, G_LR_W0, sizeof w);
    for (int i = 0; i < G_LR_B; i++) z[i] = dz[i] = NAN; /* scratch: NaN until written */
    logreg m = {.d = G_LR_D, .w = w, .b = G_LR_B0};
    float L = logreg_step(&m, G_LR_X, G_LR_T, G_LR_B, G_LR_LR, z, dz);
    cr_assert_float_eq(L, G_LR_LOSS, 1e-5f, "PyTorch's binary_cross_entropy_with_logits gives %g, got %g. "
                       "Hint: z = xb w + b, then bce_logits_loss(dz, z, tb, B).", G_LR_LOSS, L);
    double err = worst_rel(w, G_LR_W1, G_LR_D, 1e-3);
    cr_assert(err < 1e-5 && fabsf(m.b - G_LR_B1) < 1e-5f, "after one step (lr 0.3) PyTorch has w[0] = %g, b = %g; "
              "got w[0] = %g, b = %g (worst relative error in w %g). Hint: the bias moves by -lr * sum(dz).",
              G_LR_W1[0], G_LR_B1, w[0], m.b, err);
}

/* Image standardization with the library's statistics (common/prep.h), all pixels as one column:
 * the checks of 02.5 and 02.7 must not depend on exercise 02.4. */
static void library_standardize_images(dataset_t *tr, dataset_t *te)
{
    prep_affine_t t;
    cr_assert_eq(prep_standardize_fit(&t, tr->x, tr->n * tr->d, 1), 0, "the library's standardization failed on "
                 "the sample. Hint: this is a defect of the course, not of your code: report it.");
    prep_affine_apply(&t, tr->x, tr->n * tr->d, 1);
    prep_affine_apply(&t, te->x, te->n * te->d, 1);
    prep_affine_free(&t);
}

Test(ex02_5, separates_sneakers_from_ankle_boots_on_the_sample)
{
    dataset_t tr_all, te_all;
    cr_assert_eq(fashion_load(&tr_all, DATASETS "/fashion-mnist-sample", "train"), 0, "the committed sample must load. Hint: the sample lives in datasets/fashion-mnist-sample/ of the repository; is your checkout complete (git status)?");
    cr_assert_eq(fashion_load(&te_all, DATASETS "/fashion-mnist-sample", "t10k"), 0, "the committed sample must load. Hint: the sample lives in datasets/fashion-mnist-sample/ of the repository; is your checkout complete (git status)?");
    const int classes[2] = {7, 9};
    dataset_t tr = dataset_select_classes(&tr_all, classes, 2), te = dataset_select_classes(&te_all, classes, 2);
    library_standardize_images(&tr, &te);
    logreg m = {.d = 784, .w = nn_calloc(784, sizeof(float)), .b = 0};
    float z[16], dz[16], t[16];
    for (int e = 0; e < 20; e++)
        for (int s = 0; s < tr.n; s += 16) {
            int B = tr.n - s < 16 ? tr.n - s : 16;
            for (int i = 0; i < B; i++) t[i] = (float)tr.y[s + i];
            logreg_step(&m, tr.x + (size_t)s * 784, t, B, 0.05f, z, dz);
        }
    double loss, acc, tr_loss, tr_acc;
    logreg_evaluate(&m, &tr, &tr_loss, &tr_acc);
    logreg_evaluate(&m, &te, &loss, &acc);
    /* The reference fits all 55 training images and gets 14 of the 17 test images (0.82); chance
     * is about 0.5. */
    cr_assert(tr_acc >= 0.95 && acc >= 0.75, "20 epochs on the sample's %d sneakers/boots: training accuracy %.2f "
              "(expected >= 0.95), test accuracy %.2f (expected >= 0.75). Hint: if the PyTorch test passes, is "
              "the bias updated too?", tr.n, tr_acc, acc);
    free(m.w);
    dataset_free(&tr), dataset_free(&te), dataset_free(&tr_all), dataset_free(&te_all);
}

/* --- 02.6 log-softmax cross-entropy with label smoothing --------------------------------- */

Test(ex02_6, matches_pytorch_with_smoothing)
{
    float dz[G_CE_B * G_CE_K];
    float L = softmax_ce_smooth(dz, G_CE_Z, G_CE_LABELS, G_CE_B, G_CE_K, 0.1f);
    cr_assert_float_eq(L, G_CE_SMOOTH_LOSS, 1e-5f, "eps = 0.1: PyTorch's cross_entropy(label_smoothing=0.1) "
                       "gives %.6f, got %.6f. Hint: the row loss is lse - sum_k q_k z_k with q_k = (1-eps)[k=t] "
                       "+ eps/K.", G_CE_SMOOTH_LOSS, L);
    double err = worst_rel(dz, G_CE_SMOOTH_DZ, G_CE_B * G_CE_K, 1e-3);
    cr_assert(err < 1e-4, "eps = 0.1: dz differs from PyTorch's gradient (worst relative error %g; dz[0] = %g, "
              "expected %g). Hint: dz = (softmax(z) - q) / B, with the same smoothed q.", err, dz[0], G_CE_SMOOTH_DZ[0]);
}

Test(ex02_6, matches_pytorch_without_smoothing)
{
    float dz[G_CE_B * G_CE_K];
    float L = softmax_ce_smooth(dz, G_CE_Z, G_CE_LABELS, G_CE_B, G_CE_K, 0.0f);
    cr_assert_float_eq(L, G_CE_PLAIN_LOSS, 1e-5f, "eps = 0: PyTorch's cross_entropy gives %.6f, got %.6f. "
                       "Hint: the mean over the B rows of lse(z_b) - z_b[t_b].", G_CE_PLAIN_LOSS, L);
    double err = worst_rel(dz, G_CE_PLAIN_DZ, G_CE_B * G_CE_K, 1e-3);
    cr_assert(err < 1e-4, "eps = 0: worst relative error of dz %g against PyTorch. Hint: p_k - [k == t], "
              "divided by B.", err);
    float L2 = softmax_ce_smooth(NULL, G_CE_Z, G_CE_LABELS, G_CE_B, G_CE_K, 0.0f);
    cr_assert_float_eq(L2, L, 1e-7f, "dz = NULL must give the same loss (%g vs %g). Hint: only skip the "
                       "gradient writes.", L2, L);
}

Test(ex02_6, huge_logits_stay_finite)
{
    /* lse(1000, 0, -500) = 1000 + log(1 + e^-1000 + e^-1500) = 1000. eps = 0.1, label 1:
     * q = (0.1/3, 0.9 + 0.1/3, 0.1/3), sum q z = (1000 - 500) 0.1/3 = 16.667, L = 983.333. */
    const float z[3] = {1000, 0, -500};
    const int label = 1;
    float dz[3];
    float L = softmax_ce_smooth(dz, z, &label, 1, 3, 0.1f);
    cr_assert(isfinite(L) && fabsf(L - 983.3333f) < 1e-2f, "logits (1000, 0, -500): expected the finite loss "
              "983.333, got %g. Hint: subtract the row maximum before exp(); never compute log(p).", L);
    cr_assert(isfinite(dz[0]) && fabsf(dz[0] - (1 - 0.1f / 3)) < 1e-5f && fabsf(dz[1] + 0.9f + 0.1f / 3) < 1e-5f,
              "expected dz = p - q = (0.9667, -0.9333, -0.0333), got (%g, %g, %g). Hint: p_k = exp(z_k - lse).",
              dz[0], dz[1], dz[2]);
}

Test(ex02_6, all_negative_logits_and_the_maximum_last)
{
    /* Row 0: (-1000, -1001, -1002), label 0: lse = -1000 + log(1 + e^-1 + e^-2) = -1000 + 0.4076060,
     * loss 0.4076060 (every exp of a raw logit underflows to 0: the maximum must be a logit, not 0).
     * Row 1: (-500, 0, 1000), label 2, the maximum last: lse = 1000, loss 0.
     * Mean 0.2038030; dz row 0 = (p - onehot) / 2 = (-0.1673795, 0.1223642, 0.0450153), row 1 = 0. */
    const float z[6] = {-1000, -1001, -1002, -500, 0, 1000};
    const int labels[2] = {0, 2};
    const float want[6] = {-0.1673795221f, 0.1223642355f, 0.0450152866f, 0, 0, 0};
    float dz[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
    float L = softmax_ce_smooth(dz, z, labels, 2, 3, 0.0f);
    cr_assert(fabsf(L - 0.2038029822f) < 1e-5f, "rows (-1000, -1001, -1002) label 0 and (-500, 0, 1000) label 2: "
              "expected the mean loss 0.2038030, got %g. Hint: the shift m is the row's largest logit: start "
              "from z[0] (not from 0) and look at every k up to K - 1.", L);
    double err = 0;
    for (int i = 0; i < 6; i++)
        err = fmax(err, fabs((double)dz[i] - want[i]));
    /* 2e-5: near -1000 floats are 6.1e-5 apart, so an lse kept in a float (correct, and as stable) is
     * off by up to 3e-5 and moves dz_0 = (p_0 - 1) / 2 by up to 0.33 * 3e-5 / 2 = 5e-6; a shift that
     * is not the maximum gives inf or NaN, a missing 1/B an error of 0.17. */
    cr_assert(err < 2e-5, "expected dz = (%.7f, %.7f, %.7f | 0, 0, 0), got (%.7f, %.7f, %.7f | %g, %g, %g). "
              "Hint: p_k = exp(z_k - lse) with lse = m + log(sum_k exp(z_k - m)), m the row's largest logit.",
              want[0], want[1], want[2], dz[0], dz[1], dz[2], dz[3], dz[4], dz[5]);
}

Test(ex02_6, sums_the_exponentials_in_a_double)
{
    /* K = 1001 classes, label 0: z_0 = 0 (the maximum), the other 1000 logits log(1e-8) = -18.4207, so
     * exp(z_k - m) is 1 then 1000 terms of about 1e-8. lse = log(1 + 1000 e^z) = 1.0e-5, the loss too. A float
     * sum cannot add 1e-8 to 1 (floats near 1 are 1.2e-7 apart): it stays 1 and gives the loss 0. */
    enum { K = 1001 };
    static float z[K];
    const float small = (float)log(1e-8);
    for (int k = 0; k < K; k++) z[k] = k == 0 ? 0 : small;
    const int label = 0;
    const double want = log1p(1000 * exp((double)small));
    float L = softmax_ce_smooth(NULL, z, &label, 1, K, 0.0f);
    cr_assert(fabs(L - want) < 1e-8, "1001 logits, 0 for the label and 1000 of log(1e-8): expected the loss "
              "%.6e, got %.6e. Hint: the prose asks for the sum of exp(z_k - m) in a double: a float sum "
              "at 1 cannot add 1e-8.", want, L);
}

static double ce_of(const float *z, const int *labels, int B, int K, float eps)
{
    return softmax_ce_smooth(NULL, z, labels, B, K, eps);
}

Test(ex02_6, gradient_matches_centered_differences)
{
    enum { B = 3, K = 7 };
    rng_t rng;
    rng_seed(&rng, 17);
    float z[B * K], dz[B * K], num[B * K];
    const int labels[B] = {6, 0, 3};
    for (int i = 0; i < B * K; i++) z[i] = 2 * rng_normal(&rng);
    softmax_ce_smooth(dz, z, labels, B, K, 0.2f);
    for (int i = 0; i < B * K; i++) {
        const float h = 1e-2f, zi = z[i];
        z[i] = zi + h;
        double lp = ce_of(z, labels, B, K, 0.2f);
        z[i] = zi - h;
        double lm = ce_of(z, labels, B, K, 0.2f);
        z[i] = zi;
        num[i] = (float)((lp - lm) / (2 * h));
    }
    /* float32 losses, h = 1e-2: truncation ~h^2 and rounding ~1e-7/h; relative error below 1e-2 */
    double err = worst_rel(dz, num, B * K, 1e-3);
    cr_assert(err < 1e-2, "eps = 0.2: worst relative error between dz and centered differences %g (bound 1e-2). "
              "Hint: is the 1/B factor there, and does the gradient use the same q as the loss?", err);
}

static void ce_bad_label(void *arg)
{
    (void)arg;
    const float z[6] = {0};
    const int labels[2] = {1, 7};
    softmax_ce_smooth(NULL, z, labels, 2, 3, 0.0f);
}

Test(ex02_6, label_out_of_range_is_reported)
{
    const float z[3] = {0, 0, 0};
    const int label = 2;
    float L = softmax_ce_smooth(NULL, z, &label, 1, 3, 0.0f);
    cr_assert_float_eq(L, logf(3), 1e-6f, "equal logits: expected log K = log 3, got %g. Hint: with K equal logits every p_k is 1/K, so the loss is -log(1/K) = log K.", L);
    char err[4096];
    int status = capture_stderr(ce_bad_label, NULL, err, sizeof err);
    cr_assert(status == 1 && strstr(err, "labels[1] is 7") && strstr(err, "expected 0 .. 2"),
              "label 7 with K = 3 must stop with a clear error (exit 1), got status %d: %s. Hint: the label check before the region is given: keep it.", status, err);
}

/* --- 02.7 softmax regression step ----------------------------------------------------------- */

Test(ex02_7, one_step_matches_pytorch)
{
    softreg m = softreg_new(G_SR_D, G_SR_K);
    memcpy(m.W, G_SR_W0, sizeof G_SR_W0);
    memcpy(m.b, G_SR_B0, sizeof G_SR_B0);
    float z[G_SR_B * G_SR_K], dz[G_SR_B * G_SR_K];
    for (int i = 0; i < G_SR_B * G_SR_K; i++) z[i] = dz[i] = NAN; /* scratch: NaN until written */
    float L = softreg_step(&m, G_SR_X, G_SR_Y, G_SR_B, G_SR_LR, G_SR_EPS, z, dz);
    cr_assert_float_eq(L, G_SR_LOSS, 1e-5f, "PyTorch: loss %.6f for logits x W + b with eps 0.1; got %.6f. "
                       "Hint: copy b into every row of z, then matmul with beta = 1; is eps passed on to "
                       "softmax_ce_smooth?", G_SR_LOSS, L);
    double ew = worst_rel(m.W, G_SR_W1, G_SR_D * G_SR_K, 1e-3), eb = worst_rel(m.b, G_SR_B1, G_SR_K, 1e-3);
    cr_assert(ew < 1e-5, "W after one step differs from PyTorch's (worst relative error %g; W[0][0] = %g, expected "
              "%g). Hint: W <- W - lr X^T dZ, a (D, B) x (B, K) product: matmul_blas(1, 0, D, K, B, ...).", ew, m.W[0],
              G_SR_W1[0]);
    cr_assert(eb < 1e-5, "b after one step differs from PyTorch's (worst relative error %g; b[0] = %g, expected %g). "
              "Hint: b_k <- b_k - lr * sum over the batch of dZ[i][k] (column sums).", eb, m.b[0], G_SR_B1[0]);
    softreg_free(&m);
}

Test(ex02_7, learns_the_fashion_sample)
{
    dataset_t tr, te;
    cr_assert_eq(fashion_load(&tr, DATASETS "/fashion-mnist-sample", "train"), 0, "the committed sample must load. Hint: the sample lives in datasets/fashion-mnist-sample/ of the repository; is your checkout complete (git status)?");
    cr_assert_eq(fashion_load(&te, DATASETS "/fashion-mnist-sample", "t10k"), 0, "the committed sample must load. Hint: the sample lives in datasets/fashion-mnist-sample/ of the repository; is your checkout complete (git status)?");
    library_standardize_images(&tr, &te);
    softreg m = softreg_new(784, 10);
    batch_buf bb = batch_new(32, 784, 10);
    int order[300];
    rng_iota(order, tr.n);
    rng_t rng;
    rng_seed(&rng, 1);
    long step = 0;
    double first = 0, last = 0;
    for (int e = 0; e < 15; e++) {
        last = softreg_epoch(&m, &tr, order, &bb, 0.01f, 0.0f, &rng, &step, 15L * 10, NULL);
        if (e == 0)
            first = last;
    }
    eval_result r = softreg_evaluate(&m, &te);
    /* The reference reaches about 0.75 on the 100 test images of the sample; chance is 0.1. */
    cr_assert(last < 0.5 * first && r.acc >= 0.6, "15 epochs on the 300-image sample: training loss %.3f -> %.3f, "
              "test accuracy %.2f; expected the loss to halve and accuracy >= 0.60. Hint: if the PyTorch test "
              "passes, is the update applied with -lr (downhill)?", first, last, r.acc);
    batch_free(&bb);
    softreg_free(&m);
    dataset_free(&tr), dataset_free(&te);
}

static void evaluate_wrong_shape(void *arg)
{
    softreg *m = arg;
    dataset_t ds = dataset_new(5, 10, 10); /* 10 features, the model expects 6 */
    softreg_evaluate(m, &ds);
}

Test(ex02_7, data_of_the_wrong_shape_is_reported)
{
    softreg m = softreg_new(G_SR_D, G_SR_K);
    float z[G_SR_B * G_SR_K], dz[G_SR_B * G_SR_K];
    for (int i = 0; i < G_SR_B * G_SR_K; i++) z[i] = dz[i] = NAN; /* scratch: NaN until written */
    float L = softreg_step(&m, G_SR_X, G_SR_Y, G_SR_B, 0.1f, 0.0f, z, dz);
    cr_assert_float_eq(L, logf(G_SR_K), 1e-6f, "zero weights: every class has p = 1/K, expected the loss log 4, "
                       "got %g. Hint: the loss is computed before the update.", L);
    char err[4096];
    int status = capture_stderr(evaluate_wrong_shape, &m, err, sizeof err);
    cr_assert(status == 1 && strstr(err, "the model maps 6 features to 4 classes, the data has 10 features"),
              "a model for 6 features given 10-feature data must stop with a clear error (exit 1), got status "
              "%d: %s. Hint: softreg_check runs before the region; keep it.", status, err);
    softreg_free(&m);
}

/* --- hints (make hint EX=NN.K shows one more level each time) and the teacher's notes (shown
 * by the report once the exercise passes) ------------------------------------------------- */

/*hint 02.1
1. The gradient of the mean of r_i^2 with r = Xw - y: what is d(r_i^2)/dw?
2. Compute r = Xw with matmul, subtract y, sum r_i^2 for the loss, then grad = (2/N) X^T r with a
   second matmul (transpose A).
3. L = (1/N) ||Xw - y||^2, grad = (2/N) X^T (Xw - y): matmul_blas(0,0,n,1,d,1,X,w,0,r); r -= y;
   matmul_blas(1,0,d,1,n,2.0f/n,X,r,0,grad) (2.0f: in C, 2/n with an int n is 0).
*/
/*note 02.1
The same X^T (error) pattern is the backward pass of every linear layer (chapter 3's
linear_backward). The 2/N scaling is why a fixed learning rate does not depend on the data set
size.
*/

/*forbid 02.1
-- its twins in common/loss.h, common/metrics.h: the exercise writes its own
mse_loss metrics_mse
*/

/*hint 02.2
1. The loop needs steps+1 loss evaluations (before the first update and after the last) and must stop
   when the loss blows up.
2. At each t: compute loss and gradient, store the loss in loss_log[t] unless it is NULL, record
   res.steps and res.loss; stop if the loss is not finite or exceeds DIVERGED times the first loss;
   stop after t == steps; else update w.
3. diverged when !isfinite(loss) || loss > DIVERGED * first; update w[j] -= lr * grad[j] only between
   evaluations.
*/
/*note 02.2
A step size above 2/lambda_max (the largest curvature) makes gradient descent diverge; the prose
measures this edge. Checking for divergence is cheaper than debugging NaNs later (nn_check_finite).
*/

/*hint 02.3
1. Cholesky writes A = L L^T with L lower triangular. Which entries of L do you know when you reach
   column j?
2. Diagonal: L[j][j] = sqrt(A[j][j] - sum_{k<j} L[j][k]^2), refuse a pivot s that is not larger
   than 1e-12 |A[j][j]| (zero up to rounding, negative or NaN: nn_error, return -1). Below it:
   L[i][j] = (A[i][j] - sum_{k<j} L[i][k] L[j][k]) / L[j][j]. Then solve L z = b forward, L^T x = z
   backward.
3. Two triangular solves: z_i = (b_i - sum_{k<i} L[i][k] z_k)/L[i][i] for i up; x_i = (z_i - sum_{k>i}
   L[k][i] x_k)/L[i][i] for i down.
*/
/*note 02.3
The normal equations X^T X w = X^T y are the exact minimum of least squares; Cholesky costs d^3/3
and fails exactly when X^T X is singular, which is why ridge regression adds lambda to the
diagonal.
*/

/*forbid 02.3
-- its twins in common/linalg.h: the exercise writes its own
linalg_cholesky linalg_cholesky_solve_factor linalg_cholesky_solve
*/

/*hint 02.4
1. Each column j gets its own mean and standard deviation, over the n rows.
2. Two passes per column: the mean, then the mean of squared deviations (divide by n, not n-1). A
   constant column (sigma near 0) gets std 1 so that dividing by it is harmless.
3. mu_j = (sum_i x_ij) / n; sigma_j = sqrt((sum_i (x_ij - mu_j)^2) / n), sums in double (in C,
   1/n with an int n is 0); std = 1 if sigma < 1e-6.
*/
/*note 02.4
Standardizing turns a long valley into a nearly round bowl (section 2.4's run: the condition number
falls from 2.2e5 to 8.2), so one learning rate suits every weight. Compute the statistics on the
training set only and apply them to validation and test.
*/

/*forbid 02.4
-- its twins in common/prep.h: the exercise writes its own
prep_standardize_fit
*/

/*hint 02.5
1. Forward: logits z = xb w + b for the batch; the loss function of the prose also gives you dL/dz.
2. bce_logits_loss fills dz (already divided by B). Then w -= lr * xb^T dz (one matmul with beta = 1)
   and b -= lr * sum_i dz_i.
3. z = X w + b; L, dz = bce_logits_loss(z, t); w += -lr X^T dz; b -= lr * sum(dz).
*/
/*note 02.5
The gradient of binary cross-entropy with respect to the logit is sigmoid(z) - t: the sigmoid's
flat tails cancel out (section 2.7). Taking logits rather than probabilities is what lets
bce_logits_loss compute the loss without overflow or log 0. Softmax regression (02.7) is the same
step with K columns.
*/

/*hint 02.6
1. exp of a large logit overflows: what can you subtract from every logit of a row without changing
   the softmax?
2. Per row: m = max_k z_k (start from z[0], not 0), lse = m + log sum_k exp(z_k - m) with the sum in
   a double. The smoothed target is q_k = (1-eps)[k = label] + eps/K; the loss is
   lse - sum_k q_k z_k.
3. L = (sum_b (lse_b - sum_k q_bk z_bk)) / B;  dz_bk = (softmax(z_b)_k - q_bk) / B, with softmax =
   exp(z - lse).
*/
/*note 02.6
The log-sum-exp trick is in every stable softmax, from here to the attention kernels of chapter 13
(online softmax). Label smoothing keeps the logits from growing without bound.
*/

/*forbid 02.6
-- its twins in common/loss.h: the exercise writes its own
softmax_cross_entropy_smooth softmax_cross_entropy log_softmax_forward softmax_forward
*/

/*hint 02.7
1. Z = X W + 1 b^T: every row of Z starts as the bias vector.
2. Copy b into each row of z, then matmul with beta = 1 adds X W. softmax_ce_smooth gives the loss and
   dZ; db_k = sum_i dZ_ik; W += -lr X^T dZ.
3. Z = 1 b^T + X W;  (L, dZ) = softmax_ce_smooth(Z, y);  b_k -= lr sum_i dZ_ik;  W -= lr X^T dZ.
*/
/*note 02.7
This is a one-layer network; chapter 3 stacks such layers with nonlinearities between them, and the
gradient of each layer has exactly this X^T dZ form.
*/
