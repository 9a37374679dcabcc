/* lstm.h — the LSTM layer over a whole sequence (Hochreiter & Schmidhuber 1997, with the forget
 * gate of Gers et al. 2000): forward and backward through time.
 *
 * Threads: an lstm_cache_t belongs to one thread; matrix products run on OpenBLAS's threads.
 * Prefix: lstm_.  Shapes as in rnn.h: time-major x (T, B, D), hidden and cell state (B, H).
 * The four gates are FUSED: one weight matrix holds all of them side by side, in PyTorch's order
 * i, f, g, o (input, forget, candidate, output), each a block of H columns:
 *
 *   [a_i a_f a_g a_o] = x_t Wx + h_{t-1} Wh + b          Wx: (D, 4H)  Wh: (H, 4H)  b: (4H)
 *   i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
 *   c_t = f * c_{t-1} + i * g
 *   h_t = o * tanh(c_t)
 *
 * (PyTorch's nn.LSTM stores weight_ih as (4H, D) = Wx^T and has two biases b_ih + b_hh = b.)
 * Forward: x Wx + b for all T steps in one product, then h_{t-1} Wh (B, H)(H, 4H) per step.
 *
 * Backward, gate by gate (chapter 8 derives it), with dh_t the gradient from above plus the one
 * from step t+1, and dc the cell gradient flowing back from step t+1:
 *
 *   do = dh_t * tanh(c_t)               dc = dc + dh_t * o * (1 - tanh(c_t)^2)
 *   di = dc * g    dg = dc * i    df = dc * c_{t-1}          dc_{t-1} = dc * f
 *   da_i = di i (1 - i)   da_f = df f (1 - f)   da_g = dg (1 - g^2)   da_o = do o (1 - o)
 *   dh_{t-1} = da_t Wh^T  (+ the loss's gradient at t-1)
 *   dWx = sum_t x_t^T da_t   dWh = sum_t h_{t-1}^T da_t   db = sum da_t   dx_t = da_t Wx^T
 *
 * Ownership: lstm_cache_new allocates every buffer once; gradients are OVERWRITTEN.
 */
#ifndef NN_LSTM_H
#define NN_LSTM_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int T, B, D, H;
    float *gates; /* (T, B, 4H) activated gates i, f, g, o per step */
    float *h;     /* (T+1, B, H) h_0 .. h_T; outputs are h + B*H, (T, B, H) */
    float *c;     /* (T+1, B, H) c_0 .. c_T */
    float *tc;    /* (T, B, H) tanh(c_t) */
    float *da;    /* (T, B, 4H) backward: gate pre-activation gradients */
    float *dh;    /* (B, H) backward: running dL/dh */
    float *dc;    /* (B, H) backward: running dL/dc */
} lstm_cache_t;

lstm_cache_t lstm_cache_new(int T, int B, int D, int H);
void lstm_cache_free(lstm_cache_t *c);

/* Outputs h_1..h_T (T, B, H) and the last states h_T, c_T (B, H), inside the cache. */
float *lstm_output(const lstm_cache_t *c);
const float *lstm_last_h(const lstm_cache_t *c);
const float *lstm_last_c(const lstm_cache_t *c);

/* The pointwise part of one step: pre (B, 4H) pre-activations in, activated gates written back
 * in place; c_prev (B, H) -> c (B, H), tanh(c) into tc (B, H), h (B, H). The sigmoid and tanh
 * are vmath.h's (within 2.5e-7 of the exact functions), so that the loop vectorizes. */
void lstm_cell_pointwise(float *pre, float *c, float *tc, float *h, const float *c_prev, int B, int H);

/* Forward over x (T, B, D) from h0, c0 (B, H), either NULL for zeros. */
void lstm_forward(lstm_cache_t *c, const float *x, const float *Wx, const float *Wh, const float *b,
                  const float *h0, const float *c0);

/* Backward. dh: (T, B, H) from above. Outputs (NULL when not wanted; dWx, dWh, db required):
 * dx (T, B, D), dWx (D, 4H), dWh (H, 4H), db (4H), dh0, dc0 (B, H). */
void lstm_backward(float *dx, float *dWx, float *dWh, float *db, float *dh0, float *dc0, lstm_cache_t *c,
                   const float *dh, const float *x, const float *Wx, const float *Wh);

#ifdef __cplusplus
}
#endif

#endif
