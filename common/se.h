/* se.h — the squeeze-and-excitation block (Hu, Shen and Sun 2018), forward and backward.
 * Prefix: se_. Chapter 7 derives it.
 *
 * A convolution mixes channels only through fixed weights. An SE block lets the image decide how
 * much each channel counts: it summarizes every channel by its mean (squeeze), computes one gate
 * per channel from those summaries with a small two-layer network (excite), and multiplies each
 * channel by its gate (scale). For x (B, C, S), S = H*W positions, R reduced channels (C / 4 or
 * so), w1 (C, R), b1 (R), w2 (R, C), b2 (C):
 *
 *   z[b,c]   = 1/S sum_q x[b,c,q]                     squeeze             z (B, C)
 *   h        = relu(z w1 + b1)                        excite, layer 1     h (B, R)
 *   s        = sigmoid(h w2 + b2)                     excite, layer 2     s (B, C), in (0, 1)
 *   y[b,c,q] = s[b,c] x[b,c,q]                        scale               y (B, C, S)
 *
 * Backward, from dy (B, C, S). x reaches y along two paths, directly and through its channel's
 * mean, so its gradient has two terms:
 *
 *   ds[b,c]  = sum_q dy[b,c,q] x[b,c,q]               (s multiplies every position of the channel)
 *   da2      = ds * s (1 - s)                          dw2 = h^T da2   db2 = sum_b da2   dh = da2 w2^T
 *   da1      = dh * [h > 0]                            dw1 = z^T da1   db1 = sum_b da1   dz = da1 w1^T
 *   dx[b,c,q] = dy[b,c,q] s[b,c] + dz[b,c] / S
 *
 * The dense layers go through linear_forward/linear_backward (layers.h, cblas_sgemm).
 *
 * Ownership: the caller owns every buffer; nothing is allocated (backward needs se_work_size()
 * floats of scratch). Outputs are OVERWRITTEN. The forward pass saves z, h and s for backward.
 * Sizes below 1 are the caller's bug: they stop with nn_fatal.
 *
 * Threads: no state; matrix products run on OpenBLAS's threads.
 */
#ifndef NN_SE_H
#define NN_SE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parameters of one block: C*R + R + R*C + C. */
size_t se_param_count(int C, int R);

/* Floats of the scratch se_backward needs: B * (2 C + R). */
size_t se_work_size(int B, int C, int R);

/* y (B, C, S) = x scaled per channel; z (B, C), h (B, R), s (B, C) saved for backward.
 * y must not alias x. */
void se_forward(float *y, float *z, float *h, float *s, const float *x, const float *w1, const float *b1,
                const float *w2, const float *b2, int B, int C, int S, int R);

/* dx (B, C, S) or NULL, dw1 (C, R), db1 (R), dw2 (R, C), db2 (C), from dy (B, C, S) and what the
 * forward pass saved. work: se_work_size(B, C, R) floats. */
void se_backward(float *dx, float *dw1, float *db1, float *dw2, float *db2, float *work, const float *dy,
                 const float *x, const float *z, const float *h, const float *s, const float *w1, const float *w2,
                 int B, int C, int S, int R);

#ifdef __cplusplus
}
#endif

#endif
