/* metrics.c — see metrics.h. */
#include "metrics.h"

#include "error.h"
#include "loss.h"

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

metrics_regression_t metrics_regression_all(const float *pred, const float *target, size_t n)
{
    metrics_regression_t m;
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

/* --- classification in detail ----------------------------------------------------------------- */

#include <stdlib.h>
#include <string.h>

int metrics_confusion(long *cm, const int *pred, const int *labels, size_t n, int K)
{
    if (K < 1) {
        nn_error("K is the number of classes", "metrics_confusion: K = %d, expected >= 1", K);
        return -1;
    }
    memset(cm, 0, (size_t)K * K * sizeof(long));
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] >= K || pred[i] < 0 || pred[i] >= K) {
            nn_error("classes are numbered 0 .. K-1: is K right, and are the predictions arg maxes?",
                     "metrics_confusion: example %zu has label %d and prediction %d: expected both in [0, %d)",
                     i, labels[i], pred[i], K);
            return -1;
        }
        cm[(size_t)labels[i] * K + pred[i]]++;
    }
    return 0;
}

static double ratio(long a, long b) { return b > 0 ? (double)a / (double)b : 0.0; }

void metrics_per_class(metrics_class_t *out, const long *cm, int K)
{
    long n = 0;
    for (int i = 0; i < K * K; i++)
        n += cm[i];
    for (int k = 0; k < K; k++) {
        long tp = cm[(size_t)k * K + k], col = 0, row = 0;
        for (int j = 0; j < K; j++)
            col += cm[(size_t)j * K + k], row += cm[(size_t)k * K + j];
        metrics_class_t c = {.tp = tp, .fp = col - tp, .fn = row - tp};
        c.tn = n - c.tp - c.fp - c.fn;
        c.precision = ratio(c.tp, c.tp + c.fp);
        c.recall = ratio(c.tp, c.tp + c.fn);
        c.specificity = ratio(c.tn, c.tn + c.fp);
        c.f1 = ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
        out[k] = c;
    }
}

metrics_summary_t metrics_summarize(const long *cm, int K)
{
    metrics_class_t *pc = nn_malloc((size_t)K * sizeof *pc);
    metrics_per_class(pc, cm, K);
    metrics_summary_t s = {0};
    long n = 0, correct = 0, fp = 0, fn = 0;
    for (int k = 0; k < K; k++) {
        s.macro_precision += pc[k].precision / K;
        s.macro_recall += pc[k].recall / K;
        s.macro_f1 += pc[k].f1 / K;
        correct += pc[k].tp, fp += pc[k].fp, fn += pc[k].fn;
        for (int j = 0; j < K; j++)
            n += cm[(size_t)k * K + j];
    }
    s.accuracy = ratio(correct, n);
    s.micro_f1 = ratio(2 * correct, 2 * correct + fp + fn);
    free(pc);
    return s;
}

/* An example's score and index, sorted together: the comparator needs no outside state, so two
 * threads may compute curves at once. Descending by score; ties in any order (grouped below). */
typedef struct {
    float score;
    int index;
} scored;

static int by_score_desc(const void *a, const void *b)
{
    float x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    return (x < y) - (x > y);
}

/* The cumulative (TP, FP) after each group of equal scores, highest first: fills tp, fp (room
 * n + 1, starting with 0, 0) and returns the number of points, or -1 after reporting. */
static int threshold_counts(long *tp, long *fp, long *pos, long *neg, const float *scores, const int *labels,
                            size_t n, const char *op)
{
    *pos = *neg = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] != 0 && labels[i] != 1) {
            nn_error("binary labels are 0 (negative) or 1 (positive); for K classes, take one class against the rest",
                     "%s: labels[%zu] = %d, expected 0 or 1", op, i, labels[i]);
            return -1;
        }
        if (!isfinite(scores[i])) {
            nn_error("a NaN or Inf score means the model diverged", "%s: scores[%zu] = %g, expected a finite number",
                     op, i, scores[i]);
            return -1;
        }
        *pos += labels[i], *neg += !labels[i];
    }
    if (*pos == 0 || *neg == 0) {
        nn_error("the curve needs both classes among the examples: is the subset too small or filtered?",
                 "%s: %ld positive and %ld negative examples, expected at least one of each", op, *pos, *neg);
        return -1;
    }
    scored *order = nn_malloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = (scored){scores[i], (int)i};
    qsort(order, n, sizeof *order, by_score_desc);
    int m = 0;
    long t = 0, f = 0;
    tp[0] = fp[0] = 0;
    for (size_t i = 0; i < n; i++) {
        t += labels[order[i].index], f += !labels[order[i].index];
        if (i + 1 < n && order[i + 1].score == order[i].score)
            continue; /* equal scores cross the threshold together: one point for the group */
        m++;
        tp[m] = t, fp[m] = f;
    }
    free(order);
    return m + 1;
}

int metrics_roc_curve(double *fpr, double *tpr, const float *scores, const int *labels, size_t n)
{
    long *tp = nn_malloc((n + 1) * sizeof(long)), *fp = nn_malloc((n + 1) * sizeof(long)), pos, neg;
    int m = threshold_counts(tp, fp, &pos, &neg, scores, labels, n, "metrics_roc_curve");
    for (int k = 0; k < m; k++)
        fpr[k] = (double)fp[k] / neg, tpr[k] = (double)tp[k] / pos;
    free(tp), free(fp);
    return m;
}

double metrics_roc_auc(const float *scores, const int *labels, size_t n)
{
    double *fpr = nn_malloc((n + 1) * sizeof(double)), *tpr = nn_malloc((n + 1) * sizeof(double));
    int m = metrics_roc_curve(fpr, tpr, scores, labels, n);
    double auc = m < 0 ? NAN : 0;
    for (int k = 1; k < m; k++) /* trapezoids: a tie group is a diagonal segment, worth 1/2 */
        auc += (fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1]) / 2;
    free(fpr), free(tpr);
    return auc;
}

int metrics_pr_curve(double *recall, double *precision, const float *scores, const int *labels, size_t n)
{
    long *tp = nn_malloc((n + 1) * sizeof(long)), *fp = nn_malloc((n + 1) * sizeof(long)), pos, neg;
    int m = threshold_counts(tp, fp, &pos, &neg, scores, labels, n, "metrics_pr_curve");
    for (int k = 0; k < m; k++) {
        recall[k] = (double)tp[k] / pos;
        precision[k] = k == 0 ? 1.0 : (double)tp[k] / (double)(tp[k] + fp[k]);
    }
    free(tp), free(fp);
    return m;
}

double metrics_average_precision(const float *scores, const int *labels, size_t n)
{
    double *r = nn_malloc((n + 1) * sizeof(double)), *p = nn_malloc((n + 1) * sizeof(double));
    int m = metrics_pr_curve(r, p, scores, labels, n);
    double ap = m < 0 ? NAN : 0;
    for (int k = 1; k < m; k++)
        ap += (r[k] - r[k - 1]) * p[k];
    free(r), free(p);
    return ap;
}

metrics_eval_t metrics_evaluate(const float *x, const int *y, int n, int d, int K, int chunk,
                                metrics_logits_fn_t logits, void *ctx)
{
    if (chunk < 1)
        nn_fatal("evaluate in chunks of at least one row", "metrics_evaluate: chunk %d, expected >= 1", chunk);
    const metrics_eval_t failed = {NAN, NAN};
    if (n < 1) { /* a mean over no examples: 0 and 0 would read as a perfect loss and a useless model */
        nn_error("check that the evaluation split is not empty (a split fraction of 0, a selection that "
                 "kept no rows)", "metrics_evaluate: %d examples: expected at least 1", n);
        return failed;
    }
    double loss = 0;
    long correct = 0;
    for (int first = 0; first < n; first += chunk) {
        int b = n - first < chunk ? n - first : chunk;
        const float *z = logits(ctx, x + (size_t)first * d, first, b);
        if (!z) /* the model refused the chunk and said why */
            return failed;
        loss += (double)softmax_cross_entropy(NULL, z, y + first, b, K) * b;
        for (int r = 0; r < b; r++)
            correct += metrics_argmax(z + (size_t)r * K, K) == y[first + r];
    }
    return (metrics_eval_t){loss / n, (double)correct / n};
}
