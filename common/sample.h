/* sample.h — drawing the next symbol from a model's logits, with a temperature.
 *
 * Threads: no state of its own; the rng_t passed in belongs to the calling thread.
 * Prefix: sample_.  A language model outputs logits z (V) for the next symbol. Sampling at
 * temperature tau > 0 draws from
 *
 *   p_v = exp(z_v / tau) / sum_u exp(z_u / tau)
 *
 * tau = 1 is the model's own distribution; tau < 1 sharpens it (tau -> 0 is argmax, "greedy"),
 * tau > 1 flattens it toward uniform. The temperature divides the LOGITS: dividing the
 * probabilities instead would be undone by the renormalization. The maximum is subtracted before
 * exp so that small tau cannot overflow.
 */
#ifndef NN_SAMPLE_H
#define NN_SAMPLE_H

#include "rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* p (V) = softmax(z / tau), z (V), tau > 0. */
void sample_softmax(float *p, const float *z, int V, float tau);

/* Draw v with probability p_v (p sums to 1), by inverting the cumulative sum at one uniform
 * number. Returns the index; a rounding shortfall falls on the last nonzero p_v. */
int sample_draw(const float *p, int V, rng_t *rng);

/* sample_softmax then sample_draw; tau == 0 means argmax. scratch: (V). */
int sample_logits(float *scratch, const float *z, int V, float tau, rng_t *rng);

#ifdef __cplusplus
}
#endif

#endif
