/* layers.h — the fully connected (linear, dense) layer: forward and backward.
 *
 *   y = x W + b          x: (B, in)   W: (in, out)   b: (out)   y: (B, out)
 *
 * Backward, given the upstream gradient dy = dL/dy (B, out), the chain rule gives
 *
 *   dx = dy W^T   (B, in)      dW = x^T dy   (in, out)      db = sum over the batch of dy   (out)
 *
 * (chapter 3 derives all three). The products go through matmul_blas() (OpenBLAS cblas_sgemm).
 * W is stored (in, out), row-major: row i holds the weights leaving input i, so the forward pass
 * is one plain product and the weight gradient x^T dy has W's own layout.
 *
 * Ownership: the caller owns every buffer; nothing is allocated. The raw-pointer functions
 * trust their sizes; the *_checked variants take tensors, check every shape and stop with a
 * message naming the operation and both mismatched shapes (nn_fatal) before computing.
 *
 * Threads: no state; matrix products run on OpenBLAS's threads.
 * Prefixes: linear_, LINEAR_
 */
#ifndef NN_LAYERS_H
#define NN_LAYERS_H

#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y = x W + b.  y: (B, out), x: (B, in), W: (in, out), b: (out) or NULL (no bias).
 * Overwrites y. */
void linear_forward(float *y, const float *x, const float *W, const float *b, int B, int in, int out);

/* dx = dy W^T, dW = x^T dy, db = column sums of dy.
 * dx: (B, in) or NULL (not wanted, e.g. for the first layer), dW: (in, out), db: (out) or NULL,
 * dy: (B, out), x: (B, in) the forward input, W: (in, out).  All outputs are OVERWRITTEN (not
 * accumulated): a parameter used twice needs its gradients added by the caller. */
void linear_backward(float *dx, float *dW, float *db, const float *dy, const float *x, const float *W,
                     int B, int in, int out);

/* Shape-checked versions: x (B, in), W (in, out), b (out) [b.data may be NULL], y (B, out);
 * backward's dx (B, in) [dx.data may be NULL], dW like W, db like b.  A mismatch stops with
 * "linear_forward: x has shape (32, 100) but W has shape (784, 256): ..." and a hint. */
void linear_forward_checked(tensor_t y, tensor_t x, tensor_t W, tensor_t b);

/* The floating-point operations of the matrix products of ONE example through a stack of L linear
 * layers sizes[0] -> sizes[1] -> ... -> sizes[L] (an MLP), in a training step: 2 m n for the
 * forward product of a layer with m inputs and n outputs, 2 m n for its dW, and 2 m n for its dx
 * except in the first layer (nobody needs the gradient of the data). Biases, activations and the
 * loss are left out: they are O(n), the products O(m n). Times the examples of an epoch, it is the
 * epoch's work that `make bench` divides by the time (784-256-128-10: 1,007,104 FLOP an example,
 * 60.4 GFLOP an epoch of 60,000). */
double linear_stack_train_flops(const int *sizes, int L);

enum { LINEAR_STACK_MAX = 16 }; /* the most layers linear_stack_products_seconds() takes */

/* The products-only floor of a training epoch of that stack: the seconds that `steps` training
 * steps on batches of B rows take when they run the matrix products above and nothing else (on
 * stand-in data; no bias, activation, loss or update). No epoch of an MLP built on matmul_blas()
 * can be faster on this machine, so `make bench` reports an epoch as a multiple of it, measured in
 * the same process right after the epoch. Returns -1 for L outside 1..LINEAR_STACK_MAX, B < 1, or
 * when the buffers cannot be allocated. */
double linear_stack_products_seconds(const int *sizes, int L, int B, int steps);
void linear_backward_checked(tensor_t dx, tensor_t dW, tensor_t db, tensor_t dy, tensor_t x, tensor_t W);

#ifdef __cplusplus
}
#endif

#endif
