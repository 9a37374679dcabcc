/* metrics.c — see metrics.h. */
#include "metrics.h"

#include "error.h"

#include <math.h>

/* 0 if n > 0 and every value of a and b is finite; else reports the first problem, returns -1. */
static int check_inputs(const char *metric, const float *pred, const float *target, size_t n)
{
    if (n == 0) {
        nn_error("pass at least one example (is the split empty?)",
                 "%s of 0 examples: expected n >= 1", metric);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const float *bad = !isfinite(pred[i]) ? pred : !isfinite(target[i]) ? target : NULL;
        if (bad) {
            nn_error("a NaN or Inf prediction means training diverged (lower the learning rate); "
                     "in a target, clean or impute the data first",
                     "%s: %s[%zu] is %g: expected a finite number", metric,
                     bad == pred ? "pred" : "target", i, bad[i]);
            return -1;
        }
    }
    return 0;
}

double metrics_mse(const float *pred, const float *target, size_t n)
{
    if (check_inputs("metrics_mse", pred, target, n) != 0)
        return NAN;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double e = (double)pred[i] - target[i];
        sum += e * e;
    }
    return sum / (double)n;
}

double metrics_rmse(const float *pred, const float *target, size_t n)
{
    return sqrt(metrics_mse(pred, target, n)); /* sqrt(NAN) is NAN */
}

double metrics_mae(const float *pred, const float *target, size_t n)
{
    if (check_inputs("metrics_mae", pred, target, n) != 0)
        return NAN;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += fabs((double)pred[i] - target[i]);
    return sum / (double)n;
}

double metrics_r2(const float *pred, const float *target, size_t n)
{
    if (check_inputs("metrics_r2", pred, target, n) != 0)
        return NAN;
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += target[i];
    mean /= (double)n;
    double ss_res = 0, ss_tot = 0;
    for (size_t i = 0; i < n; i++) {
        double e = (double)pred[i] - target[i], c = (double)target[i] - mean;
        ss_res += e * e;
        ss_tot += c * c;
    }
    if (ss_tot == 0) {
        nn_error("R² compares the errors with the spread of the target; with every target equal "
                 "there is no spread. Report the MSE or the MAE instead",
                 "metrics_r2: the %zu targets are all equal to %g: R² = 1 - SS_res / 0 is undefined",
                 n, mean);
        return NAN;
    }
    return 1.0 - ss_res / ss_tot;
}

metrics_regression metrics_regression_all(const float *pred, const float *target, size_t n)
{
    metrics_regression m;
    m.mse = metrics_mse(pred, target, n);
    m.rmse = sqrt(m.mse);
    m.mae = metrics_mae(pred, target, n);
    m.r2 = metrics_r2(pred, target, n);
    return m;
}

int metrics_argmax(const float *row, int K)
{
    int best = 0;
    for (int k = 1; k < K; k++)
        if (row[k] > row[best])
            best = k;
    return best;
}

double metrics_accuracy(const int *pred, const int *labels, size_t n)
{
    if (n == 0) {
        nn_error("pass at least one example (is the split empty?)",
                 "metrics_accuracy of 0 examples: expected n >= 1");
        return NAN;
    }
    size_t correct = 0;
    for (size_t i = 0; i < n; i++)
        correct += pred[i] == labels[i];
    return (double)correct / (double)n;
}

double metrics_accuracy_scores(const float *scores, const int *labels, int B, int K)
{
    if (B <= 0 || K <= 0) {
        nn_error("pass at least one example and one class",
                 "metrics_accuracy_scores of a (%d, %d) score matrix: expected B >= 1 and K >= 1", B, K);
        return NAN;
    }
    int correct = 0;
    for (int b = 0; b < B; b++) {
        if (labels[b] < 0 || labels[b] >= K) {
            nn_error("labels index the columns of the scores: are the scores (B, K) with K = the "
                     "number of classes?",
                     "metrics_accuracy_scores: labels[%d] is %d: expected 0 .. %d", b, labels[b], K - 1);
            return NAN;
        }
        const float *row = scores + (size_t)b * K;
        for (int k = 0; k < K; k++)
            if (!isfinite(row[k])) {
                nn_error("NaN or Inf scores mean the model diverged: lower the learning rate, "
                         "check the inputs with prep_check_finite",
                         "metrics_accuracy_scores: scores[%d][%d] is %g: expected a finite number", b, k,
                         row[k]);
                return NAN;
            }
        correct += metrics_argmax(row, K) == labels[b];
    }
    return (double)correct / B;
}
