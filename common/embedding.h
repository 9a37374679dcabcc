/* embedding.h — a lookup table of learned vectors, one row per symbol.
 *
 * Threads: every function is safe from any thread (no state).
 * Prefix: embedding_.  E: (V, D), V symbols (a vocabulary), D features each.
 *
 *   forward:  y_n = E[ids_n]                          ids: (N) in [0, V), y: (N, D)
 *   backward: dE[v] = sum over the n with ids_n = v of dy_n
 *
 * A lookup is the product of a one-hot row with E (chapter 8): one_hot(v) E = E[v], without the
 * V - 1 multiplications by zero. Backward is a scatter-ADD: a symbol that occurs several times in
 * the batch collects the gradient of every occurrence.
 */
#ifndef NN_EMBEDDING_H
#define NN_EMBEDDING_H

#ifdef __cplusplus
extern "C" {
#endif

/* y (N, D) = rows ids[0..N) of E (V, D). Ids must lie in [0, V) (checked: nn_fatal names the bad
 * id and its position). */
void embedding_forward(float *y, const float *E, const int *ids, int N, int V, int D);

/* dE (V, D) = scatter-add of dy (N, D) at ids (N). dE is OVERWRITTEN (zeroed first). */
void embedding_backward(float *dE, const float *dy, const int *ids, int N, int V, int D);

/* The one-hot rows themselves: x (N, V), x[n][ids_n] = 1, everything else 0. */
void embedding_one_hot(float *x, const int *ids, int N, int V);

#ifdef __cplusplus
}
#endif

#endif
