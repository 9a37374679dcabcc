/* Tests of metrics.h: hand-computed cases, the edge cases R² is famous for, and the errors. */
#include "error.h"
#include "metrics.h"

#include "capture.h"

#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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
    metrics_regression_t m = metrics_regression_all(PRED, TARGET, 4);
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

/* --- confusion matrix, per-class ratios, ROC / PR (chapter 6) ------------------------------- */

/* 3 classes, 8 examples. labels 0 0 0 1 1 2 2 2, predictions 0 1 0 1 2 2 2 0:
 * cm = [[2 1 0], [0 1 1], [1 0 2]].
 * class 0: TP 2, FP 1 (the 2 predicted 0), FN 1, TN 4: P 2/3, R 2/3, spec 4/5, F1 2/3
 * class 1: TP 1, FP 1, FN 1, TN 5: P 1/2, R 1/2, spec 5/6, F1 1/2
 * class 2: TP 2, FP 1, FN 1, TN 4: P 2/3, R 2/3, spec 4/5, F1 2/3
 * accuracy 5/8 = micro F1; macro F1 = (2/3 + 1/2 + 2/3) / 3 = 11/18 */
Test(metrics, confusion_matrix_and_per_class_by_hand)
{
    const int labels[8] = {0, 0, 0, 1, 1, 2, 2, 2}, pred[8] = {0, 1, 0, 1, 2, 2, 2, 0};
    long cm[9];
    cr_assert(metrics_confusion(cm, pred, labels, 8, 3) == 0);
    const long want[9] = {2, 1, 0, 0, 1, 1, 1, 0, 2};
    for (int i = 0; i < 9; i++)
        cr_assert_eq(cm[i], want[i], "cm[%d][%d] = %ld, expected %ld", i / 3, i % 3, cm[i], want[i]);
    metrics_class_t pc[3];
    metrics_per_class(pc, cm, 3);
    cr_assert(pc[0].tp == 2 && pc[0].fp == 1 && pc[0].fn == 1 && pc[0].tn == 4, "class 0 counts");
    cr_assert_float_eq(pc[0].precision, 2.0 / 3, 1e-12);
    cr_assert_float_eq(pc[0].specificity, 0.8, 1e-12);
    cr_assert_float_eq(pc[1].f1, 0.5, 1e-12);
    cr_assert_float_eq(pc[1].specificity, 5.0 / 6, 1e-12);
    metrics_summary_t s = metrics_summarize(cm, 3);
    cr_assert_float_eq(s.accuracy, 5.0 / 8, 1e-12);
    cr_assert_float_eq(s.micro_f1, 5.0 / 8, 1e-12, "micro F1 equals accuracy for single-label data");
    cr_assert_float_eq(s.macro_f1, 11.0 / 18, 1e-12, "macro F1 %g, expected 11/18", s.macro_f1);
}

Test(metrics, a_class_never_predicted_has_precision_0)
{
    const int labels[3] = {0, 1, 1}, pred[3] = {1, 1, 1};
    long cm[4];
    metrics_confusion(cm, pred, labels, 3, 2);
    metrics_class_t pc[2];
    metrics_per_class(pc, cm, 2);
    cr_assert(pc[0].precision == 0 && pc[0].recall == 0 && pc[0].f1 == 0, "0/0 is defined as 0");
}

/* scores 0.9 0.8 0.7 0.6 0.5 0.4, labels 1 0 1 1 0 0: of the 3 x 3 positive-negative pairs, the
 * positive scores higher in 1*3 (0.9) + 2 (0.7: above 0.6? no, 0.7 vs negatives 0.8 0.5 0.4: 2)
 * + 2 (0.6) = 7 pairs: AUC = 7/9.  ROC points: (0,0) (0,1/3) (1/3,1/3) (1/3,2/3) (1/3,1) (2/3,1) (1,1).
 * PR: precision at each cut 1/1, 1/2, 2/3, 3/4, 3/5, 3/6 with recall 1/3, 1/3, 2/3, 1, 1, 1:
 * AP = 1/3 * 1 + 1/3 * 2/3 + 1/3 * 3/4 = 0.8055... */
Test(metrics, roc_auc_and_average_precision_by_hand)
{
    const float sc[6] = {0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f};
    const int y[6] = {1, 0, 1, 1, 0, 0};
    double fpr[7], tpr[7];
    int m = metrics_roc_curve(fpr, tpr, sc, y, 6);
    cr_assert_eq(m, 7, "6 distinct scores give 7 ROC points, got %d", m);
    cr_assert(fpr[1] == 0 && fabs(tpr[1] - 1.0 / 3) < 1e-12 && fpr[6] == 1 && tpr[6] == 1, "ROC points");
    cr_assert_float_eq(metrics_roc_auc(sc, y, 6), 7.0 / 9, 1e-12, "AUC: expected 7/9");
    cr_assert_float_eq(metrics_average_precision(sc, y, 6), (1 + 2.0 / 3 + 0.75) / 3, 1e-12, "AP");
}

Test(metrics, auc_closed_forms)
{
    /* ties: all scores equal gives the diagonal, AUC 1/2; perfect ranking 1; reversed 0 */
    const float same[4] = {1, 1, 1, 1}, up[4] = {1, 2, 3, 4};
    const int y[4] = {0, 1, 0, 1}, sorted[4] = {0, 0, 1, 1};
    cr_assert_float_eq(metrics_roc_auc(same, y, 4), 0.5, 1e-12, "all tied: AUC 1/2");
    cr_assert_float_eq(metrics_roc_auc(up, sorted, 4), 1.0, 1e-12, "perfect ranking: AUC 1");
    const int rev[4] = {1, 1, 0, 0};
    cr_assert_float_eq(metrics_roc_auc(up, rev, 4), 0.0, 1e-12, "reversed ranking: AUC 0");
    /* Two unit-variance Gaussians a distance d apart: AUC = Phi(d / sqrt 2) (closed form).
     * With scores placed at the normal quantiles, n = 2000 each, d = 1: Phi(0.7071) = 0.76025 */
    enum { n = 2000 };
    static float s[2 * n];
    static int l[2 * n];
    for (int i = 0; i < n; i++) {
        /* inverse normal CDF by bisection on erfc */
        double p = (i + 0.5) / n, lo = -10, hi = 10;
        for (int k = 0; k < 60; k++) {
            double mid = (lo + hi) / 2;
            if (0.5 * erfc(-mid / sqrt(2)) < p) lo = mid; else hi = mid;
        }
        s[i] = (float)lo, l[i] = 0;
        s[n + i] = (float)lo + 1, l[n + i] = 1;
    }
    double auc = metrics_roc_auc(s, l, 2 * n);
    cr_assert(fabs(auc - 0.76025) < 2e-3, "Gaussian classes 1 std apart: AUC %g, expected Phi(1/sqrt 2) = 0.76025", auc);
}

static void auc_one_class(void *arg)
{
    (void)arg;
    const float s[2] = {1, 2};
    const int y[2] = {1, 1};
    double a = metrics_roc_auc(s, y, 2);
    exit(isnan(a) ? 0 : 5);
}

static void confusion_bad_label(void *arg)
{
    (void)arg;
    const int y[2] = {0, 3}, p[2] = {0, 0};
    long cm[9];
    exit(metrics_confusion(cm, p, y, 2, 3) == -1 ? 0 : 5);
}

Test(metrics, classification_errors_are_reported)
{
    char err[1024];
    int st = capture_stderr(auc_one_class, NULL, err, sizeof err);
    cr_assert(st == 0 && strstr(err, "2 positive and 0 negative") && strstr(err, "hint"),
              "AUC with one class: expected NAN and a message, got status %d: %s", st, err);
    st = capture_stderr(confusion_bad_label, NULL, err, sizeof err);
    cr_assert(st == 0 && strstr(err, "label 3") && strstr(err, "hint"),
              "label out of range: expected -1 and a message, got status %d: %s", st, err);
}

/* Issue 9: the ROC/PR sort kept the scores in a hidden global for qsort's comparator, so two
 * threads computing curves at once could sort one array by the other's scores. Two threads,
 * each with its own data whose AUC is known, many times over: every answer must be its own. */
enum { AUC_N = 20000, AUC_REPS = 40 };
typedef struct {
    float scores[AUC_N];
    int labels[AUC_N];
    double expected;
    int wrong;
} auc_job;

static void *auc_many_times(void *arg)
{
    auc_job *j = arg;
    for (int r = 0; r < AUC_REPS; r++)
        j->wrong += fabs(metrics_roc_auc(j->scores, j->labels, AUC_N) - j->expected) > 1e-12;
    return NULL;
}

Test(metrics, roc_auc_from_two_threads_at_once)
{
    static auc_job jobs[2];
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < AUC_N; i++) {
            /* job 0: positives score above every negative (AUC 1); job 1: below every one (AUC 0) */
            jobs[k].labels[i] = i % 2;
            jobs[k].scores[i] = (float)(k == 0 ? (i % 2) * AUC_N + i : (1 - i % 2) * AUC_N + i);
        }
        jobs[k].expected = k == 0 ? 1.0 : 0.0;
        jobs[k].wrong = 0;
    }
    pthread_t t[2];
    for (int k = 0; k < 2; k++)
        pthread_create(&t[k], NULL, auc_many_times, &jobs[k]);
    for (int k = 0; k < 2; k++)
        pthread_join(t[k], NULL);
    for (int k = 0; k < 2; k++)
        cr_assert_eq(jobs[k].wrong, 0, "thread %d: %d of %d AUCs were not %g: the sort must not share state "
                     "between threads. Hint: sort (score, index) pairs, not indices through a global.", k,
                     jobs[k].wrong, AUC_REPS, jobs[k].expected);
}

/* A "model" whose logits for a row x (d = 1) are (x, 0): class 0 wins when x > 0. It records the
 * chunks it is asked for. */
typedef struct {
    float z[3 * 2];
    int calls, firsts[4], sizes[4];
} toy_model;

static const float *toy_logits(void *ctx, const float *x, int first, int b)
{
    toy_model *m = ctx;
    m->firsts[m->calls] = first, m->sizes[m->calls++] = b;
    for (int r = 0; r < b; r++)
        m->z[2 * r] = x[r], m->z[2 * r + 1] = 0;
    return m->z;
}

Test(metrics, evaluate_in_chunks)
{
    /* 5 rows, chunks of 3 then 2. Labels: x = 2 (0, right), -1 (1, right), 0 (0: a tie goes to
     * class 0, right), 3 (1, wrong), -2 (0, wrong): accuracy 3/5. The loss of a row with logits
     * (x, 0) and label 0 is log(1 + e^-x), label 1: log(1 + e^x). */
    const float x[5] = {2, -1, 0, 3, -2};
    const int y[5] = {0, 1, 0, 1, 0};
    toy_model m = {0};
    metrics_eval_t e = metrics_evaluate(x, y, 5, 1, 2, 3, toy_logits, &m);
    double want = (log1p(exp(-2.0)) + log1p(exp(-1.0)) + log(2.0) + log1p(exp(3.0)) + log1p(exp(2.0))) / 5;
    cr_assert(m.calls == 2 && m.firsts[0] == 0 && m.sizes[0] == 3 && m.firsts[1] == 3 && m.sizes[1] == 2,
              "expected chunks [0, 3) and [3, 5), got %d calls", m.calls);
    cr_assert_float_eq(e.accuracy, 0.6, 1e-12, "accuracy: expected 3/5, got %g", e.accuracy);
    cr_assert(fabs(e.loss - want) < 1e-6, "loss: expected %.7f, got %.7f", want, e.loss);
}

static void count_errors(void *ctx, const char *file, int line, const char *message, const char *hint)
{
    (void)file, (void)line, (void)hint;
    if (strstr(message, "metrics_evaluate: 0 examples"))
        ++*(int *)ctx;
}

static const float *refuses(void *ctx, const float *x, int first, int b)
{
    (void)ctx, (void)x, (void)first, (void)b;
    return NULL; /* as mlp_forward does for a batch it cannot take, after reporting */
}

/* No examples used to give loss 0 and accuracy 0, which reads as a perfect loss; a model that
 * refused its chunk (NULL logits) was read through a NULL pointer. Both are NaN now. */
Test(metrics, evaluate_nothing_or_a_refused_chunk_is_nan)
{
    const float x[2] = {1, 2};
    const int y[2] = {0, 1};
    toy_model m = {0};
    int errors = 0;
    nn_set_error_sink(count_errors, &errors);
    metrics_eval_t e = metrics_evaluate(x, y, 0, 1, 2, 3, toy_logits, &m);
    nn_set_error_sink(NULL, NULL);
    cr_assert(isnan(e.loss) && isnan(e.accuracy) && errors == 1 && m.calls == 0,
              "no examples: expected NaN, NaN and one error, got %g, %g and %d error(s)", e.loss, e.accuracy, errors);
    e = metrics_evaluate(x, y, 2, 1, 2, 3, refuses, NULL);
    cr_assert(isnan(e.loss) && isnan(e.accuracy), "a refused chunk: expected NaN, NaN, got %g, %g", e.loss, e.accuracy);
}
