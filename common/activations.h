/* activations.h — elementwise nonlinearities and their derivatives, as forward/backward pairs.
 *
 * Every pair follows one convention:
 *
 *   NAME_forward (float *y,  const float *x, size_t n)                          y = f(x)
 *   NAME_backward(float *dx, const float *dy, const float *x, const float *y, size_t n)
 *                                                                   dx = dy * f'(x)  (elementwise)
 *
 * x is what the forward pass received and y what it returned (both (n), any shape flattened);
 * backward uses whichever makes f' cheapest (sigmoid: y (1 - y); relu: x > 0) and ignores the
 * other, which may then be NULL where the comment says so. dx may alias dy (in-place backward),
 * y may alias x (in-place forward) unless the comment says otherwise. Outputs are overwritten.
 *
 * The formulas (chapter 3 derives each derivative):
 *   identity   f = x                                 f' = 1
 *   step       f = [x >= 0]                          f' = 0 (almost everywhere; undefined at 0)
 *   sigmoid    s = 1 / (1 + e^-x)                    f' = s (1 - s)
 *   tanh       t = tanh x                            f' = 1 - t^2
 *   relu       max(0, x)                             f' = [x > 0]   (0 chosen at x = 0)
 *   leaky relu x if x > 0 else a x                   f' = 1 or a
 *   prelu      leaky relu with a learned slope a_c per channel (also gives dL/da)
 *   elu        x if x > 0 else a (e^x - 1)           f' = 1 or y + a
 *   softplus   log(1 + e^x)                          f' = sigmoid(x)
 *   gelu       x Phi(x) (Phi: standard normal CDF)   f' = Phi(x) + x phi(x)
 *   silu/swish x sigmoid(x)                          f' = s (1 + x (1 - s))
 *   mish       x tanh(softplus(x))                   f' = t + x sigmoid(x) (1 - t^2)
 *   maxout     max over groups of k inputs           routes dy to the winner of each group
 *   glu        a * sigmoid(b), x = [a | b]           da = dy s,  db = dy a s (1 - s)
 *   softmax    in loss.h with the rest of the softmax family (softmax_forward, softmax_backward)
 *
 * Threads: every function is safe from any thread (no state).
 * Prefixes: identity_, step_, sigmoid_, tanh_act_, relu_, leaky_relu_, prelu_, elu_, softplus_, gelu_, silu_,
 *           mish_, maxout_, glu_
 */
#ifndef NN_ACTIVATIONS_H
#define NN_ACTIVATIONS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* identity: y = x; dx = dy. x, y unused by backward (may be NULL). */
void identity_forward(float *y, const float *x, size_t n);
void identity_backward(float *dx, const float *dy, const float *x, const float *y, size_t n);

/* binary step: y = 1 if x >= 0 else 0; dx = 0 (the derivative is 0 wherever it exists, which
 * is why step networks cannot be trained by gradient descent). x, y unused by backward. */
void step_forward(float *y, const float *x, size_t n);
void step_backward(float *dx, const float *dy, const float *x, const float *y, size_t n);

/* sigmoid: backward uses y only (x may be NULL). Stable for large |x| (never exp of a large
 * positive number). */
void sigmoid_forward(float *y, const float *x, size_t n);
void sigmoid_backward(float *dx, const float *dy, const float *x, const float *y, size_t n);

/* tanh (named tanh_act: libm owns tanh): backward uses y only. */
void tanh_act_forward(float *y, const float *x, size_t n);
void tanh_act_backward(float *dx, const float *dy, const float *x, const float *y, size_t n);

/* relu: backward uses x only (y may be NULL). NaN in, NaN out (as PyTorch): a NaN is never
 * turned into 0, which would hide it from the loss while the weight gradient still carries it. */
void relu_forward(float *y, const float *x, size_t n);
void relu_backward(float *dx, const float *dy, const float *x, const float *y, size_t n);

/* leaky relu with slope `a` for x <= 0 (0.01 is usual): backward uses x only. */
void leaky_relu_forward(float *y, const float *x, size_t n, float a);
void leaky_relu_backward(float *dx, const float *dy, const float *x, const float *y, size_t n, float a);

/* prelu: leaky relu whose slope is a parameter, one per channel.  x, y, dx, dy: (B, C),
 * alpha, dalpha: (C).  Backward overwrites dx (may be NULL) and dalpha (may be NULL):
 * dalpha_c = sum_b dy[b,c] * (x[b,c] <= 0 ? x[b,c] : 0). */
void prelu_forward(float *y, const float *x, const float *alpha, int B, int C);
void prelu_backward(float *dx, float *dalpha, const float *dy, const float *x, const float *alpha,
                    int B, int C);

/* elu with scale `a` (1.0 is usual): backward uses x and y. */
void elu_forward(float *y, const float *x, size_t n, float a);
void elu_backward(float *dx, const float *dy, const float *x, const float *y, size_t n, float a);

/* softplus = log(1 + e^x), computed stably as max(x, 0) + log1p(e^-|x|): backward uses x. */
void softplus_forward(float *y, const float *x, size_t n);
void softplus_backward(float *dx, const float *dy, const float *x, const float *y, size_t n);

/* gelu, the exact form x Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2 (PyTorch's default):
 * backward uses x. */
void gelu_forward(float *y, const float *x, size_t n);
void gelu_backward(float *dx, const float *dy, const float *x, const float *y, size_t n);

/* silu = swish = x sigmoid(x): backward uses x. */
void silu_forward(float *y, const float *x, size_t n);
void silu_backward(float *dx, const float *dy, const float *x, const float *y, size_t n);

/* mish = x tanh(softplus(x)): backward uses x. */
void mish_forward(float *y, const float *x, size_t n);
void mish_backward(float *dx, const float *dy, const float *x, const float *y, size_t n);

/* maxout: x (B, C*k) holds C groups of k consecutive units per row; y (B, C) the maximum of
 * each group and argmax (B, C) which unit of the group won (0..k-1, the first on ties; a NaN
 * beats every number, so a group with a NaN gives NaN, as PyTorch's max).
 * Backward: dx (B, C*k) is overwritten: dy goes to each group's winner, 0 elsewhere. */
void maxout_forward(float *y, int *argmax, const float *x, int B, int C, int k);
void maxout_backward(float *dx, const float *dy, const int *argmax, int B, int C, int k);

/* glu (gated linear unit): x (B, 2C) = [a | b] per row (a: the first C columns), y (B, C) =
 * a * sigmoid(b).  Backward overwrites dx (B, 2C). */
void glu_forward(float *y, const float *x, int B, int C);
void glu_backward(float *dx, const float *dy, const float *x, int B, int C);

#ifdef __cplusplus
}
#endif

#endif
