/* lenet.h — a LeNet-5-style convolutional network for 28x28 grey images (chapter 7), reused by
 * chapter 11 (quantization). Prefix: lenet_.
 *
 *   x (B, 1, 28, 28)
 *   conv 5x5, c1 kernels, padding 2 -> relu -> max pool 2x2 -> (B, c1, 14, 14)
 *   conv 5x5, c2 kernels            -> relu -> max pool 2x2 -> (B, c2, 5, 5)
 *   flatten (B, 25 c2) -> linear h1 -> relu -> linear h2 -> relu -> linear 10 = logits (B, 10)
 *
 * LeNet-5 itself (LeCun et al. 1998) is c1 = 6, c2 = 16, h1 = 120, h2 = 84 (61,706 parameters),
 * with tanh units and average-pooling "subsampling"; this version uses relu and max pooling, as
 * its modern re-implementations do. Convolutions run through conv2d_forward/backward (im2col +
 * cblas_sgemm), the linear layers through linear_forward/backward.
 *
 * Memory: every parameter in one block `params` and every gradient in `grads` (same layout), so
 * one optimizer step covers the model: the convolutional trunk first (lenet_trunk_count() floats:
 * w1, b1, w2, b2), then the fully connected head (f1, f2, f3). Updating only the tail
 * params + trunk is how chapter 7 freezes the trunk. Weights are stored as conv.h (OC, C, KH, KW)
 * and layers.h (in, out) expect. lenet_new() allocates the activations and scratch buffers for
 * batches of up to max_batch examples once: forward and backward allocate nothing.
 *
 * Errors: lenet_new() returns -1 after an nn_error() paragraph for sizes below 1; forward returns
 * NULL and backward -1 after one for a batch of 0 or more than max_batch examples.
 *
 * Threads: a lenet_t (its parameters and workspace) belongs to one thread; different lenet_t may
 * be trained in different threads at once, with the same results as alone. lenet_forward and
 * lenet_backward hold OpenBLAS to one thread while they run (matmul_single_begin/end: the last
 * call to finish restores the count, and meanwhile the process's other products run on one
 * OpenBLAS thread too, matmul.h): every product of this network is too thin to share, and the convolutions use both
 * halves of the machine by splitting the batch themselves (conv.h), as do the ReLU and pooling
 * after them (matmul_run2). An OpenBLAS thread that is given such a product spends more time
 * waiting for work than working. The results do not depend on the number of cores.
 */
#ifndef NN_LENET_H
#define NN_LENET_H

#include "conv.h"
#include "rng.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LENET_SIDE 28
#define LENET_PIXELS (LENET_SIDE * LENET_SIDE)
#define LENET_CLASSES 10

typedef struct {
    int c1, c2, h1, h2; /* channels of the two convolutions, widths of the two hidden linear layers */
} lenet_config_t;

/* The classic sizes: 6, 16, 120, 84. */
extern const lenet_config_t LENET_5;

typedef struct {
    lenet_config_t cfg;
    int max_batch;
    conv_shape_t s1, s2;       /* the two convolutions at max_batch (B is set per call) */
    size_t n_params, n_trunk;  /* all parameters; the convolutional trunk's (a prefix) */
    float *params, *grads;     /* (n_params) each, owned */
    float *w1, *b1, *w2, *b2, *f1w, *f1b, *f2w, *f2b, *f3w, *f3b;       /* views into params */
    float *dw1, *db1, *dw2, *db2, *df1w, *df1b, *df2w, *df2b, *df3w, *df3b; /* views into grads */
    /* activations of the last forward pass, (max_batch, ...) each */
    float *a1;   /* (B, c1, 28, 28) conv1 + relu */
    float *p1;   /* (B, c1, 14, 14) pooled */
    int *i1;     /* (B, c1, 14, 14) argmax of the pool */
    float *a2;   /* (B, c2, 10, 10) conv2 + relu */
    float *p2;   /* (B, c2, 5, 5) pooled = flattened (B, 25 c2) */
    int *i2;
    float *h1, *h2; /* (B, h1), (B, h2) after relu */
    float *logits;  /* (B, 10) */
    /* backward and scratch */
    float *work;               /* conv scratch: the larger conv_work_size of the two */
    float *dp2, *da2, *dp1, *da1, *dh1, *dh2;
} lenet_t;

/* Allocate a network for batches of up to max_batch. Returns 0, or -1 after reporting. */
int lenet_new(lenet_t *m, lenet_config_t cfg, int max_batch);
void lenet_free(lenet_t *m);

/* He initialization of every weight (fan_in = C*KH*KW for a convolution), biases 0. */
void lenet_init(lenet_t *m, rng_t *rng);

/* Forward pass of x (B, 784) = (B, 1, 28, 28); returns the logits (B, 10), kept in m, or NULL
 * after reporting a batch size outside 1..max_batch. */
const float *lenet_forward(lenet_t *m, const float *x, int B);

/* Backward pass from dlogits (B, 10), after lenet_forward on the same x (B, 784): fills m->grads
 * (overwritten). The input gradient is not computed. Returns 0, or -1 after reporting a bad B. */
int lenet_backward(lenet_t *m, const float *x, const float *dlogits, int B);

/* Mean cross-entropy and accuracy on n examples x (n, 784), labels y (n), in batches of
 * max_batch; pred (n) receives each predicted class when not NULL. */
void lenet_evaluate(lenet_t *m, const float *x, const int *y, int n, double *loss, double *acc, int *pred);

/* FLOPs of the matrix products of one example: forward, and forward + backward (the first
 * convolution's input gradient skipped). */
double lenet_flops_forward(const lenet_t *m);
double lenet_flops_train(const lenet_t *m);

#ifdef __cplusplus
}
#endif

#endif
