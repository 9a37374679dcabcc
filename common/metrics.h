/* metrics.h — how good is a model? Numbers to report, not to train on.
 *
 * A loss is what training minimizes; a metric is what a person reads. They are sometimes the same
 * formula (the MSE) but answer different questions: a metric should mean something in the units
 * of the problem (RMSE, MAE) or on a fixed scale (R², accuracy), so that models, datasets and
 * runs can be compared. Everything here is computed in double precision over float inputs.
 *
 * Regression, with predictions p and targets t of length n, and t̄ the mean of t:
 *
 *   MSE  = 1/n sum (p_i - t_i)^2                 mean squared error, in squared units of t
 *   RMSE = sqrt(MSE)                             the same, back in the units of t
 *   MAE  = 1/n sum |p_i - t_i|                   mean absolute error (the L1 loss): less swayed
 *                                                by a few large errors than the RMSE
 *   R²   = 1 - sum (p_i - t_i)^2 / sum (t_i - t̄)^2
 *                                                the fraction of the variance of t the model
 *                                                explains: 1 is perfect, 0 is no better than
 *                                                always predicting t̄, negative is worse than that
 *
 * Classification: the accuracy, the fraction of examples whose predicted class (the arg max of
 * the scores) equals the label.
 *
 * Errors: a metric of nothing (n = 0), a non-finite input (NaN or ±Inf), a label out of range, or
 * an R² of a constant target (0/0) is reported with nn_error (what, where, a hint) and the
 * function returns NAN: metrics never exit, and a caller that goes on with the NAN is stopped by
 * nn_check_finite.
 *
 * Threads: every function is safe from any thread (no state).
 * Prefixes: metrics_
 */
#ifndef NN_METRICS_H
#define NN_METRICS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Mean squared error.  pred, target: (n). */
double metrics_mse(const float *pred, const float *target, size_t n);

/* Root mean squared error, sqrt(MSE).  pred, target: (n). */
double metrics_rmse(const float *pred, const float *target, size_t n);

/* Mean absolute error (L1).  pred, target: (n). */
double metrics_mae(const float *pred, const float *target, size_t n);

/* Coefficient of determination R².  pred, target: (n). NAN (reported) if target is constant. */
double metrics_r2(const float *pred, const float *target, size_t n);

/* All four at once (one pass over the data for each). */
typedef struct {
    double mse, rmse, mae, r2;
} metrics_regression_t;
metrics_regression_t metrics_regression_all(const float *pred, const float *target, size_t n);

/* Index of the largest of row[0..K) (the first one on ties).  row: (K), K >= 1. */
int metrics_argmax(const float *row, int K);

/* Fraction of pred[i] == labels[i].  pred, labels: (n). */
double metrics_accuracy(const int *pred, const int *labels, size_t n);

/* Accuracy of class scores (logits or probabilities): the arg max of each row against its label.
 * scores: (B, K), labels: (B) in [0, K). */
double metrics_accuracy_scores(const float *scores, const int *labels, int B, int K);

/* --- evaluating a classifier on a whole dataset, in chunks -------------------------------------
 *
 * A model's forward pass on all of a dataset at once would need activations for every example;
 * evaluation goes through it in chunks of a few hundred rows instead, and adds up. The model is
 * a callback: given the rows [first, first + b) of the dataset (x (b, d), contiguous), it returns
 * their logits (b, K), in memory of its own (a layer's output buffer) that stays valid until the
 * next call. */
typedef const float *(*metrics_logits_fn_t)(void *ctx, const float *x, int first, int b);

typedef struct {
    double loss;     /* mean softmax cross-entropy of the logits against the labels */
    double accuracy; /* fraction of rows whose arg max is the label */
} metrics_eval_t;

/* Mean cross-entropy and accuracy of the logits `logits(ctx, ...)` gives for every example of
 * `ds` (whose x is (n, d) and y (n) in [0, K)), chunk rows at a time (chunk >= 1; the last chunk
 * may be shorter). Sums in double. An empty dataset (n < 1), or logits returning NULL (the model
 * refused a chunk, and reported why), gives NaN and NaN; the empty dataset is reported here. */
metrics_eval_t metrics_evaluate(const float *x, const int *y, int n, int d, int K, int chunk,
                                metrics_logits_fn_t logits, void *ctx);

/* --- classification in detail (chapter 6) ------------------------------------------------------
 *
 * The confusion matrix C (K, K) counts C[t][p] = the examples of true class t predicted as p; its
 * diagonal holds the correct ones. One class k against the rest gives four counts:
 *
 *   TP = C[k][k]   FP = sum_t C[t][k] - TP   FN = sum_p C[k][p] - TP   TN = n - TP - FP - FN
 *
 *   precision   = TP / (TP + FP)    of the examples called k, the fraction that are k
 *   recall      = TP / (TP + FN)    of the examples that are k, the fraction found (sensitivity, TPR)
 *   specificity = TN / (TN + FP)    of the examples that are not k, the fraction left alone (1 - FPR)
 *   F1          = 2 P R / (P + R)   their harmonic mean = 2 TP / (2 TP + FP + FN)
 *
 * A ratio 0/0 (a class never predicted, or absent) is defined as 0, scikit-learn's default.
 * Macro averages are the plain means over the K classes (every class counts the same, however
 * rare); the micro average pools the counts, and for single-label data micro F1 = accuracy.
 *
 * Scores and thresholds (binary: labels 0/1, a score per example, larger = more positive). Calling
 * "positive" every example with score >= s, for every threshold s from +inf down, traces
 *
 *   ROC curve   (FPR, TPR) from (0, 0) to (1, 1);  AUC = its area = P(score of a random positive >
 *               score of a random negative) + 1/2 P(equal)  (the Mann–Whitney U statistic / (P N))
 *   PR curve    (recall, precision);  average precision AP = sum_k (R_k - R_{k-1}) P_k
 *
 * Examples with equal scores cross a threshold together: a curve has one point per DISTINCT
 * score (ties give a diagonal segment on the ROC curve, hence the 1/2 above). */

/* Fill cm (K, K) with counts: cm[t * K + p]. pred, labels: (n) in [0, K).
 * Returns 0, or -1 (reported) for a label or prediction out of range or K < 1. */
int metrics_confusion(long *cm, const int *pred, const int *labels, size_t n, int K);

typedef struct {
    long tp, fp, fn, tn;
    double precision, recall, specificity, f1;
} metrics_class_t;

/* One-vs-rest counts and ratios of every class from a confusion matrix.  cm: (K, K), out: (K). */
void metrics_per_class(metrics_class_t *out, const long *cm, int K);

typedef struct {
    double accuracy, macro_precision, macro_recall, macro_f1, micro_f1;
} metrics_summary_t;

/* Accuracy and the macro / micro averages from a confusion matrix (K, K). */
metrics_summary_t metrics_summarize(const long *cm, int K);

/* ROC curve of scores (n) against labels (n) in {0, 1}: writes up to n + 1 points into fpr and
 * tpr (each of room n + 1), from (0, 0) to (1, 1), one per distinct score, and returns their
 * number; -1 (reported) if a label is not 0/1, a score not finite, or a class is missing. */
int metrics_roc_curve(double *fpr, double *tpr, const float *scores, const int *labels, size_t n);

/* Area under the ROC curve (trapezoids over metrics_roc_curve; equal to the Mann–Whitney form
 * with ties counting 1/2). NAN (reported) on the errors above. */
double metrics_roc_auc(const float *scores, const int *labels, size_t n);

/* Precision–recall curve: up to n + 1 points (recall, precision), starting at recall 0 with
 * precision 1 (sklearn's convention), one per distinct score; returns their number or -1. */
int metrics_pr_curve(double *recall, double *precision, const float *scores, const int *labels, size_t n);

/* Average precision, sum_k (R_k - R_{k-1}) P_k over the points of metrics_pr_curve. NAN on error. */
double metrics_average_precision(const float *scores, const int *labels, size_t n);

#ifdef __cplusplus
}
#endif

#endif
