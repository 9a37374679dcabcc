/* rnn.h — the Elman recurrent layer over a whole sequence: forward and backpropagation through time.
 *
 * Threads: an rnn_cache_t belongs to one thread; matrix products run on OpenBLAS's threads.
 * Prefix: rnn_.  Shapes: T time steps, B sequences in the batch, D input features, H hidden units.
 * Sequences are TIME-MAJOR: x is (T, B, D), so the batch at step t is the contiguous block x[t].
 *
 *   a_t = x_t Wx + h_{t-1} Wh + b,    h_t = tanh(a_t),    t = 1..T,  h_0 given (or zeros)
 *
 *   Wx: (D, H)   Wh: (H, H)   b: (H)   h_t: (B, H)
 *
 * Forward computes x Wx + b for ALL time steps in one product ((T B, D) by (D, H)) and then only
 * h_{t-1} Wh per step, the one product the recurrence forces to be sequential. Backward (chapter
 * 8 derives it on the unrolled graph):
 *
 *   g_t  = dL/dh_t (from above) + da_{t+1} Wh^T       (the path through the future; 0 after T)
 *   da_t = g_t * (1 - h_t^2)
 *   dWx = sum_t x_t^T da_t,  dWh = sum_t h_{t-1}^T da_t,  db = sum_t sum_rows da_t,  dx_t = da_t Wx^T
 *
 * Only g_t needs a product per step; the sums over t are one product each over the stacked (T B)
 * rows. The cache keeps h_0..h_T contiguously ((T+1, B, H), h_0 first), so [h_0..h_{T-1}] is a
 * single (T B, H) matrix.
 *
 * Ownership: rnn_cache_new allocates every buffer forward and backward need, once; a training
 * step allocates nothing. Gradients are OVERWRITTEN (like linear_backward).
 */
#ifndef NN_RNN_H
#define NN_RNN_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int T, B, D, H;
    float *h;  /* (T+1, B, H): h_0, h_1 .. h_T; the outputs are h + B*H, shape (T, B, H) */
    float *da; /* (T, B, H) backward's pre-activation gradients */
    float *g;  /* (B, H) backward's running dL/dh_t */
} rnn_cache_t;

rnn_cache_t rnn_cache_new(int T, int B, int D, int H);
void rnn_cache_free(rnn_cache_t *c);

/* The outputs h_1..h_T: (T, B, H), inside the cache. */
float *rnn_output(const rnn_cache_t *c);

/* Run the recurrence over x (T, B, D) from h0 (B, H) or NULL (zeros). */
void rnn_forward(rnn_cache_t *c, const float *x, const float *Wx, const float *Wh, const float *b,
                 const float *h0);

/* BPTT. dh: (T, B, H) dL/dh_t from the layers above (the loss at every step). Outputs, each
 * NULL when not wanted (dWx, dWh, db are always wanted): dx (T, B, D), dWx (D, H), dWh (H, H),
 * db (H), dh0 (B, H); dh_norm (T): the norm ||dL/dh_t|| of the total gradient reaching each step
 * (what chapter 8 plots to see gradients vanish or explode), or NULL. Uses the cache of the
 * forward pass on the same x. */
void rnn_backward(float *dx, float *dWx, float *dWh, float *db, float *dh0, float *dh_norm, rnn_cache_t *c,
                  const float *dh, const float *x, const float *Wx, const float *Wh);

/* Sum over the rows: db (n) = sum_i dy[i] for dy (rows, n), the bias gradient of a layer applied
 * to every row. Shared by the recurrent layers and the GPT (gpt.c). Runs on all the cores
 * (parallel.h) when dy is large; the same bits on any number of threads. */
void rnn_sum_rows(float *db, const float *dy, int rows, int n);

#ifdef __cplusplus
}
#endif

#endif
