/* pool.h — pooling layers: max and average pooling, forward and backward, and global average
 * pooling. Prefix: pool_. Chapter 7 derives them.
 *
 * Layout: x (B, C, H, W) -> y (B, C, OH, OW), each channel of each image pooled on its own over
 * k x k windows moved by `stride` (no padding), OH = (H - k) / stride + 1 (floor; a window must
 * fit), likewise OW:
 *
 *   max:  y[b,c,i,j] = max over the window of x          (argmax saved: the flat index h*W + w
 *                                                          of the winner inside its channel)
 *   avg:  y[b,c,i,j] = 1/k^2 * sum over the window of x
 *
 * Backward. The max is a selection: its gradient goes to the one input that won (ties: the first
 * in row-major order, as PyTorch; a NaN beats every number, so a window holding one outputs NaN,
 * as PyTorch's max pooling does), nothing to the others. The average spreads dy / k^2 over its
 * k^2 inputs. With overlapping windows (stride < k) an input collects from every window it is in:
 * the backward functions ADD into a zeroed dx.
 *
 * Global average pooling (B, C, H, W) -> (B, C): the mean of each channel (a k = H = W average).
 *
 * Errors: pool_out_size() returns -1 after an nn_error() paragraph (k or stride < 1, window larger
 * than the input). Ownership: the caller owns every buffer; outputs are OVERWRITTEN.
 *
 * Threads: every function is safe from any thread (no state).
 */
#ifndef NN_POOL_H
#define NN_POOL_H

#ifdef __cplusplus
extern "C" {
#endif

/* floor((n - k) / stride) + 1, or -1 after reporting. */
int pool_out_size(int n, int k, int stride);

/* y (B, C, OH, OW), argmax (B, C, OH, OW) or NULL (inference), x (B, C, H, W). */
void pool_max_forward(float *y, int *argmax, const float *x, int B, int C, int H, int W, int k, int stride);
/* dx (B, C, H, W) from dy (B, C, OH, OW) and the argmax the forward saved. */
void pool_max_backward(float *dx, const float *dy, const int *argmax, int B, int C, int H, int W, int k, int stride);

void pool_avg_forward(float *y, const float *x, int B, int C, int H, int W, int k, int stride);
void pool_avg_backward(float *dx, const float *dy, int B, int C, int H, int W, int k, int stride);

/* y (B, C) = mean over (H, W) of x (B, C, H, W); backward: dx = dy / (H W) everywhere. */
void pool_global_avg_forward(float *y, const float *x, int B, int C, int H, int W);
void pool_global_avg_backward(float *dx, const float *dy, int B, int C, int H, int W);

#ifdef __cplusplus
}
#endif

#endif
