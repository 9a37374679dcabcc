/* dropout.h — dropout (Srivastava et al. 2014) and DropConnect (Wan et al. 2013), inverted.
 *
 * Dropout: in training, each unit is kept with probability q = 1 - p and set to 0 otherwise; the
 * kept ones are scaled by 1/q ("inverted" dropout), so that the EXPECTED output equals the input:
 *
 *   y_i = m_i x_i,   m_i = 1/q with probability q, 0 with probability p    E[y_i] = x_i
 *   backward:  dx_i = m_i dy_i
 *
 * At evaluation time nothing is dropped and nothing rescaled: y = x (the scaling happened in
 * training, so the test-time network needs no change). p = 0 is the identity, p = 1 is refused.
 *
 * DropConnect drops WEIGHTS instead of activations: each step uses W' = M * W (elementwise) with
 * the same inverted mask M, a fresh one per step (shared by the batch here, as most
 * implementations do); the layer's forward and backward then use W' and the gradient w.r.t. W is
 * dW = M * dW' (chain rule through the elementwise product).
 *
 * The mask is stored as floats (0 or 1/q) so that backward is one multiply. Masks are drawn from
 * the caller's rng_t: deterministic for a seed. p outside [0, 1) stops with nn_fatal.
 *
 * Threads: no state of its own; the rng_t passed in belongs to the calling thread.
 * Prefixes: dropout_, dropconnect_
 */
#ifndef NN_DROPOUT_H
#define NN_DROPOUT_H

#include "rng.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fill mask (n) with 0 (probability p) or 1/(1-p). */
void dropout_mask(float *mask, size_t n, float p, rng_t *rng);

/* Training: draw mask (n) and set y = mask * x.  y may alias x.  x, y, mask: (n) */
void dropout_forward(float *y, float *mask, const float *x, size_t n, float p, rng_t *rng);

/* dx = mask * dy.  dx may alias dy.  (n) */
void dropout_backward(float *dx, const float *dy, const float *mask, size_t n);

/* DropConnect, forward side: draw mask (n) and write the masked weights Wm = mask * W (n).
 * Use Wm in the layer's forward and backward; then dropconnect_backward turns dWm into dW. */
void dropconnect_weights(float *Wm, float *mask, const float *W, size_t n, float p, rng_t *rng);

/* dW = mask * dWm.  dW may alias dWm.  (n) */
void dropconnect_backward(float *dW, const float *dWm, const float *mask, size_t n);

#ifdef __cplusplus
}
#endif

#endif
