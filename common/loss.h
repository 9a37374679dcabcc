/* loss.h — loss functions, each a forward/backward pair.
 *
 * A loss turns the model's outputs and the targets into one number to minimize; its backward
 * gives d(loss)/d(outputs), where backpropagation starts. All losses here are means over the
 * batch, so their gradients carry a 1/B factor and the learning rate does not depend on B.
 *
 *   mse:                   L = 1/(B K) sum (y - t)^2                dL/dy = 2 (y - t) / (B K)
 *   binary cross-entropy:  L = -1/B sum t log p + (1-t) log(1-p),  p = sigmoid(z), on logits z
 *                          dL/dz = (p - t) / B
 *   softmax cross-entropy: L = -1/B sum_b log softmax(z_b)[t_b]     dL/dz = (softmax(z) - onehot(t)) / B
 *   ... with label smoothing eps: the one-hot target becomes q = (1 - eps) onehot(t) + eps / K,
 *                          L = -1/B sum_b q_b . log softmax(z_b)       dL/dz = (softmax(z) - q) / B
 *
 * The cross-entropies take logits (pre-activation scores), not probabilities: computing
 * log(softmax) as z - logsumexp(z), with the maximum subtracted first, never overflows exp() and
 * never takes log(0), which the naive log(exp(z) / sum exp(z)) does for large |z|.
 *
 * Errors: an empty batch (B < 1 or K < 1), a label outside [0, K) or a smoothing eps outside
 * [0, 1] is reported (nn_error: what, expected, got, hint) and the loss returns NaN with dz
 * untouched; nothing exits. A training loop's nn_check_finite(loss) then stops the program.
 *
 * Threads: every function is safe from any thread (no state).
 * Prefixes: mse_, bce_, softmax_, log_softmax_
 */
#ifndef NN_LOSS_H
#define NN_LOSS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Mean squared error, the mean over all B*K entries.  y, t: (B, K) -> L.  dy: (B, K) receives
 * dL/dy = 2 (y - t) / (B K); may be NULL (no gradient wanted). */
float mse_loss(float *dy, const float *y, const float *t, int B, int K);

/* Binary cross-entropy on logits, the mean over the batch, computed without overflow for any z.
 * z: (B), t: (B) in [0, 1] -> L.  dz: (B) receives (sigmoid(z) - t) / B; may be NULL. */
float bce_logits_loss(float *dz, const float *z, const float *t, int B);

/* Row-wise softmax, numerically stable.  p, z: (B, K); p may alias z. */
void softmax_forward(float *p, const float *z, int B, int K);

/* softmax's backward, row by row: given p = softmax(z) (B, K) from softmax_forward and
 * dp = dL/dp (B, K):  dz = p * (dp - sum_j dp_j p_j).  dz may alias dp. */
void softmax_backward(float *dz, const float *dp, const float *p, int B, int K);

/* Softmax cross-entropy on logits with integer labels.  z: (B, K), labels: (B) in [0, K) -> L.
 * dz: (B, K) receives (softmax(z) - onehot) / B; may be NULL. A large batch's rows run on all the
 * cores (parallel.h); the result has the same bits on any number of threads. */
float softmax_cross_entropy(float *dz, const float *z, const int *labels, int B, int K);

/* Row-wise log-softmax, numerically stable: out_bk = z_bk - logsumexp(z_b), where
 * logsumexp(z_b) = m + log sum_k exp(z_bk - m) with m = max_k z_bk.  out, z: (B, K); may alias. */
void log_softmax_forward(float *out, const float *z, int B, int K);

/* Softmax cross-entropy with label smoothing (Szegedy et al. 2016, the convention of PyTorch's
 * cross_entropy(label_smoothing=eps)): row b's target is the distribution
 *   q_bk = (1 - eps) [k == t_b] + eps / K,
 * L = -1/B sum_b sum_k q_bk log softmax(z_b)_k, and dL/dz = (softmax(z) - q) / B.
 * eps = 0 gives softmax_cross_entropy. z: (B, K), labels: (B) in [0, K), eps in [0, 1] -> L.
 * dz: (B, K) may be NULL. */
float softmax_cross_entropy_smooth(float *dz, const float *z, const int *labels, int B, int K,
                                   float eps);

#ifdef __cplusplus
}
#endif

#endif
