/* gru.h — the gated recurrent unit over a whole sequence (Cho et al. 2014), forward and backward.
 *
 * Threads: a gru_cache_t belongs to one thread; matrix products run on OpenBLAS's threads.
 * Prefix: gru_.  Shapes as in rnn.h: time-major x (T, B, D), hidden state (B, H). PyTorch's
 * convention (nn.GRU), gates fused in its order r, z, n (reset, update, candidate):
 *
 *   [u_r u_z u_n] = x_t Wx + bx          [v_r v_z v_n] = h_{t-1} Wh + bh
 *   r = sigmoid(u_r + v_r)    z = sigmoid(u_z + v_z)
 *   n = tanh(u_n + r * v_n)              the reset gate scales Wh_n h + bh_n, AFTER the product
 *   h_t = (1 - z) * n + z * h_{t-1}      z = 1 keeps the old state
 *
 *   Wx: (D, 3H)  Wh: (H, 3H)  bx, bh: (3H)   (PyTorch: weight_ih = Wx^T, bias_ih = bx, ...)
 *
 * Applying r after the product (Cho's paper applies it to h before) is what lets all three
 * gates' h_{t-1} Wh be ONE product per step; it needs the two biases kept apart (bh_n is scaled
 * by r, bx_n is not). Backward, with dh = dL/dh_t (from above plus from step t+1):
 *
 *   dn = dh (1 - z)    dz = dh (h_{t-1} - n)    dh_{t-1} gets dh z directly
 *   du_n = dn (1 - n^2)   du_r = du_n v_n r (1 - r)   du_z = dz z (1 - z)
 *   dv = [du_r, du_z, du_n r]        dh_{t-1} += dv Wh^T
 *   dWx = sum x^T du  dbx = sum du   dWh = sum h_{t-1}^T dv   dbh = sum dv   dx = du Wx^T
 *
 * Ownership: gru_cache_new allocates every buffer once; gradients are OVERWRITTEN.
 */
#ifndef NN_GRU_H
#define NN_GRU_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int T, B, D, H;
    float *gates; /* (T, B, 3H) r, z, n activated */
    float *vn;    /* (T, B, H) v_n = (h_{t-1} Wh + bh)_n, kept for the reset gate's gradient */
    float *v;     /* (B, 3H) scratch: h_{t-1} Wh of the current step (bh is added after) */
    float *h;     /* (T+1, B, H) h_0 .. h_T; outputs h + B*H */
    float *du;    /* (T, B, 3H) backward: gradients of x Wx + bx */
    float *dv;    /* (T, B, 3H) backward: gradients of h Wh + bh */
    float *dh;    /* (B, H) backward: running dL/dh */
} gru_cache_t;

gru_cache_t gru_cache_new(int T, int B, int D, int H);
void gru_cache_free(gru_cache_t *c);

/* Outputs h_1..h_T (T, B, H) inside the cache. */
float *gru_output(const gru_cache_t *c);

/* Forward over x (T, B, D) from h0 (B, H) or NULL (zeros). */
void gru_forward(gru_cache_t *c, const float *x, const float *Wx, const float *Wh, const float *bx,
                 const float *bh, const float *h0);

/* Backward. dh: (T, B, H). Outputs (NULL when not wanted; the weight and bias gradients
 * required): dx (T, B, D), dWx (D, 3H), dWh (H, 3H), dbx, dbh (3H), dh0 (B, H). */
void gru_backward(float *dx, float *dWx, float *dWh, float *dbx, float *dbh, float *dh0, gru_cache_t *c,
                  const float *dh, const float *x, const float *Wx, const float *Wh);

#ifdef __cplusplus
}
#endif

#endif
