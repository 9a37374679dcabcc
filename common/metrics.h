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
 */
#ifndef NN_METRICS_H
#define NN_METRICS_H

#include <stddef.h>

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
} metrics_regression;
metrics_regression metrics_regression_all(const float *pred, const float *target, size_t n);

/* Index of the largest of row[0..K) (the first one on ties).  row: (K), K >= 1. */
int metrics_argmax(const float *row, int K);

/* Fraction of pred[i] == labels[i].  pred, labels: (n). */
double metrics_accuracy(const int *pred, const int *labels, size_t n);

/* Accuracy of class scores (logits or probabilities): the arg max of each row against its label.
 * scores: (B, K), labels: (B) in [0, K). */
double metrics_accuracy_scores(const float *scores, const int *labels, int B, int K);

#endif
