/* prep.h — preparing tabular data for a model: splits, scaling, transforms, missing values.
 *
 * Data is a row-major matrix x (n, d): n examples, d features (columns). Chapter 2 derives each
 * transform and shows when it helps; this header is the reference.
 *
 * The rule that every function here is built around: a transform is FITTED on the training split
 * only (its statistics: means, ranges, medians, sorted values) and then APPLIED, unchanged, to the
 * training, validation and test splits alike. Fitting on all rows lets the validation and test
 * examples leak into the model, and the scores measured on them stop being honest estimates of
 * how the model does on new data. So each transform is a pair: prep_X_fit() computes a small
 * struct of statistics, prep_X_apply() uses it; the struct owns its arrays (free it with the
 * matching _free).
 *
 *   standardization   x' = (x - mean) / std                per column: mean 0, variance 1
 *   min-max scaling   x' = (x - min) / (max - min)          per column: into [0, 1]
 *   log transform     x' = log(1 + x)                       squeezes a long right tail
 *   rank-Gauss        x' = Phi^-1(rank(x) / n)              any distribution -> roughly N(0, 1)
 *   imputation        a missing value (NaN) -> the training column's mean or median
 *
 * Errors: fitting on data with NaN or ±Inf where numbers are required, a constant column where it
 * matters, or arguments out of range are reported with nn_error (row, column, value, hint) and the
 * fit returns -1. Applying a transform fitted on d columns to data with another number of columns
 * (a CSV with a column more or less) is reported the same way, naming both, and the apply returns
 * -1 with x unchanged: nothing here exits. Missing values are NaN everywhere here.
 *
 * Threads: no shared state; a fitted transform may be applied from several threads at once.
 * prep_gather_rows (and dataset_gather) copies a large batch on all the cores (parallel.h).
 * Prefixes: prep_, PREP_
 */
#ifndef NN_PREP_H
#define NN_PREP_H

#include "rng.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- checks ---------------------------------------------------------------------------------- */

/* Number of NaN or ±Inf values in x[0..count). */
size_t prep_count_nonfinite(const float *x, size_t count);

/* 0 if every value of x (n, d) is finite; else reports the first bad one (row, column, value and
 * how many there are in all), naming the data `what` ("the training inputs"), and returns -1. */
int prep_check_finite(const float *x, int n, int d, const char *what);

/* --- splits ---------------------------------------------------------------------------------- */

/* Shuffle 0..n-1 into perm (n) and cut it into three consecutive parts: perm[0 .. n_train) are
 * the training rows, the next n_val the validation rows, the last n_test the test rows, with
 * n_val = floor(val_frac * n), n_test = floor(test_frac * n), n_train = the rest. Any of the
 * output counts may be NULL. Returns 0, or -1 (reported) unless 0 <= val_frac, test_frac and
 * the training part keeps at least one row. */
int prep_split(int *perm, int *n_train, int *n_val, int *n_test, int n, float val_frac, float test_frac, rng_t *rng);

/* dst (k, d) = the rows rows[0..k) of src (., d), in that order: turns a list of indices (a split,
 * a shuffled mini-batch) into a contiguous matrix a matrix product can read. */
void prep_gather_rows(float *dst, const float *src, const int *rows, int k, int d);

/* --- affine scalings: standardization and min-max ------------------------------------------ */

/* x'[i][j] = (x[i][j] - shift[j]) / scale[j]. */
typedef struct {
    int d;
    float *shift; /* (d) owned */
    float *scale; /* (d) owned, never 0 */
} prep_affine_t;

/* Column means and standard deviations of x (n, d) (the population std, dividing by n). A column
 * whose std is below 1e-6 (constant) gets scale 1, so it is only centred. Returns 0 or -1 (n < 1,
 * or a value that is not finite: impute first). */
int prep_standardize_fit(prep_affine_t *t, const float *x, int n, int d);

/* Column minima and ranges of x (n, d); a constant column gets scale 1. Values of other splits
 * may fall outside [0, 1]: the range is the training range. Returns 0 or -1 as above. */
int prep_minmax_fit(prep_affine_t *t, const float *x, int n, int d);

/* Apply in place to x (n, d). Returns 0, or -1 (reported, x unchanged) if d differs from the
 * fitted t->d. */
int prep_affine_apply(const prep_affine_t *t, float *x, int n, int d);

void prep_affine_free(prep_affine_t *t);

/* --- missing values -------------------------------------------------------------------------- */

typedef enum { PREP_MEAN, PREP_MEDIAN } prep_stat_t;

typedef struct {
    int d;
    float *fill; /* (d) owned: the value that replaces a NaN in column j */
} prep_imputer_t;

/* The mean or median of the non-missing values of each column of x (n, d). Returns 0, or -1 if a
 * column has no value at all or holds an infinity. */
int prep_impute_fit(prep_imputer_t *t, const float *x, int n, int d, prep_stat_t stat);

/* Replace every NaN of x (n, d) by its column's fill value; returns how many were replaced, or -1
 * (reported, x unchanged) if d differs from the fitted t->d. */
long prep_impute_apply(const prep_imputer_t *t, float *x, int n, int d);

void prep_imputer_free(prep_imputer_t *t);

/* --- nonlinear transforms -------------------------------------------------------------------- */

/* x[i][col] = log(1 + x[i][col]) for every row of x (n, d); col = -1 transforms every column.
 * Needs x > -1: returns 0, or -1 (reported, x unchanged) at the first value <= -1 or NaN. */
int prep_log1p(float *x, int n, int d, int col);

/* The standard normal quantile Phi^-1(u) for u in (0, 1) (Acklam's rational approximation plus
 * one Halley step: relative error about 1e-15). NAN outside (0, 1). */
double prep_normal_quantile(double u);

/* Rank-Gauss: each value is replaced by the normal quantile of its rank among the training
 * values of its column. With the sorted training column s_0 <= ... <= s_{n-1}, a value v has
 * lo = #{s_k < v} and hi = #{s_k <= v} (ties get the middle rank), and becomes
 *   Phi^-1(clamp((lo + hi) / (2n), 1/(2n), 1 - 1/(2n))),
 * so the i-th of n distinct training values maps to Phi^-1((i + 1/2) / n) and a value beyond the
 * training range to the outermost quantile. Monotone, and blind to the scale and the shape of
 * the distribution: a log-normal column becomes (nearly) its standardized logarithm. */
typedef struct {
    int n, d;
    float *sorted; /* (d, n) owned: column j's training values, sorted, at sorted + j*n */
} prep_rankgauss_t;

/* Returns 0, or -1 (n < 1, or a value that is not finite: impute first). */
int prep_rankgauss_fit(prep_rankgauss_t *t, const float *x, int n, int d);

/* Apply in place to x (n, d); NaN stays NaN. Returns 0, or -1 (reported, x unchanged) if d
 * differs from the fitted t->d. */
int prep_rankgauss_apply(const prep_rankgauss_t *t, float *x, int n, int d);

void prep_rankgauss_free(prep_rankgauss_t *t);

#ifdef __cplusplus
}
#endif

#endif
