/* init.h — initial weights.
 *
 * Where training starts matters: all-equal weights make every unit of a layer compute the same
 * thing forever (the symmetry problem), and weights of the wrong scale make the activations and
 * gradients shrink or grow geometrically with depth (vanishing / exploding gradients). The
 * standard schemes pick the scale so that a layer preserves the variance of what flows through
 * it (chapter 3 derives each):
 *
 *   LeCun  (1998)  Var w = 1 / fan_in                  keeps forward variance, linear/tanh-like units
 *   Xavier (2010)  Var w = 2 / (fan_in + fan_out)      compromise between forward and backward
 *                  uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
 *   He     (2015)  Var w = 2 / fan_in                  ReLU halves the variance: doubles it back
 *
 * fan_in is the number of inputs of a unit, fan_out the number of units an input feeds. The
 * init_<scheme>(w, fan_in, fan_out, rng) functions fill fan_in * fan_out floats: a linear layer's
 * (in, out) weight matrix. For another layout (a convolution's kernels), use init_normal /
 * init_uniform with the scale from init_*_std. Biases usually start at zero.
 *
 * Threads: no state of its own; the rng_t passed in belongs to the calling thread.
 * Prefixes: init_
 */
#ifndef NN_INIT_H
#define NN_INIT_H

#include "rng.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* w[0..n) = 0. */
void init_zeros(float *w, size_t n);

/* w[0..n) = value. */
void init_constant(float *w, size_t n, float value);

/* w[i] ~ U(-a, a). */
void init_uniform(float *w, size_t n, float a, rng_t *rng);

/* w[i] ~ N(0, std^2). */
void init_normal(float *w, size_t n, float std, rng_t *rng);

/* The standard deviations of the schemes above. */
float init_lecun_std(int fan_in);
float init_xavier_std(int fan_in, int fan_out);
float init_he_std(int fan_in);

/* w: (fan_in, fan_out). */
void init_xavier_uniform(float *w, int fan_in, int fan_out, rng_t *rng);
void init_xavier_normal(float *w, int fan_in, int fan_out, rng_t *rng);
void init_he_normal(float *w, int fan_in, int fan_out, rng_t *rng);
void init_he_uniform(float *w, int fan_in, int fan_out, rng_t *rng);   /* a = sqrt(6 / fan_in) */
void init_lecun_normal(float *w, int fan_in, int fan_out, rng_t *rng);

#ifdef __cplusplus
}
#endif

#endif
