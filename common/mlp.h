/* mlp.h — the multilayer perceptron of chapter 3 as a library type: fully connected layers with
 * ReLU between them, and optionally batch norm and dropout in the hidden layers (chapter 6).
 * Chapter 3 builds this network by hand; chapters 5 and 6 and the examples/ programs use this one.
 *
 *   a_0 = x (B, n_0)
 *   hidden layer l = 0 .. L-2:  z = a_l W_l + b_l -> [u = BN(z)] -> h = relu(u) -> [a_{l+1} = m * h]
 *   last layer:                 logits = a_{L-1} W_{L-1} + b_{L-1}   (B, n_L), no activation
 *
 * W_l is (n_l, n_{l+1}) and b_l (n_{l+1}), as layers.h stores them; BN has gamma, beta (n_{l+1})
 * and running statistics; m is the inverted-dropout mask (0 or 1/(1-p)). Without batch norm and
 * dropout it is exactly chapter 3's network: the same calls (linear_forward, relu_forward, and
 * their backward partners) in the same order.
 *
 * Memory. Every parameter sits in one block `params` and its gradient at the same offset of
 * `grads`, in this order: for each layer W, b, then gamma, beta when the layer has batch norm;
 * then (batch norm only) the running means and variances of every hidden layer. The first
 * n_train floats are what an optimizer trains; the running statistics follow them, so that a
 * checkpoint of all n_params floats restores a batch-norm network exactly (without batch norm
 * n_params == n_train). `tensor_sizes` lists the trainable tensors in block order (for
 * optim_step_tensors: LARS and LAMB take one trust ratio per tensor) and `no_decay` flags the
 * biases, gammas and betas (AdamW decays the weights only). mlp_new() allocates the parameters
 * and the activations of batches of up to max_batch rows once: forward and backward allocate
 * nothing. The pointers W, b, dW, ... are views into params/grads; the caller may read and write
 * through them (and through params) but owns nothing: mlp_free() releases it all.
 *
 * Modes. `training` (0 after mlp_new) selects what batch norm and dropout do: in training, batch
 * statistics (updating the running ones) and fresh dropout masks from `rng` (set it before the
 * first training forward pass; the network borrows it); in evaluation, the running statistics and
 * no dropout, so an example's logits do not depend on its batch. Without batch norm and dropout
 * the two modes compute the same thing. The backward pass of a network with batch norm or dropout
 * needs a training-mode forward pass before it.
 *
 * Hooks. `hooks` (all NULL after mlp_new: the library's norm.h and dropout.h) lets a caller
 * substitute its own batch-norm forward (training mode) and backward and its own dropout forward,
 * with the same contracts: chapter 6 plugs in the versions its exercises write, so that the
 * network it trains runs them.
 *
 * Errors: mlp_new() returns -1 after an nn_error() paragraph for bad sizes or options;
 * mlp_forward() returns NULL and mlp_backward() -1 after one for a batch outside 1..max_batch (or
 * a backward that does not follow a matching forward); mlp_loss_grad() returns NAN after one, and
 * mlp_evaluate() NAN loss and accuracy for n < 1 (no examples to average over).
 *
 * Threads: an mlp_t (its parameters and workspace) belongs to one thread; no global state; the
 * matrix products run on OpenBLAS's threads.
 * Prefixes: mlp_, MLP_
 */
#ifndef NN_MLP_H
#define NN_MLP_H

#include "metrics.h"
#include "rng.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MLP_MAX_LAYERS 8 /* linear layers */

/* The layers a caller may substitute (see "Hooks"); shapes as norm.h and dropout.h, with D = the
 * layer's width: y, x, dx, dy (B, D); mean, rstd, run_mean, run_var, gamma, beta, dgamma, dbeta (D);
 * dropout's y, mask, x (n). */
typedef void (*mlp_batchnorm_train_fn_t)(float *y, float *mean, float *rstd, float *run_mean, float *run_var,
                                         const float *x, const float *gamma, const float *beta, int B, int D,
                                         float momentum, float eps);
typedef void (*mlp_batchnorm_backward_fn_t)(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                                            const float *mean, const float *rstd, const float *gamma, int B, int D);
typedef void (*mlp_dropout_fn_t)(float *y, float *mask, const float *x, size_t n, float p, rng_t *rng);

typedef struct {
    mlp_batchnorm_train_fn_t batchnorm_train;       /* NULL: batchnorm_forward_train (S = 1) */
    mlp_batchnorm_backward_fn_t batchnorm_backward; /* NULL: batchnorm_backward (S = 1) */
    mlp_dropout_fn_t dropout;                       /* NULL: dropout_forward */
} mlp_hooks_t;

typedef struct {
    int L;                          /* linear layers (L - 1 hidden ones) */
    int sizes[MLP_MAX_LAYERS + 1];  /* n_0 (inputs) ... n_L (classes) */
    int batchnorm;                  /* 1: batch norm in every hidden layer */
    float dropout;                  /* drop probability p after every hidden relu (0: none) */
    int max_batch;                  /* rows the workspace holds */
    int training;                   /* 1: batch statistics and dropout; 0: evaluation (see Modes) */
    rng_t *rng;                     /* dropout masks in training; borrowed */
    mlp_hooks_t hooks;              /* NULL members: the library's layers */
    int batch, batch_training;      /* rows and mode of the last forward pass (0 rows: none yet) */
    size_t n_params, n_train;       /* floats in params; the trainable ones (a prefix) */
    float *params, *grads;          /* (n_params) each, owned; grads of the running statistics stay 0 */
    float *W[MLP_MAX_LAYERS], *b[MLP_MAX_LAYERS];   /* views: W[l] (n_l, n_{l+1}), b[l] (n_{l+1}) */
    float *dW[MLP_MAX_LAYERS], *db[MLP_MAX_LAYERS]; /* the same views into grads */
    float *gamma[MLP_MAX_LAYERS], *beta[MLP_MAX_LAYERS];   /* (n_{l+1}) of hidden layer l; batch norm only */
    float *dgamma[MLP_MAX_LAYERS], *dbeta[MLP_MAX_LAYERS];
    float *run_mean[MLP_MAX_LAYERS], *run_var[MLP_MAX_LAYERS]; /* (n_{l+1}); batch norm only */
    /* activations of the last forward pass, (max_batch, n_{l+1}) each */
    float *z[MLP_MAX_LAYERS];       /* linear outputs; z[L-1] holds the logits */
    float *u[MLP_MAX_LAYERS];       /* batch-norm outputs (batch norm only) */
    float *a[MLP_MAX_LAYERS];       /* hidden activations after relu and dropout: the next layer's input */
    float *mask[MLP_MAX_LAYERS];    /* dropout masks (dropout only) */
    float *mean[MLP_MAX_LAYERS], *rstd[MLP_MAX_LAYERS]; /* (n_{l+1}) batch statistics saved for backward */
    float *scratch[3];              /* (max_batch, widest layer) backward buffers */
    float *dlogits;                 /* (max_batch, n_L): dL/dlogits, filled by mlp_loss_grad or the caller */
    int n_tensors;                  /* trainable tensors in params order */
    size_t tensor_sizes[4 * MLP_MAX_LAYERS];
    unsigned char no_decay[4 * MLP_MAX_LAYERS]; /* 1 for b, gamma, beta: not decayed by AdamW */
} mlp_t;

/* A network n_0 -> n_1 -> ... -> n_L: sizes (L + 1) with every entry >= 1, 1 <= L <=
 * MLP_MAX_LAYERS, batchnorm 0 or 1, 0 <= dropout < 1, max_batch >= 1. Parameters are zero (call
 * mlp_init); mode evaluation, hooks NULL. Returns 0, or -1 after reporting (nothing allocated). */
int mlp_new(mlp_t *m, const int *sizes, int L, int batchnorm, float dropout, int max_batch);
void mlp_free(mlp_t *m);

/* He-normal weights (chapter 3: ReLU units), biases 0, gamma 1, beta 0, running means 0 and
 * variances 1; the weights drawn layer after layer from rng. */
void mlp_init(mlp_t *m, rng_t *rng);

/* Forward pass of x (B, n_0), 1 <= B <= max_batch, in the current mode; returns the logits
 * (B, n_L), kept in m until the next forward pass, or NULL after reporting a bad B (or a
 * training-mode batch of 1 with batch norm, whose variance is 0). */
const float *mlp_forward(mlp_t *m, const float *x, int B);

/* Backward pass from dlogits (B, n_L), right after mlp_forward on the same x (B, n_0): fills
 * m->grads (overwritten, not accumulated; the input gradient is not computed). dlogits may be
 * m->dlogits. Returns 0, or -1 after reporting a B other than the forward's or a backward that
 * batch norm or dropout cannot do (an evaluation-mode forward). */
int mlp_backward(mlp_t *m, const float *x, const float *dlogits, int B);

/* Forward, mean softmax cross-entropy against labels y (B) in [0, n_L), backward: m->grads is the
 * gradient of the batch's mean loss (m->dlogits holds dL/dlogits). Returns the loss, or NAN after
 * reporting a bad B.  x: (B, n_0) */
float mlp_loss_grad(mlp_t *m, const float *x, const int *y, int B);

/* Mean cross-entropy and accuracy on n examples x (n, n_0), labels y (n), in evaluation mode (the
 * mode is restored after), in chunks of max_batch rows (metrics_evaluate); with probs (n, n_L) not
 * NULL, also every example's softmax probabilities. n < 1: both NAN after an nn_error paragraph
 * (unlike metrics_evaluate's 0 and 0, which a log would show as a perfect loss). */
metrics_eval_t mlp_evaluate(mlp_t *m, float *probs, const float *x, const int *y, int n);

/* The architecture's name for checkpoints, e.g. "mlp 784-256-128-10 bn", into buf (size bytes);
 * returns buf. */
const char *mlp_tag(const mlp_t *m, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
