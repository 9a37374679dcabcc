/* clip.h — gradient clipping: by global norm and by value.
 *
 * A single bad batch, or a steep wall of the loss (chapter 8's recurrent networks meet them all
 * the time), can produce a gradient thousands of times larger than usual, and one step along it
 * throws the parameters far away. Clipping bounds the step:
 *
 *   by norm:  ||g|| = sqrt(sum over ALL tensors of sum_i g_i^2)   (the global norm)
 *             if ||g|| > max_norm:  g <- g max_norm / (||g|| + 1e-6)   (PyTorch's clip_grad_norm_)
 *             keeps the direction, shortens the vector;
 *   by value: g_i <- min(max(g_i, -c), c)   each component separately; changes the direction.
 *
 * Threads: every function is safe from any thread (no state).
 * Prefixes: clip_
 */
#ifndef NN_CLIP_H
#define NN_CLIP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Clip the k gradient tensors grads[j] (sizes[j] floats each) together by their global norm.
 * Returns the norm BEFORE clipping (log it: a spike says why training jumped). max_norm > 0. */
double clip_grad_norm(float *const *grads, const size_t *sizes, int k, float max_norm);

/* The same for one flat block g (n). */
double clip_grad_norm_flat(float *g, size_t n, float max_norm);

/* g_i <- clamp(g_i, -c, c), c > 0.  g: (n). Returns how many components were clipped. */
size_t clip_grad_value(float *g, size_t n, float c);

#ifdef __cplusplus
}
#endif

#endif
