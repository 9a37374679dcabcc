/* norm.h — normalization layers: batch, layer, instance and group norm (chapter 6 derives them).
 *
 * Every normalization layer does the same thing to a group of n numbers x_1..x_n: subtract their
 * mean, divide by their standard deviation, then rescale and shift with learned parameters:
 *
 *   mu = 1/n sum x_i     var = 1/n sum (x_i - mu)^2     rstd = 1 / sqrt(var + eps)
 *   xhat_i = (x_i - mu) rstd                           y_i = gamma_c xhat_i + beta_c
 *
 * (gamma, beta per channel c; eps 1e-5 as in PyTorch). They differ only in WHICH numbers form a
 * group. Layout: x is (B, C, S) row-major, B examples, C channels, S positions per channel (S = 1
 * for the features of an MLP, S = H*W for an image):
 *
 *   batch norm     one group per channel c: all B*S values of c across the batch
 *   layer norm     one group per example: its C*S values (for rows of (N, D): the D features)
 *   instance norm  one group per (example, channel): S values
 *   group norm     G groups of C/G consecutive channels per example: (C/G)*S values each;
 *                  G = 1 is layer norm over (C, S), G = C is instance norm
 *
 * Backward. With dxhat_i = dy_i gamma_c and sums over the group (derivation in chapter 6):
 *
 *   dx_i = rstd / n * (n dxhat_i - sum_j dxhat_j - xhat_i sum_j dxhat_j xhat_j)
 *   dgamma_c = sum dy_i xhat_i,   dbeta_c = sum dy_i       (over every i of channel c, all groups)
 *
 * Train vs eval: batch norm's statistics depend on the other examples of the batch. In training
 * it uses the batch's own mean and variance and updates running estimates
 *   running_mean <- (1 - m) running_mean + m mu,  running_var <- (1 - m) running_var + m var_unbiased
 * (momentum m = 0.1, var_unbiased = var * n / (n - 1), PyTorch's conventions); in evaluation it
 * uses the running estimates, so a prediction depends on its own input only. Layer, instance and
 * group norm use each example's own statistics: they behave the same in training and evaluation.
 *
 * Ownership: the caller owns every buffer; nothing is allocated. The forward functions save mean
 * and rstd (one per group) for the backward pass. Outputs are OVERWRITTEN. Bad sizes (B, C, S
 * < 1, C not divisible by G, batch norm in training with a single value per channel) stop with
 * nn_fatal.
 *
 * Threads: every function is safe from any thread (no state). Group, layer and instance norm run
 * their groups and channels on parallel.h's threads (the same numbers on any number of threads).
 * Prefixes: batchnorm_, layernorm_, groupnorm_, instancenorm_, NORM_
 */
#ifndef NN_NORM_H
#define NN_NORM_H

#ifdef __cplusplus
extern "C" {
#endif

#define NORM_EPS 1e-5f
#define NORM_MOMENTUM 0.1f

/* ---- batch norm: x, y (B, C, S); gamma, beta, running_mean, running_var, mean, rstd (C) ---- */

/* Training mode: normalize with the batch statistics, save them in mean/rstd (C) and update the
 * running estimates (when running_mean/running_var are not NULL) with the given momentum.
 * Needs B * S >= 2 (the variance of one number is 0: nothing to normalize). */
void batchnorm_forward_train(float *y, float *mean, float *rstd, float *running_mean, float *running_var,
                             const float *x, const float *gamma, const float *beta, int B, int C, int S,
                             float momentum, float eps);

/* Evaluation mode: y = gamma (x - running_mean) / sqrt(running_var + eps) + beta. */
void batchnorm_forward_eval(float *y, const float *x, const float *gamma, const float *beta,
                            const float *running_mean, const float *running_var, int B, int C, int S,
                            float eps);

/* Backward of the training-mode forward. dx (B, C, S) may be NULL; dgamma, dbeta (C) may be NULL.
 * x is the forward input, mean/rstd what the forward saved. */
void batchnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                        const float *mean, const float *rstd, const float *gamma, int B, int C, int S);

/* ---- layer norm: rows of x, y (N, D); gamma, beta (D); mean, rstd (N) ------------------------ */

void layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma,
                       const float *beta, int N, int D, float eps);
void layernorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                        const float *mean, const float *rstd, const float *gamma, int N, int D);

/* ---- group norm: x, y (B, C, S); gamma, beta (C); mean, rstd (B, G); C % G == 0 -------------- */

void groupnorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma,
                       const float *beta, int B, int C, int S, int G, float eps);
void groupnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                        const float *mean, const float *rstd, const float *gamma, int B, int C, int S, int G);

/* ---- instance norm: group norm with G = C; mean, rstd (B, C) --------------------------------- */

void instancenorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma,
                          const float *beta, int B, int C, int S, float eps);
void instancenorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                           const float *mean, const float *rstd, const float *gamma, int B, int C, int S);

#ifdef __cplusplus
}
#endif

#endif
