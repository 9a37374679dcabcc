/*md
# Generalization, and how to measure it

Chapter 3's network fits its training images better every epoch, while its validation loss stops
falling after a few epochs and then creeps up. That gap is the subject of this chapter. A model is
trained on one sample of the world and used on another; what we want is small error on data it
has never seen (*generalization*), and training error is only a proxy for it. We first provoke
the gap on purpose, on a training set of 1,000 images, and then try the standard cures one at a
time on the same problem: penalties on the weights (L2, L1, weight decay), dropout and
DropConnect, normalization layers (batch, layer, instance, group norm), early stopping with a
saved best checkpoint, data augmentation (flips, crops, cutout, mixup) and label smoothing.

Measuring generalization honestly is the other half. Accuracy is one number; a confusion matrix,
precision, recall, specificity, F1, ROC and precision–recall curves say *which* mistakes a model
makes, which matters as soon as classes are rare or mistakes have different costs. We use them to
judge an imbalanced problem, where a class-balanced sampler and a differentiable "soft F1" loss
change the trade-off. Then we choose hyperparameters (learning rate, weight decay) on a
validation split by grid search, random search and a small Bayesian optimizer, combine several
networks by bagging, and finally look at a phenomenon that the classical picture of overfitting
does not predict: *double descent*.

The chapter's main model is the $784 \to 256 \to 128 \to 10$ MLP of chapter 3 with batch norm
and dropout, trained on all of Fashion-MNIST; it reaches about 89.5% test accuracy in the default run.

**What lives where.** The layers and measures that later chapters reuse are in the library:
`common/norm.h` (batch, layer, instance and group norm for any `(B, C, S)` layout),
`common/dropout.h` (inverted dropout, DropConnect), `common/augment.h` (image augmentation),
`common/checkpoint.h` (atomic, checked parameter files) and the classification part of
`common/metrics.h` (confusion matrix, per-class ratios, ROC, PR). This file derives each of them;
its exercises are the MLP-sized versions that the chapter's network actually runs (inverted
dropout, batch norm forward and backward on `(B, D)` features), the metrics computed by hand, early
stopping, mixup and the acquisition function of Bayesian optimization.

**Notation and shapes.** As in chapter 3: a batch $x \in \mathbb{R}^{B \times D}$ has one example
per row; a hidden layer computes $z = a W + b$ with $W$ stored `(in, out)`; $K = 10$ classes;
$\bar v = \partial L / \partial v$ is the gradient of the loss with respect to $v$ (`dv` in code).
$N$ is a number of examples, $\theta$ all parameters at once.
*/

#include "activations.h" /* relu_forward: the random features of section 6.11 */
#include "augment.h"     /* flips, random crops, cutout, mixup (section 6.6) */
#include "checkpoint.h"  /* atomic, checked parameter files (section 6.7) */
#include "csvlog.h"      /* the CSV logs in out/06/ */
#include "data.h"        /* dataset_t, fashion_load, dataset_split, dataset_select_classes */
#include "error.h"       /* nn_fatal, nn_check_finite, nn_malloc */
#include "course.h"      /* TODO: the student edition's exercise stubs */
#include "flags.h"       /* --epochs --seed --quick --out --data --help, plus --experiment --bench */
#include "gradcheck.h"   /* centered differences (checking the soft-F1 loss) */
#include "init.h"        /* init_normal: the random features of section 6.11 */
#include "io.h"          /* io_create / io_commit / io_join / io_mkdirs */
#include "layers.h"      /* linear_stack_train_flops (--bench) */
#include "linalg.h"      /* linalg_cholesky: Gaussian-process posteriors, minimum-norm fits */
#include "loss.h"        /* softmax cross-entropy, with label smoothing, log-softmax, softmax_backward */
#include "matmul.h"      /* matmul_blas: random-feature Gram matrices (section 6.11) */
#include "metrics.h"     /* confusion matrix, per-class ratios, ROC and PR curves */
#include "mlp.h"         /* mlp_t: chapter 3's network with batch norm and dropout (section 6.2) */
#include "optim.h"       /* optim_t: AdamW with the weights-only decay */
#include "plot.h"        /* gnuplot figures */
#include "progress.h"    /* the progress bar */
#include "timing.h"      /* timing_seconds, timing_median */
#include "rng.h"         /* the explicit random number generator */
#include "schedule.h"    /* SCHEDULE_LINEAR: the learning rate falling to 0 over the run */
#include "stats.h"       /* stats_normal_cdf, stats_normal_pdf */
#include "tensor.h"      /* tensor_view for shape-checked calls */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*md
## 6.1 Overfitting on purpose

A model with enough parameters can fit almost any training set, including one whose labels are
random. Our MLP has 235,146 parameters; give it 1,000 training images and it will classify every
one of them correctly within a few dozen epochs, mostly by memorizing. What it has learned about
images *in general* shows on the validation set, images drawn from the same distribution that
training never touched. Write $R(\theta)$ for the expected loss on a fresh example (the *risk*)
and $\hat R(\theta)$ for the average loss on the $N$ training examples (the *empirical risk*):

$$
R(\theta) = \mathbb{E}_{(x, y) \sim \mathcal{D}}\, \ell(f_\theta(x), y), \qquad
\hat R(\theta) = \frac{1}{N} \sum_{i=1}^{N} \ell(f_\theta(x_i), y_i).
$$

For a fixed $\theta$ chosen *before* seeing the data, $\hat R$ is an unbiased estimate of $R$. But
training chooses $\theta$ *by* minimizing $\hat R$ on these very examples, so $\hat R(\hat\theta)$
is biased low: the *generalization gap* $R(\hat\theta) - \hat R(\hat\theta)$ grows with how
flexibly the model can adapt to the particular sample, and shrinks as $N$ grows. A validation set
gives an unbiased estimate of $R(\hat\theta)$ as long as nothing is chosen by looking at it; once
we pick hyperparameters or a stopping epoch by validation score, it too is biased (mildly), which
is why a third split, the test set, is looked at only at the very end.

The figure shows the experiment: the chapter's MLP without any regularization, Adam with
$\eta = 10^{-3}$ (decaying linearly to 0), batches of 50, for 30 epochs on 1,000 training
images (100 per class), with 2,000 held-out images for validation. In the default run the
training loss falls towards zero (99% training accuracy at the end), while the validation loss
is lowest at epoch 10 (about 0.51) and then climbs back (about 0.54 at epoch 30); the validation
accuracy stalls near 82%. The network becomes ever more *confident* on the validation images it gets
wrong; that is what the rising loss measures. (A thousand images and 30 epochs take about a
second: the lesson is the same as with the full set, where chapter 3's curves showed the same
turn after a few epochs, and it leaves time for ten variants.)

![Overfitting on 1,000 training images: training loss falls to zero, validation loss turns up.](out/06/overfit.svg)

The rest of the chapter is a list of things that shrink the gap. They work by three mechanisms:
restricting the functions the model can easily represent (penalties, weight decay), making
training noisy in ways that memorization cannot survive (dropout, augmentation, mixup, small
batches), and using information outside the training loss (early stopping on validation data).

## 6.2 The network of this chapter

The MLP is chapter 3's, with two optional additions in each hidden layer: batch norm between the
linear map and the ReLU, and dropout after the ReLU,

$$
z = a^{(l-1)} W^{(l)} + b^{(l)} \;\to\; u = \operatorname{BN}(z) \;\to\; h = \operatorname{relu}(u)
\;\to\; a^{(l)} = m \odot h,
$$

where $m$ is the dropout mask (section 6.4). This network is in the library: `mlp_t` of
`common/mlp.h`, chapter 3's network with these two options (chapter 5 uses it without them). All
trainable parameters ($W, b, \gamma, \beta$ of every layer) live in one block `params` with the
gradients in `grads`, so one Adam call updates the model; batch norm's running statistics follow
them in the same block (they are saved in checkpoints but not trained: the optimizer sees only the
first `n_train` floats). The network knows whether it is in training or evaluation mode (its
`training` field): dropout and batch statistics apply in training only. Dropout and batch norm are
this chapter's exercises (06.1 to 06.3), and the network runs *your* versions of them: `mlp_t` has
a hook for each (`m.hooks`), which `net_new` at the end of section 6.5 fills with the functions you
write. Left empty, the hooks run the library's `common/dropout.c` and `common/norm.c`: the same
formulas, written for any `(B, C, S)` layout (and summing in double, so their last bits differ).
*/

/*md
## 6.3 Penalties on the weights: L2, L1 and weight decay

The oldest cure changes the objective: add a penalty that grows with the size of the weights,

$$
J(\theta) = \hat R(\theta) + \frac{\lambda_2}{2} \sum_l \lVert W^{(l)} \rVert_F^2 + \lambda_1 \sum_l \sum_{ij} |W^{(l)}_{ij}|,
\qquad
\nabla_W J = \nabla_W \hat R + \lambda_2 W + \lambda_1 \operatorname{sign}(W).
$$

(Biases and the normalization parameters $\gamma, \beta$ are left unpenalized: they shift and scale
units, they do not let the model fit finer detail, and penalizing them only hurts.) Why should
small weights generalize better? A network's output changes by at most
$\prod_l \lVert W^{(l)} \rVert$ times a change of its input (each ReLU layer is 1-Lipschitz), so
small weights mean a smoother function that cannot bend around every training point. In the
Bayesian reading, minimizing $J$ is maximum *a posteriori* estimation: $\frac{\lambda_2}{2}\lVert W
\rVert^2$ is the negative log of a Gaussian prior on the weights. Which variance? The loss $\hat R$ is a
*mean* over the $N$ training examples, that is $1/N$ times the negative log-likelihood, so $J$ is
$1/N$ times the negative log-posterior when the prior's negative log is $N \frac{\lambda_2}{2}
\lVert W \rVert^2$: $W_{ij} \sim \mathcal{N}(0, 1/(N\lambda_2))$. (A fixed $\lambda_2$ is a prior
that tightens as the data grows.) Likewise the L1 term is a Laplace prior, which puts a kink at 0 and so drives many weights to *exactly*
zero (sparsity), where L2 only shrinks them.

For plain SGD, the L2 gradient gives the update
$W \leftarrow W - \eta(\nabla \hat R + \lambda_2 W) = (1 - \eta\lambda_2) W - \eta \nabla \hat R$:
every step first multiplies the weights by $1 - \eta \lambda_2$, which is why L2 is also called
*weight decay*. With Adam the two are **not** the same (Loshchilov and Hutter 2019): Adam divides
the whole gradient, penalty included, by $\sqrt{\hat v}$, so weights with large gradients are
barely decayed and weights with small gradients are decayed hard. *Decoupled* weight decay (AdamW)
takes the decay out of the gradient and applies it directly, with the same strength for every
weight:

$$
\theta \leftarrow \theta - \eta \, \frac{\hat m}{\sqrt{\hat v} + \epsilon} \quad \text{(Adam on } \nabla \hat R \text{ only)},
\qquad W \leftarrow W - \eta \lambda_{\text{wd}} W .
$$

`apply_penalties` adds the L1 and L2 gradients before the optimizer step. The decoupled decay is
the library's AdamW (`optim_new(OPTIM_ADAMW, ...)` in `optim.h`, the rule of chapter 5's exercise
05.3): $W \leftarrow (1 - \eta\lambda_{\text{wd}}) W$ first, then the Adam step on the gradient,
the order of chapter 5 and of PyTorch. Only the weights decay: the network lists its trainable
tensors ($W$, $b$, $\gamma$, $\beta$ of each layer, in the order they sit in `params`) and marks
the biases and the batch-norm parameters `no_decay`, and `optim_step_tensors` exempts those, as
PyTorch users do with a second parameter group whose `weight_decay` is 0. With
$\lambda_{\text{wd}} = 0$ it is plain Adam.
*/

/* grads of the weights += l2 W + l1 sign(W)  (biases, gamma, beta unpenalized). */
static void apply_penalties(mlp_t *m, float l2, float l1)
{
    if (l2 == 0 && l1 == 0)
        return;
    for (int l = 0; l < m->L; l++) {
        size_t n = (size_t)m->sizes[l] * m->sizes[l + 1];
        float *w = m->W[l], *g = m->dW[l];
        for (size_t i = 0; i < n; i++)
            g[i] += l2 * w[i] + l1 * (float)((w[i] > 0) - (w[i] < 0));
    }
}

/*md
## 6.4 Dropout

Dropout (Srivastava et al. 2014) sets each hidden unit to zero with probability $p$, independently
for every example and every training step. A unit can then no longer rely on a particular other
unit being present, so it cannot take part in the fragile co-adaptations that memorize individual
examples; each step trains a different random "thinned" subnetwork, and the full network behaves
like an average over exponentially many of them, all sharing weights.

At test time we want the deterministic full network, but its units would then receive more input
than in training (no partners are missing). The fix is to keep the *expected* activation the same
in both modes. *Inverted* dropout does the rescaling during training, so the test-time network is
left unchanged: with keep probability $q = 1 - p$,

$$
m_i = \begin{cases} 1/q & \text{with probability } q \\ 0 & \text{with probability } p \end{cases}
\qquad y_i = m_i h_i, \qquad \mathbb{E}[y_i] = q \cdot \frac{h_i}{q} + p \cdot 0 = h_i .
$$

The backward pass is as simple: $y_i$ is $h_i$ times a constant (for this step), so
$\bar h_i = m_i \bar y_i$, the same mask again. The mask is stored as floats ($0$ or $1/q$) so both
directions are one multiplication.

**DropConnect** (Wan et al. 2013) drops *weights* instead of activations: each step uses
$W' = M \odot W$ with an inverted mask $M$ of $W$'s shape. The layer computes $x W'$ as usual,
its backward gives $\bar W'$, and the chain rule through the elementwise product gives
$\bar W = M \odot \bar W'$. It is in `common/dropout.h` (`dropconnect_weights`,
`dropconnect_backward`); in practice it regularizes about as well as dropout at a higher cost (a
mask per weight instead of per unit), and this chapter's experiments use dropout.

### Exercise 06.1 — inverted dropout

Write `inverted_dropout_forward`: for each of the `n` elements draw `u = rng_uniform(rng)`; the
element is dropped when `u < p` (mask 0) and kept otherwise (mask $1/(1-p)$); write the mask and
`y = mask * x` (`y` may alias `x`). Draw exactly one uniform number per element, in order: the
tests replay your masks. The backward, `dx = mask * dy`, is one line that the network takes from
the library (`dropout_backward` in `common/dropout.h`).
*/

/* Training-mode dropout with drop probability p.  y, mask, x: (n); y may alias x. */
static void inverted_dropout_forward(float *y, float *mask, const float *x, size_t n, float p, rng_t *rng)
{
    if (!(p >= 0 && p < 1))
        nn_fatal("p is the probability of dropping a unit: 0 <= p < 1", "inverted_dropout_forward: p = %g", p);
    /* BEGIN EXERCISE 06.1 (2 points): inverted dropout with its 1/(1-p) scaling */
    const float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = rng_uniform(rng) < p ? 0.0f : keep;
        y[i] = mask[i] * x[i];
    }
    /* END EXERCISE */
}

/*md
## 6.5 Normalization layers

**Batch norm** (Ioffe and Szegedy 2015) standardizes every hidden unit over the batch, then lets
the network rescale it. For unit $j$ with values $z_{1j}, \dots, z_{Bj}$ in a batch of $B$:

$$
\mu_j = \frac{1}{B}\sum_b z_{bj}, \quad
\sigma_j^2 = \frac{1}{B}\sum_b (z_{bj} - \mu_j)^2, \quad
\hat z_{bj} = \frac{z_{bj} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}}, \quad
u_{bj} = \gamma_j \hat z_{bj} + \beta_j .
$$

Whatever the previous layers do to the scale and offset of $z$, the next layer sees inputs of mean
$\beta$ and standard deviation $\gamma$; that makes optimization far less sensitive to the
learning rate and the initialization (Santurkar et al. 2018 show it smooths the loss landscape),
and it regularizes: an example's output depends on which other examples share its batch, a noise
that memorization cannot rely on. ($\epsilon = 10^{-5}$ avoids dividing by zero for a dead unit.
The bias $b$ of the linear layer before it becomes redundant, since $\mu$ subtracts it; its
gradient is exactly 0.)

**Train vs eval.** A prediction must not depend on the batch it happens to be in, so at evaluation
time batch norm uses fixed statistics: exponential running averages kept during training,

$$
\mu^{\text{run}} \leftarrow (1 - m)\,\mu^{\text{run}} + m\,\mu, \qquad
\sigma^{2,\text{run}} \leftarrow (1 - m)\,\sigma^{2,\text{run}} + m\,\frac{B}{B - 1}\sigma^2,
$$

with momentum $m = 0.1$ and the unbiased variance (PyTorch's conventions). In evaluation
$u = \gamma (z - \mu^{\text{run}}) / \sqrt{\sigma^{2,\text{run}} + \epsilon} + \beta$, an affine map
(`batchnorm_forward_eval` in `common/norm.h`).

### Exercise 06.2 — batch norm forward, training mode

Write `bn_forward_train` for `x` of shape `(B, D)`: per column $j$ the mean and the *biased*
variance (divide by $B$) as above, computed in two passes (mean first, then the squares of the
deviations: the one-pass $E[x^2] - E[x]^2$ cancels catastrophically in float); save `mean[j]` and
`rstd[j]` $= 1/\sqrt{\sigma_j^2 + \epsilon}$ for the backward pass; write
`y = gamma * (x - mean) * rstd + beta`; and update `run_mean`, `run_var` as above with momentum
`mom` and the unbiased variance $\sigma^2 B/(B-1)$.
*/

/* Batch norm over the rows of x (B, D), training mode.  y: (B, D); mean, rstd, run_mean, run_var,
 * gamma, beta: (D).  B >= 2. */
static void bn_forward_train(float *y, float *mean, float *rstd, float *run_mean, float *run_var, const float *x,
                             const float *gamma, const float *beta, int B, int D, float mom, float eps)
{
    if (B < 2)
        nn_fatal("batch norm needs at least 2 examples per batch in training (use evaluation mode for one)",
                 "bn_forward_train: batch of %d, expected >= 2", B);
    /* BEGIN EXERCISE 06.2 (3 points): batch norm forward, training mode */
    for (int j = 0; j < D; j++)
        mean[j] = 0, rstd[j] = 0;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++)
            mean[j] += x[(size_t)b * D + j];
    for (int j = 0; j < D; j++)
        mean[j] /= (float)B;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            float d = x[(size_t)b * D + j] - mean[j];
            rstd[j] += d * d; /* the sum of squares, for now */
        }
    for (int j = 0; j < D; j++) {
        float var = rstd[j] / (float)B;
        run_mean[j] = (1 - mom) * run_mean[j] + mom * mean[j];
        run_var[j] = (1 - mom) * run_var[j] + mom * var * (float)B / (float)(B - 1);
        rstd[j] = 1.0f / sqrtf(var + eps);
    }
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            size_t i = (size_t)b * D + j;
            y[i] = gamma[j] * (x[i] - mean[j]) * rstd[j] + beta[j];
        }
    /* END EXERCISE */
}

/*md
**The backward pass** is the classic derivation that everybody should do once. Fix a column and
drop the index $j$; write $r = 1/\sqrt{\sigma^2 + \epsilon}$, $\hat z_b = (z_b - \mu) r$ and
$\bar{\hat z}_b = \gamma\, \bar u_b$. The parameters are easy: $\bar\gamma = \sum_b \bar u_b \hat
z_b$ and $\bar\beta = \sum_b \bar u_b$. For $z$, every $\hat z_b$ depends on every $z_c$ through
$\mu$ and $r$:

$$
\frac{\partial \mu}{\partial z_c} = \frac{1}{B}, \qquad
\frac{\partial r}{\partial z_c} = -\frac{1}{2}(\sigma^2 + \epsilon)^{-3/2}\, \frac{2}{B}(z_c - \mu)
= -\frac{r^3}{B}(z_c - \mu) = -\frac{r^2}{B}\,\hat z_c
$$

(the term $\frac{2}{B}\sum_b (z_b - \mu)\cdot(-\frac{1}{B})$ vanishes because deviations sum to 0).
So $\partial \hat z_b / \partial z_c = r\,([b = c] - \frac1B) + (z_b - \mu)\,\partial r/\partial z_c
= \frac{r}{B}\bigl(B[b = c] - 1 - \hat z_b \hat z_c\bigr)$, and summing over $b$:

$$
\bar z_c = \sum_b \bar{\hat z}_b \frac{\partial \hat z_b}{\partial z_c}
= \frac{r}{B}\Bigl(B\,\bar{\hat z}_c - \sum_b \bar{\hat z}_b - \hat z_c \sum_b \bar{\hat z}_b \hat z_b\Bigr).
$$

Two sums per column, then one pass. Read it as: the incoming gradient, minus its mean (a shift of
all $z$ cannot change $\hat z$), minus its component along $\hat z$ (nor can a scaling). The
tests compare it with centered differences (relative error bound $10^{-2}$).

### Exercise 06.3 — batch norm backward

Write `bn_backward`: given `dy` $= \bar u$ `(B, D)`, the forward input `x`, and the saved `mean`
and `rstd`, compute `dgamma`, `dbeta` `(D)` and `dx` `(B, D)` by the formulas above (recompute
$\hat z$ from `x`, `mean`, `rstd`). All three are overwritten. `dx` must not alias `dy`.
*/

/* Backward of bn_forward_train.  dx, dy, x: (B, D); dgamma, dbeta, mean, rstd, gamma: (D). */
static void bn_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
                        const float *rstd, const float *gamma, int B, int D)
{
    /* BEGIN EXERCISE 06.3 (4 points): the batch-norm backward pass */
    for (int j = 0; j < D; j++)
        dgamma[j] = 0, dbeta[j] = 0;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            size_t i = (size_t)b * D + j;
            dbeta[j] += dy[i];
            dgamma[j] += dy[i] * (x[i] - mean[j]) * rstd[j];
        }
    /* sum_b dzhat = gamma * dbeta, sum_b dzhat zhat = gamma * dgamma */
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            size_t i = (size_t)b * D + j;
            float zhat = (x[i] - mean[j]) * rstd[j];
            dx[i] = gamma[j] * rstd[j] / (float)B * ((float)B * dy[i] - dbeta[j] - zhat * dgamma[j]);
        }
    /* END EXERCISE */
}

/*md
**Layer, instance and group norm** change only *which* numbers share a mean and variance. Batch
norm normalizes each unit across the batch; **layer norm** (Ba et al. 2016) normalizes each
example across its units, so it needs no batch, behaves identically in training and evaluation,
and is what transformers use. For images of shape `(C, H, W)`, **instance norm**
normalizes each channel of each image over its $H W$ pixels (style transfer's favorite), and
**group norm** (Wu and He 2018) each group of $C/G$ channels of each image: $G = 1$ is layer norm,
$G = C$ instance norm. The forward and backward formulas are the ones above with the sums taken
over the group; `common/norm.h` implements all four for a `(B, C, S)` layout and its tests check
each against centered differences. The chapter's MLP uses batch norm, the usual choice for
MLPs and CNNs trained with reasonably large batches.
*/

/*md
With the pieces in place, the forward and backward passes of the network follow section 6.2's
diagram layer by layer; `mlp_forward` and `mlp_backward` in `common/mlp.c` are those loops. In
evaluation mode dropout is skipped and batch norm uses the running statistics. In the backward
pass each hidden layer undoes, in reverse order, dropout (the mask), the ReLU ($[u > 0]$), batch
norm (exercise 06.3), then the linear map; three scratch buffers rotate so that no function reads
and writes the same one. The chapter's network is that `mlp_t` with the hooks set to your
functions, so every run below trains with the dropout and batch norm you wrote:
*/

/* The chapter's network: sizes (4) = n_0, two hidden widths, classes; He-initialized from rng; in
 * evaluation mode until fit() switches it. Its dropout and batch norm are exercises 06.1 to 06.3. */
static mlp_t net_new(const int *sizes, int bn, float dropout, int max_batch, rng_t *rng)
{
    mlp_t m;
    if (mlp_new(&m, sizes, 3, bn, dropout, max_batch) != 0)
        nn_fatal("see the message above", "net_new: could not build the chapter's network");
    m.hooks = (mlp_hooks_t){.batchnorm_train = bn_forward_train, .batchnorm_backward = bn_backward,
                            .dropout = inverted_dropout_forward};
    mlp_init(&m, rng);
    return m;
}

/*md
## 6.6 Data augmentation, mixup and label smoothing

The most direct cure for too little data is more data. When the label of an image does not change
under a transformation, applying the transformation yields a new training example for free:

* **flips**: a T-shirt mirrored left–right is still a T-shirt (not every dataset allows this: a
  mirrored "2" is not a "2");
* **random crops with padding**: pad the $28 \times 28$ image with 2 zero pixels on every side and
  cut a $28 \times 28$ window at a random offset, a shift by up to 2 pixels in each direction; an
  MLP, unlike the convolutional network of chapter 7, has no built-in tolerance to shifts, so it
  has to learn it from such examples;
* **cutout** (DeVries and Taylor 2017): blank a random $s \times s$ square, so that no single
  region is indispensable, dropout on the input with spatial structure.

Each training image is transformed afresh every time it is drawn, so the network never sees the
same picture twice; validation and test images are never augmented. The functions are in
`common/augment.h`; the figure shows them on one training image.

![Augmentations of one training image: original, flipped, shifted by a random crop with padding 2, cutout of 10 pixels, and a mixup with another image.](out/06/augment.svg)

**Mixup** (Zhang et al. 2018) goes further and trains on *convex combinations* of pairs of
examples and of their labels: with $\lambda \sim \operatorname{Beta}(\alpha, \alpha)$,

$$
\tilde x = \lambda x_a + (1 - \lambda) x_b, \qquad \tilde q = \lambda \operatorname{onehot}(y_a) + (1 - \lambda)\operatorname{onehot}(y_b).
$$

It asks the network to behave linearly *between* training examples, instead of switching abruptly
somewhere in the gap, a strong prior for smooth decision boundaries. The cross-entropy with the
soft target $\tilde q$ is linear in $\tilde q$, so it is the mix of two ordinary cross-entropies:

$$
L = -\frac{1}{B}\sum_b \sum_k \tilde q_{bk} \log p_{bk}
= \lambda\, \mathrm{CE}(z, y_a) + (1 - \lambda)\, \mathrm{CE}(z, y_b), \qquad
\bar z_{bk} = \frac{1}{B}\bigl(p_{bk} - \tilde q_{bk}\bigr),
$$

with $p = \operatorname{softmax}(z)$, the same gradient form as chapter 2's cross-entropy, with
the soft target in place of the one-hot. In a batch we draw one $\lambda$ and pair each example
$b$ with example $\pi(b)$ of a random permutation $\pi$ of the same batch.

**Label smoothing** (Szegedy et al. 2016) softens the targets without mixing inputs: the target
becomes $(1 - \varepsilon)\operatorname{onehot}(y) + \varepsilon / K$. A one-hot target can only
be reached with infinitely large logits; the smoothed one is reached at a finite logit gap of
$\log\bigl((1 - \varepsilon + \varepsilon/K) K / \varepsilon\bigr)$, so the network stops growing its
weights to become ever more confident. Chapter 2 derived it; it is
`softmax_cross_entropy_smooth` in `common/loss.h`.

### Exercise 06.4 — the mixup loss and its gradient

Write `mixup_cross_entropy`: the logits `z` `(B, K)` of the mixed batch, the labels `ya` of the
examples and `yb` of their partners, and $\lambda$. Return
$L = -\frac1B \sum_b [\lambda \log p_{b,y_a} + (1 - \lambda) \log p_{b,y_b}]$ and write
$\bar z = (p - \tilde q) / B$ into `dz`. Use `log_softmax_forward` (loss.h) into `dz` first (it
is stable), accumulate the loss from it in a `double`, then overwrite `dz` with the gradient
($p = e^{\log p}$). When `ya[b] == yb[b]` the target is plain one-hot: make sure both terms land.
*/

/* Mixup cross-entropy.  dz, z: (B, K); ya, yb: (B) in [0, K); lam in [0, 1]. Returns the loss. */
static float mixup_cross_entropy(float *dz, const float *z, const int *ya, const int *yb, float lam, int B, int K)
{
    double total = 0;
    /* BEGIN EXERCISE 06.4 (3 points): mixup loss and its gradient */
    log_softmax_forward(dz, z, B, K);
    for (int b = 0; b < B; b++) {
        float *row = dz + (size_t)b * K;
        total -= lam * (double)row[ya[b]] + (1 - lam) * (double)row[yb[b]];
        for (int k = 0; k < K; k++)
            row[k] = expf(row[k]);
        row[ya[b]] -= lam;
        row[yb[b]] -= 1 - lam;
        for (int k = 0; k < K; k++)
            row[k] /= (float)B;
    }
    /* END EXERCISE */
    return (float)(total / B);
}

/*md
### A loss for F1: soft F1

Accuracy and cross-entropy weigh every example the same, so on imbalanced data a model can score
well while ignoring a rare class. The F1 score of section 6.8 does not have that blind spot, but it
counts hard decisions and has no gradient. A *soft F1* replaces the counts by their expectations
under the predicted probabilities: for class $k$ with $p_{bk} = \operatorname{softmax}(z_b)_k$ and
$t_{bk} = [y_b = k]$,

$$
\mathrm{TP}_k = \sum_b p_{bk} t_{bk}, \quad \mathrm{FP}_k = \sum_b p_{bk}(1 - t_{bk}), \quad
\mathrm{FN}_k = \sum_b (1 - p_{bk}) t_{bk}, \quad
F_k = \frac{2\,\mathrm{TP}_k}{2\,\mathrm{TP}_k + \mathrm{FP}_k + \mathrm{FN}_k},
$$

and the loss is $L = 1 - \frac{1}{K}\sum_k F_k$ (macro soft F1). The denominator is
$S_k = 2\mathrm{TP}_k + \mathrm{FP}_k + \mathrm{FN}_k = \sum_b (p_{bk} + t_{bk})$, so
$\partial F_k / \partial p_{bk} = (2 t_{bk} S_k - 2\mathrm{TP}_k) / S_k^2$ and
$\bar p_{bk} = -\frac{1}{K}\,\partial F_k/\partial p_{bk}$; the softmax's backward
(`softmax_backward`, chapter 3) turns $\bar p$ into $\bar z$. The loss is per batch, not a mean of
per-example terms: the batch must hold enough examples of every class for the counts to mean
something (class-balanced batches help). A test checks the gradient numerically.
*/

/* Macro soft-F1 loss of logits z (B, K) against labels (B). dz (B, K) may be NULL; p: (B, K) scratch. */
static float soft_f1_loss(float *dz, float *p, const float *z, const int *labels, int B, int K)
{
    softmax_forward(p, z, B, K);
    double loss = 1;
    double tp[K], s[K];
    for (int k = 0; k < K; k++)
        tp[k] = 0, s[k] = 0;
    for (int b = 0; b < B; b++)
        for (int k = 0; k < K; k++) {
            double t = labels[b] == k, pk = p[(size_t)b * K + k];
            tp[k] += pk * t, s[k] += pk + t;
        }
    for (int k = 0; k < K; k++)
        loss -= (s[k] > 0 ? 2 * tp[k] / s[k] : 0) / K;
    if (dz) {
        for (int b = 0; b < B; b++) /* dL/dp, then through the softmax */
            for (int k = 0; k < K; k++) {
                double t = labels[b] == k;
                dz[(size_t)b * K + k] = s[k] > 0 ? (float)(-(2 * t * s[k] - 2 * tp[k]) / (s[k] * s[k]) / K) : 0;
            }
        softmax_backward(dz, dz, p, B, K);
    }
    return (float)loss;
}

/*md
## 6.7 Training, early stopping and checkpoints

**Early stopping** uses the validation set during training: evaluate after every epoch, remember
the epoch with the lowest validation loss, and stop when it has not improved for `patience`
epochs in a row; then go back to the parameters of that best epoch. It is a regularizer in its own
right: for a quadratic loss and gradient descent from small weights, stopping after $t$ steps of
size $\eta$ acts like an L2 penalty with $\lambda \approx 1/(\eta t)$ (Bishop 1995), since the
weights move out along the directions of the loss one eigenvalue at a time. Patience matters
because validation curves are noisy: stopping at the first uptick would stop far too early.

Going back requires the best parameters to be stored somewhere. We write them to a *checkpoint*
file (`common/checkpoint.h`), which also survives a crash: a header with a magic number
(`"NNCK"`), a format version, the number of floats and a tag naming the architecture, then the
floats and a CRC-32 checksum. It is written to a temporary file and renamed over the old one
(`rename` is atomic in POSIX), so a crash mid-write leaves the previous checkpoint intact. Loading
checks every field and says exactly what is wrong (not a checkpoint, another version, another
architecture, truncated, corrupted) instead of silently filling the model with garbage; the tests
of `common/tests/test_checkpoint.c` produce each of these files on purpose.

### Exercise 06.5 — early stopping with patience

Write `early_stop_update`, called once per epoch with the validation loss. If the loss is lower
than `es->best - es->min_delta` (an improvement), record it as `best` with its `best_epoch`, reset
`bad_epochs` to 0 and return `ES_IMPROVED` (the caller saves a checkpoint). Otherwise increment
`bad_epochs`; return `ES_STOP` when it has reached `patience`, else `ES_CONTINUE`. A NaN loss is
never an improvement. `best` starts at `INFINITY` (see `early_stop_new`).
*/

enum { ES_CONTINUE = 0, ES_IMPROVED = 1, ES_STOP = 2 };

typedef struct {
    int patience;     /* epochs without improvement before stopping */
    float min_delta;  /* an improvement must beat best by more than this */
    double best;      /* lowest validation loss so far */
    int best_epoch;   /* when it happened (0: never) */
    int bad_epochs;   /* epochs since the last improvement */
} early_stop;

static early_stop early_stop_new(int patience, float min_delta)
{
    return (early_stop){.patience = patience, .min_delta = min_delta, .best = INFINITY};
}

static int early_stop_update(early_stop *es, double val_loss, int epoch)
{
    /* BEGIN EXERCISE 06.5 (2 points): early stopping with patience */
    if (val_loss < es->best - es->min_delta) { /* false for NaN */
        es->best = val_loss;
        es->best_epoch = epoch;
        es->bad_epochs = 0;
        return ES_IMPROVED;
    }
    es->bad_epochs++;
    return es->bad_epochs >= es->patience ? ES_STOP : ES_CONTINUE;
    /* END EXERCISE */
}

/*md
The training loop gathers each batch (with class-balanced sampling when asked, section 6.9),
augments it, and takes one step: forward, loss (cross-entropy, smoothed, mixup or soft F1),
backward, penalties, Adam, decoupled decay. After each epoch it evaluates in evaluation mode on the
validation set, feeds early stopping, and logs a row. The learning rate falls linearly to zero
over the run, as in chapter 3.
*/

typedef struct {
    int epochs, batch;
    float lr, l2, l1, wd, smooth, mixup; /* mixup: alpha of Beta(alpha, alpha), 0 = off */
    int flip, crop_pad, cutout;          /* augmentation: flip on/off, crop padding, cutout side */
    int balanced, soft_f1;               /* class-balanced sampling, soft-F1 loss */
    int patience, stop;                  /* early stopping: patience (0 = off); stop = 1: really stop */
    const char *ckpt;                    /* where the best checkpoint goes (with patience) */
    int quiet;
} train_cfg;

typedef struct {
    double train_loss, train_acc, val_loss, val_acc, best_val_acc, seconds;
    double last_val_loss, last_val_acc; /* after the last epoch, before restoring the best one */
    int epochs_run, best_epoch, stop_epoch; /* stop_epoch: when patience ran out (0: never) */
} train_result;

/* Mean cross-entropy and accuracy of m on ds in evaluation mode; with probs (ds->n, K), also the
 * softmax probabilities. */
static void net_evaluate(mlp_t *m, const dataset_t *ds, double *loss, double *acc, float *probs)
{
    metrics_eval_t e = mlp_evaluate(m, probs, ds->x, ds->y, ds->n);
    *loss = e.loss, *acc = e.accuracy;
}

/* Copy example i into the batch row xr, augmented as cfg says.  xr: (784) */
static void gather_example(float *xr, const dataset_t *ds, int i, const train_cfg *c, rng_t *rng)
{
    const float *src = ds->x + (size_t)i * ds->d;
    if (c->crop_pad > 0 && ds->d == 784)
        augment_random_crop(xr, src, 1, 28, 28, c->crop_pad, rng);
    else
        memcpy(xr, src, (size_t)ds->d * sizeof(float));
    if (c->flip && ds->d == 784)
        augment_random_flip(xr, 1, 28, 28, rng);
    if (c->cutout > 0 && ds->d == 784)
        augment_cutout(xr, 1, 28, 28, c->cutout, rng);
}

/* Train m on train for c->epochs epochs (fewer if early stopping stops it), evaluating on val
 * after each. Logs "epoch,train_loss,train_acc,val_loss,val_acc" rows when log is given; with
 * eval_train the training columns are measured on the whole training set in evaluation mode,
 * otherwise they are the running means over the epoch's batches. */
static train_result fit(mlp_t *m, const train_cfg *c, const dataset_t *train, const dataset_t *val, rng_t *rng,
                        csvlog_t *log, int eval_train, const char *name)
{
    const int D = train->d, K = m->sizes[m->L], B = c->batch;
    const int steps = (train->n + B - 1) / B;
    train_result r = {0};
    optim_t opt = optim_new(OPTIM_ADAMW, m->n_train, c->lr); /* AdamW: decay, then Adam (chapter 5) */
    opt.weight_decay = c->wd, opt.no_decay = m->no_decay;      /* on the weights only */
    int *order = nn_malloc((size_t)train->n * sizeof(int)), *yb = nn_malloc((size_t)B * sizeof(int));
    int *yp = nn_malloc((size_t)B * sizeof(int)), *perm = nn_malloc((size_t)B * sizeof(int));
    float *xb = nn_malloc((size_t)B * D * sizeof(float)), *xm = nn_malloc((size_t)B * D * sizeof(float));
    float *tmp = nn_malloc((size_t)B * K * sizeof(float));
    /* class-balanced sampling: the examples of each class, to draw a class first, then a member */
    int *by_class = NULL, count[64] = {0}, start[65] = {0};
    if (c->balanced && train->classes > 64)
        nn_fatal("class-balanced sampling here supports up to 64 classes", "fit: %d classes", train->classes);
    if (c->balanced) {
        by_class = nn_malloc((size_t)train->n * sizeof(int));
        for (int i = 0; i < train->n; i++)
            count[train->y[i]]++;
        for (int k = 0; k < train->classes; k++)
            start[k + 1] = start[k] + count[k];
        int fill[64] = {0};
        for (int i = 0; i < train->n; i++)
            by_class[start[train->y[i]] + fill[train->y[i]]++] = i;
    }
    rng_iota(order, train->n);
    early_stop es = early_stop_new(c->patience, 0);
    char tag[64];
    m->rng = rng;
    const schedule_t decay = schedule_new(SCHEDULE_LINEAR, c->lr, (long)c->epochs * steps); /* to 0, linearly */
    long step = 0;
    double t0 = timing_seconds();
    for (int e = 1; e <= c->epochs; e++) {
        m->training = 1;
        rng_shuffle(rng, order, train->n);
        double sum_loss = 0;
        long correct = 0, seen = 0;
        progress_t bar;
        char label[64];
        snprintf(label, sizeof label, "%-10s epoch %2d/%d", name ? name : "", e, c->epochs);
        if (!c->quiet)
            progress_begin(&bar, label, steps);
        for (int s = 0; s < steps; s++, step++) {
            int b = train->n - s * B < B ? train->n - s * B : B;
            for (int r2 = 0; r2 < b; r2++) {
                int i = order[s * B + r2];
                if (c->balanced) { /* a class uniformly, then one of its examples uniformly */
                    int k;
                    do
                        k = (int)rng_below(rng, (uint32_t)train->classes);
                    while (count[k] == 0);
                    i = by_class[start[k] + (int)rng_below(rng, (uint32_t)count[k])];
                }
                gather_example(xb + (size_t)r2 * D, train, i, c, rng);
                yb[r2] = train->y[i];
            }
            opt.lr = schedule_lr(&decay, step);
            float lam = 0;
            if (c->mixup > 0) {
                lam = augment_mixup_lambda(c->mixup, rng);
                rng_iota(perm, b);
                rng_shuffle(rng, perm, b);
                augment_mixup(xm, xb, perm, b, D, lam);
                for (int r2 = 0; r2 < b; r2++)
                    yp[r2] = yb[perm[r2]];
            }
            const float *xin = c->mixup > 0 ? xm : xb;
            const float *z = mlp_forward(m, xin, b);
            if (!z)
                nn_fatal("see the message above", "fit: no forward pass at step %ld", step + 1);
            float loss = c->mixup > 0  ? mixup_cross_entropy(m->dlogits, z, yb, yp, lam, b, K)
                         : c->soft_f1   ? soft_f1_loss(m->dlogits, tmp, z, yb, b, K)
                         : c->smooth > 0 ? softmax_cross_entropy_smooth(m->dlogits, z, yb, b, K, c->smooth)
                                         : softmax_cross_entropy(m->dlogits, z, yb, b, K);
            nn_check_finite(loss, "the training loss", step + 1);
            for (int r2 = 0; r2 < b; r2++)
                correct += metrics_argmax(z + (size_t)r2 * K, K) == yb[r2];
            if (mlp_backward(m, xin, m->dlogits, b) != 0)
                nn_fatal("see the message above", "fit: no backward pass at step %ld", step + 1);
            apply_penalties(m, c->l2, c->l1);
            optim_step_tensors(&opt, m->params, m->grads, m->tensor_sizes, m->n_tensors);
            sum_loss += loss, seen += b;
            if (!c->quiet)
                progress_step(&bar, s + 1, "loss %.4f", sum_loss / (s + 1));
        }
        r.seconds += timing_seconds() - t0;
        r.train_loss = sum_loss / steps, r.train_acc = (double)correct / seen;
        if (eval_train)
            net_evaluate(m, train, &r.train_loss, &r.train_acc, NULL);
        if (val)
            net_evaluate(m, val, &r.val_loss, &r.val_acc, NULL);
        r.best_val_acc = fmax(r.best_val_acc, r.val_acc);
        r.epochs_run = e;
        if (log)
            csvlog_row(log, (double[]){e, r.train_loss, r.train_acc, r.val_loss, r.val_acc});
        if (!c->quiet)
            progress_end(&bar, "loss %.4f  acc %.4f  val loss %.4f  val acc %.4f", r.train_loss, r.train_acc,
                         r.val_loss, r.val_acc);
        if (val && c->patience > 0 && !r.stop_epoch) {
            int st = early_stop_update(&es, r.val_loss, e);
            if (st == ES_IMPROVED && c->ckpt && checkpoint_save(c->ckpt, mlp_tag(m, tag, sizeof tag), m->params, m->n_params) != 0)
                nn_fatal("see the message above", "fit: could not save the checkpoint %s", c->ckpt);
            if (st == ES_STOP) {
                r.stop_epoch = e;
                if (c->stop)
                    break;
            }
        }
        t0 = timing_seconds();
    }
    r.best_epoch = es.best_epoch;
    r.last_val_loss = r.val_loss, r.last_val_acc = r.val_acc;
    if (c->patience > 0 && c->ckpt && es.best_epoch > 0) { /* back to the best epoch */
        if (checkpoint_load(m->params, m->n_params, c->ckpt, mlp_tag(m, tag, sizeof tag)) != 0)
            nn_fatal("see the message above", "fit: could not restore the best checkpoint %s", c->ckpt);
        if (val)
            net_evaluate(m, val, &r.val_loss, &r.val_acc, NULL);
    }
    m->training = 0;
    optim_free(&opt);
    free(order), free(yb), free(yp), free(perm), free(xb), free(xm), free(tmp), free(by_class);
    return r;
}

/*md
### What the cures do on 1,000 images

`main` trains the 1,000-image problem of section 6.1 ten times, each with one cure (same
schedule, 30 epochs, batch 50, Adam $10^{-3}$), and the baseline once more with early stopping
(patience 5) watching it. The default run gives (accuracy on the training set measured in
evaluation mode; "best val" is the best epoch's; two digits, because the third changes with the
CPU's matrix-product kernels):

| cure | train acc | val loss | val acc | best val acc |
|---|---|---|---|---|
| none | 0.99 | 0.54 | 0.82 | 0.82 |
| L2 penalty $\lambda_2 = 10^{-3}$ | 0.98 | 0.54 | 0.82 | 0.82 |
| L1 penalty $\lambda_1 = 10^{-4}$ | 0.98 | 0.52 | 0.82 | 0.82 |
| decoupled weight decay $\lambda = 1$ | 0.97 | 0.51 | 0.82 | 0.83 |
| dropout $p = 0.5$ | 0.90 | 0.53 | 0.81 | 0.81 |
| batch norm | 1.00 | 0.62 | 0.82 | 0.82 |
| flip + crop (pad 2) | 0.84 | 0.60 | 0.79 | 0.80 |
| mixup $\alpha = 0.4$ | 0.96 | 0.55 | 0.82 | 0.82 |
| label smoothing 0.1 | 0.99 | 0.60 | 0.82 | 0.83 |
| dropout 0.3 + weight decay + smoothing | 0.93 | 0.59 | 0.82 | 0.82 |

![Validation loss and accuracy of each cure on the 1,000-image problem.](out/06/cures.svg)

Three honest lessons. First, on this small problem no single cure buys more than about a point of
validation accuracy, and differences of half a point are within the noise of one run on 2,000
validation images (its standard error is about $\sqrt{0.82 \cdot 0.18 / 2000} \approx 0.9$ points).
What the cures change clearly is the *gap* (training accuracy falls from 99% towards 84-90% with
dropout and augmentation) and the *loss*: weight decay and the penalties keep the validation loss
from climbing, because they stop the weights, and with them the confidence, from growing.
Second, some cures cost fitting speed: augmentation and dropout make every epoch harder, and 30
epochs are not enough for the augmented model to catch up (with the full data set and more
epochs augmentation pays off, as it does for the CNN of chapter 7); batch norm is mainly an
optimization aid, and on 1,000 images it lets the network memorize *faster*. Third, label
smoothing's validation loss is not comparable with the others: its targets are never one-hot, so
its loss has a higher floor even when its accuracy is among the best of the table.

Early stopping on the baseline found the lowest validation loss at epoch 10 and ran out of
patience at epoch 15. Restoring the epoch-10 checkpoint from `out/06/best.ckpt` brought the
validation loss from about 0.54 back to 0.51, with the accuracy unchanged at about 82% (81% on
the test set): as good as any cure here, for free, which is why early stopping is used nearly everywhere.
*/

/*md
## 6.8 Measuring a classifier: beyond accuracy

Accuracy answers "how often is the model right?" and hides *how* it is wrong. The **confusion
matrix** $C$ keeps everything: $C_{tp}$ counts the examples of true class $t$ that were predicted
as $p$. Its rows sum to the class sizes, its diagonal holds the correct predictions, and an
off-diagonal cell such as (Shirt, T-shirt/top) names a specific confusion. Taking one class $k$
against all others collapses it into four counts:

$$
\mathrm{TP}_k = C_{kk}, \quad \mathrm{FP}_k = \sum_{t \ne k} C_{tk}, \quad \mathrm{FN}_k = \sum_{p \ne k} C_{kp}, \quad
\mathrm{TN}_k = N - \mathrm{TP}_k - \mathrm{FP}_k - \mathrm{FN}_k,
$$

(false positives are in column $k$, false negatives in row $k$) and into the ratios people quote:

$$
\text{precision}_k = \frac{\mathrm{TP}_k}{\mathrm{TP}_k + \mathrm{FP}_k}, \quad
\text{recall}_k = \frac{\mathrm{TP}_k}{\mathrm{TP}_k + \mathrm{FN}_k}, \quad
\text{specificity}_k = \frac{\mathrm{TN}_k}{\mathrm{TN}_k + \mathrm{FP}_k}, \quad
F_{1,k} = \frac{2 P_k R_k}{P_k + R_k} = \frac{2\mathrm{TP}_k}{2\mathrm{TP}_k + \mathrm{FP}_k + \mathrm{FN}_k}.
$$

Precision is "when the model says $k$, how often is it right?", recall (sensitivity) "of all the
$k$s, how many did it find?", specificity "of all the non-$k$s, how many did it leave alone?". A
screening test wants high recall, a spam filter high precision. $F_1$ is their harmonic mean, which
is high only if both are: a model that calls everything $k$ has recall 1 and precision equal to
the class's share, and an $F_1$ near $2 \times$ that share. The **macro** average of $F_1$ over
classes weighs every class equally, however rare; the **micro** average pools the counts over
classes and, for single-label data, equals the accuracy (every error is one false positive and
one false negative, so micro precision, recall and $F_1$ are all correct/total). A ratio $0/0$ (a class never predicted)
is taken as 0.

### Exercise 06.6 — precision, recall and F1 from a confusion matrix

Write `class_scores`: from the confusion matrix `cm` `(K, K)` (`cm[t * K + p]`, counts as `long`)
fill `precision`, `recall` and `f1` `(K)` by the formulas above (0 for any $0/0$) and return the
macro $F_1$. The library's `metrics_per_class` (common/metrics.h) does the same with specificity
added; use it only to check yourself.
*/

/* Per-class precision, recall and F1 (K) from cm (K, K); returns the macro F1. */
static double class_scores(const long *cm, int K, double *precision, double *recall, double *f1)
{
    double macro = 0;
    /* BEGIN EXERCISE 06.6 (3 points): precision, recall, F1 and macro F1 */
    for (int k = 0; k < K; k++) {
        long tp = cm[(size_t)k * K + k], col = 0, row = 0;
        for (int j = 0; j < K; j++)
            col += cm[(size_t)j * K + k], row += cm[(size_t)k * K + j];
        precision[k] = col > 0 ? (double)tp / col : 0;
        recall[k] = row > 0 ? (double)tp / row : 0;
        f1[k] = row + col > 0 ? 2.0 * tp / (double)(row + col) : 0; /* 2TP + FP + FN = row + col */
        macro += f1[k] / K;
    }
    /* END EXERCISE */
    return macro;
}

/*md
**Scores and thresholds.** A classifier outputs scores, and a decision is a score compared with a
threshold. For a binary problem (one class against the rest: the score is its softmax probability),
lowering the threshold from $+\infty$ to $-\infty$ turns more examples positive: the true-positive
rate $\mathrm{TPR} = $ recall and the false-positive rate $\mathrm{FPR} = 1 - $ specificity both
grow from 0 to 1. The **ROC curve** plots TPR against FPR over all thresholds; the diagonal is a
coin flip, the top-left corner a perfect classifier. Its area, the **AUC**, has a meaning that
needs no curve: it is the probability that a randomly chosen positive gets a higher score than a
randomly chosen negative (ties counting $\frac12$). Count, for each positive, the negatives below
it: sorting all $n = P + N$ scores and giving them ranks $1..n$ (ties get the average of their
ranks), a positive of rank $r_i$ has $r_i - 1$ examples below it, of which (positives below it)
are counted by the other positives' ranks; summing, the number of positive–negative pairs won by
the positive is $U = \sum_{i \in \text{pos}} r_i - P(P + 1)/2$ (the Mann–Whitney $U$ statistic),
and

$$
\mathrm{AUC} = \frac{U}{P\,N} = \frac{\sum_{i \in \text{pos}} r_i - P(P+1)/2}{P\,N}.
$$

Because only ranks enter, the AUC does not depend on the class balance nor on any monotone
rescaling of the scores. The **precision–recall curve** plots precision against recall over the
same thresholds; unlike ROC it *does* depend on the class balance, and for a rare class it is the
more honest picture (a tiny FPR can still mean more false than true positives). Its summary is the
*average precision* $\sum_k (R_k - R_{k-1}) P_k$. `common/metrics.h` computes both curves
(`metrics_roc_curve`, `metrics_pr_curve`) by sorting once and sweeping the threshold.

### Exercise 06.7 — AUC by the rank formula

Write `auc_by_ranks`: `average_ranks` (given) fills `rank` with the 1-based ranks of the scores,
ties averaged; count the positives $P$ (labels 1) and negatives $N$ (labels 0), sum the ranks of
the positives in a `double`, and return the formula above, computed in `double` too ($P N$ passes
`INT_MAX` from 46,341 of each). If $P = 0$ or $N = 0$ return `NAN`.
*/

static const float *rank_keys; /* qsort has no context argument */
static int by_key(const void *a, const void *b)
{
    float x = rank_keys[*(const int *)a], y = rank_keys[*(const int *)b];
    return (x > y) - (x < y);
}

/* rank (n) = 1-based ranks of scores in increasing order, equal scores sharing their mean rank. */
static void average_ranks(double *rank, const float *scores, int n)
{
    int *idx = nn_malloc((size_t)n * sizeof(int));
    rng_iota(idx, n);
    rank_keys = scores;
    qsort(idx, (size_t)n, sizeof(int), by_key);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && scores[idx[j + 1]] == scores[idx[i]])
            j++;
        for (int k = i; k <= j; k++) /* positions i..j (0-based) share the mean of ranks i+1..j+1 */
            rank[idx[k]] = (i + j) / 2.0 + 1;
        i = j + 1;
    }
    free(idx);
}

/* AUC of scores (n) for labels (n) in {0, 1}. */
static double auc_by_ranks(const float *scores, const int *labels, int n)
{
    double *rank = nn_malloc((size_t)n * sizeof(double)), auc = NAN;
    average_ranks(rank, scores, n);
    /* BEGIN EXERCISE 06.7 (2 points): AUC by the Mann-Whitney rank formula */
    double pos = 0, neg = 0, sum = 0;
    for (int i = 0; i < n; i++) {
        if (labels[i])
            pos++, sum += rank[i];
        else
            neg++;
    }
    auc = pos > 0 && neg > 0 ? (sum - pos * (pos + 1) / 2) / (pos * neg) : NAN;
    /* END EXERCISE */
    free(rank);
    return auc;
}

/*md
### The main model's report card

The chapter's main model is chapter 3's MLP with batch norm in both hidden layers, dropout 0.2
after each, decoupled weight decay $0.01$, Adam at $\eta = 2 \cdot 10^{-3}$ decaying linearly to 0,
batch 128, 10 epochs on 55,000 images (5,000 held out for validation). Batch norm is what allows
the doubled learning rate; dropout and decay keep the last epochs from overfitting. In the
default run it reaches **about 89.5% test accuracy** (and about 91% on the validation set) after 12 to 20 s
of training, 1.2 to 2 s per epoch, on our 2-core machine while other jobs were running; chapter
3's plain network reached about 89%. `--experiment best` trains the same model for
30 epochs: about 90% test accuracy in 55 s of training.

![The main model's training (batches, dropout on) and validation loss.](out/06/loss.svg)

The confusion matrix shows where the remaining 10% of errors are: almost entirely among the
upper-body garments. Shirts are called T-shirts (91 of 1,000 in our run; the count moves by tens from one CPU's
BLAS to another's), pullovers and
coats; pullovers and coats are confused with each other; footwear is confused only among
sandals, sneakers and ankle boots, and trousers and bags are nearly perfect.

![Confusion matrix of the main model on the test set: counts, coloured by the fraction of the true class.](out/06/confusion.svg)

Per class (one against the rest) the default run gives (two digits: the third moves with the
CPU's matrix-product kernels):

| class | precision | recall | specificity | F1 | ROC AUC | AP |
|---|---|---|---|---|---|---|
| T-shirt/top | 0.84 | 0.86 | 0.98 | 0.85 | 0.99 | 0.93 |
| Trouser | 0.99 | 0.97 | 1.00 | 0.98 | 1.00 | 1.00 |
| Pullover | 0.82 | 0.82 | 0.98 | 0.82 | 0.99 | 0.90 |
| Dress | 0.89 | 0.91 | 0.99 | 0.90 | 0.99 | 0.96 |
| Coat | 0.82 | 0.83 | 0.98 | 0.83 | 0.99 | 0.91 |
| Sandal | 0.97 | 0.96 | 1.00 | 0.97 | 1.00 | 1.00 |
| Shirt | 0.74 | 0.70 | 0.97 | 0.72 | 0.97 | 0.82 |
| Sneaker | 0.94 | 0.96 | 0.99 | 0.95 | 1.00 | 0.99 |
| Bag | 0.98 | 0.98 | 1.00 | 0.98 | 1.00 | 1.00 |
| Ankle boot | 0.96 | 0.95 | 1.00 | 0.96 | 1.00 | 0.99 |

The macro F1 is about 0.895, close to the accuracy but not equal to it by any law. On balanced
classes (1,000 test images each) the *macro recall* is exactly the accuracy, since every row of
the confusion matrix has the same total; macro precision and macro $F_1$ are not, but they stay
close when no class's precision and recall are far apart. Two things stand out. Every specificity is above 0.97: with ten balanced classes, "not
$k$" is 90% of the data, and specificity is easy. And the AUCs are all near 1 even for *Shirt*
(0.969), whose F1 is only 0.72: the AUC measures *ranking* over all thresholds, and a shirt's
score is usually higher than a non-shirt's, yet at the threshold the arg max implies many shirts
lose to another class. The PR curve and its average precision (about 0.82) show the difficulty more
plainly than the ROC curve, as expected when the positives are a small part (10%) of the data.
The program also checks exercise 06.7 against the library: the rank formula and the trapezoids
agree to $10^{-13}$ on all ten classes.

![ROC curves, one class against the rest (note the zoomed axes).](out/06/roc.svg)

![Precision–recall curves, one class against the rest.](out/06/pr.svg)
*/

/*md
## 6.9 Imbalanced classes

Real data is rarely balanced: fraud, disease, defects are rare. To see what that does, take two
classes that are easy to confuse, *T-shirt/top* and *Shirt*, and keep all 6,000 T-shirts but only
300 shirts (a 20:1 imbalance). A network trained on that with plain cross-entropy sees a shirt in
one batch out of twenty examples; the cheapest way to lower its loss is to call doubtful cases
"T-shirt", and its recall on shirts suffers. We measure on the balanced test pair (1,000 of each),
so that precision and recall of both classes are visible.

Two remedies. **Class-balanced sampling** draws every training example by first picking a class
uniformly, then an example of that class: each batch is balanced in expectation, which is the same
as weighting each example's loss by $1/(K n_k)$ (up to the noise of sampling), so the rare class
counts as much as the common one. It trades precision on the rare class for recall: the model now
believes the classes are equally frequent, as they are in our test set. **The soft-F1 loss** of
section 6.6 optimizes a smooth version of the macro $F_1$ directly.

The default run trains a $784 \to 64 \to 32 \to 2$ MLP for 8 epochs each way (about a second in
all) and measures on the balanced test pair:

| training | shirt precision | shirt recall | T-shirt recall | macro F1 |
|---|---|---|---|---|
| cross-entropy | 0.99 | 0.51 | 1.00 | 0.74 |
| class-balanced sampling | 0.92 | 0.70 | 0.94 | 0.82 |
| soft-F1 loss | 0.99 | 0.54 | 0.99 | 0.75 |

Plain cross-entropy finds only half of the shirts, but when it says "shirt" it is almost always
right: it has learned the 20:1 prior. Balanced sampling raises the shirt recall by 19 points at
the cost of 7 points of precision and 6 of T-shirt recall, and the macro F1 by 8 points. The
soft-F1 loss moves in the same direction but much less: with natural (imbalanced) batches of 64,
a batch holds about three shirts, too few for the batch's soft counts to say much about the rare
class (combining it with balanced batches is the usual remedy). Which trade-off is right depends
on the cost of each mistake and on the class balance where the model will be used; the metrics
of section 6.8 are how you see the trade-off at all.

![Precision and recall on the rare class (Shirt) under the three training schemes.](out/06/imbalance.svg)
*/

/*md
## 6.10 Choosing hyperparameters: grid, random and Bayesian search

Regularization strengths, learning rates, widths: the numbers that training does not learn must be
chosen by validation score, and every trial is a full training run. Three strategies, each given
the same budget of trials over the learning rate $\eta \in [10^{-4}, 10^{-1}]$ and the decoupled
weight decay $\lambda \in [10^{-5}, 10^{-1}]$, both on a log scale (what matters is their order of
magnitude), each trial a short training of a $784 \to 64 \to 32 \to 10$ MLP on 2,000 images scored
by the validation error on 2,000 others:

* **Grid search** tries a $4 \times 4$ grid. Simple and reproducible, but if one of the two
  hyperparameters barely matters (often the case), 16 trials test only 4 distinct values of the one
  that does (Bergstra and Bengio 2012).
* **Random search** draws 16 points uniformly (in log scale): 16 distinct values of each
  coordinate, so the important one is explored finely.
* **Bayesian optimization** fits a probabilistic model of the validation error as a function of the
  hyperparameters to the trials so far, and picks the next trial where the model says improvement
  is likely. The model is a **Gaussian process**: a prior over functions in which the errors $f(u)$
  and $f(u')$ at two points are jointly Gaussian with covariance
  $k(u, u') = \sigma_f^2 \exp(-\lVert u - u' \rVert^2 / 2\ell^2)$, close points being strongly
  correlated. Given $n$ observations $y$ at points $U$ (standardized to mean 0, variance 1, with
  a small noise variance $\sigma_n^2$ for the randomness of training), the posterior at a new point
  $u$ is Gaussian with

$$
\mu(u) = k_u^\top (K + \sigma_n^2 I)^{-1} y, \qquad
s^2(u) = k(u, u) - k_u^\top (K + \sigma_n^2 I)^{-1} k_u,
$$

  where $K_{ij} = k(u_i, u_j)$ and $(k_u)_i = k(u_i, u)$ (conditioning a joint Gaussian; one
  Cholesky factorization of the $n \times n$ matrix serves every candidate point). The next trial
  maximizes the **expected improvement** over the best error $f^*$ so far. For a minimization,
  the improvement at $u$ is $I = \max(f^* - \xi - f(u), 0)$ with a small margin $\xi \ge 0$, and under
  $f(u) \sim \mathcal{N}(\mu, s^2)$, with $\gamma = (f^* - \xi - \mu)/s$ and $\Phi$, $\varphi$ the
  standard normal CDF and density,

$$
\mathrm{EI}(u) = \mathbb{E}[I] = \int_{-\infty}^{f^* - \xi} (f^* - \xi - f)\, \frac{1}{s}\varphi\Bigl(\frac{f - \mu}{s}\Bigr) df
= (f^* - \xi - \mu)\,\Phi(\gamma) + s\,\varphi(\gamma)
$$

  (substitute $f = \mu + s t$; the first part integrates $\varphi$ up to $\gamma$, the second
  uses $\int_{-\infty}^{\gamma} -t\varphi(t)\,dt = \varphi(\gamma)$). The first term rewards a low
  predicted error (exploitation), the second a high uncertainty (exploration). When $s = 0$ the
  formula becomes $\max(f^* - \xi - \mu, 0)$.

### Exercise 06.8 — expected improvement

Write `expected_improvement(mu, s, best, xi)` by the formula above, using the library's
`stats_normal_cdf` ($\Phi$) and `stats_normal_pdf` ($\varphi$, both in `common/stats.h`); for
$s \le 0$ return $\max(f^* - \xi - \mu, 0)$.
*/

static double expected_improvement(double mu, double s, double best, double xi)
{
    /* BEGIN EXERCISE 06.8 (2 points): expected improvement for a minimization */
    double gain = best - xi - mu;
    if (s <= 0)
        return gain > 0 ? gain : 0;
    double g = gain / s;
    return gain * stats_normal_cdf(g) + s * stats_normal_pdf(g);
    /* END EXERCISE */
}

/* The Gaussian-process surrogate over points in [0, 1]^2 (log-scaled hyperparameters). */
#define GP_LENGTH 0.25 /* length scale l of the squared-exponential kernel, in units of the box */
#define GP_NOISE 0.05  /* noise variance sigma_n^2 of a standardized observation */

static double gp_kernel(const double *a, const double *b)
{
    double d0 = a[0] - b[0], d1 = a[1] - b[1];
    return exp(-(d0 * d0 + d1 * d1) / (2 * GP_LENGTH * GP_LENGTH));
}

/* Posterior mean and standard deviation at each of m candidates (m, 2), in the units of y, given n
 * observations y at points U (n, 2). */
static void gp_posterior(double *mu, double *sd, const double *cand, int m, const double *U, const double *y, int n)
{
    double ym = 0, yv = 0;
    for (int i = 0; i < n; i++)
        ym += y[i] / n;
    for (int i = 0; i < n; i++)
        yv += (y[i] - ym) * (y[i] - ym) / n;
    double ys = yv > 1e-12 ? sqrt(yv) : 1;
    double *K = nn_malloc((size_t)n * n * sizeof(double)), *alpha = nn_malloc((size_t)n * sizeof(double));
    double *Kc = nn_malloc((size_t)n * n * sizeof(double)), *v = nn_malloc((size_t)n * sizeof(double));
    for (int i = 0; i < n; i++) {
        alpha[i] = (y[i] - ym) / ys;
        for (int j = 0; j < n; j++)
            K[(size_t)i * n + j] = gp_kernel(U + 2 * i, U + 2 * j) + (i == j ? GP_NOISE : 0);
    }
    if (linalg_cholesky(Kc, K, n) != 0)
        nn_fatal("add noise to the kernel's diagonal", "gp_posterior: the kernel matrix is not positive definite");
    linalg_cholesky_solve_factor(alpha, Kc, alpha, n, 1);
    for (int c = 0; c < m; c++) {
        double mean = 0;
        for (int i = 0; i < n; i++) {
            v[i] = gp_kernel(U + 2 * i, cand + 2 * c);
            mean += v[i] * alpha[i];
        }
        /* s^2 = k(u,u) - k_u^T K^-1 k_u = 1 - |L^-1 k_u|^2 (Kc holds the factor L) */
        double q = 0;
        for (int i = 0; i < n; i++) {
            double s = v[i];
            for (int k = 0; k < i; k++)
                s -= Kc[(size_t)i * n + k] * v[k];
            v[i] = s / Kc[(size_t)i * n + i];
            q += v[i] * v[i];
        }
        mu[c] = ym + ys * mean;
        sd[c] = ys * sqrt(fmax(1 - q, 0));
    }
    free(K), free(alpha), free(Kc), free(v);
}

/*md
The default run gives each strategy 16 trials (each one 5 epochs of the small MLP on 2,000
images, scored on 2,000 validation images; about 5 s for all 48). Best validation errors, in our run: grid
0.182 (at $\eta = 7.5 \cdot 10^{-3}$), random 0.176, Bayesian optimization 0.180 (the third digit
moves with the CPU's BLAS, and these gaps are within one trial's noise). The figure shows
why the grid loses: its 16 trials cover only 4 learning rates, and the learning rate is what
matters here, while the weight decay barely does at 5 epochs (the good trials, in green, form a
vertical band). Random search and Bayesian optimization try 16 learning rates each. With a budget
this small, and an objective this noisy (a trial's error moves by about a point with the data
order alone), Bayesian optimization has little room to beat random search; it shows its worth
when trials are expensive and the space has more dimensions. Its trials also show its character:
after the random start, it samples densely inside the green band.

![Left: every trial of the three searches, coloured by validation error. Right: the best error found so far after each trial.](out/06/hpo.svg)

The validation split has now been used to choose something, so its error is an optimistic
estimate of the chosen model's: the test set, untouched until now, is what would be reported.
*/

/*md
## 6.11 Bagging, and why any of this works

**Bagging** (bootstrap aggregating, Breiman 1996) trains $M$ models, each on a *bootstrap sample*
($N$ examples drawn from the $N$ training examples with replacement, so each model sees about
$1 - 1/e \approx 63\%$ of the distinct examples), and averages their predicted probabilities.
If each model's error is a shared part plus an independent part of variance $\sigma^2$, averaging
$M$ of them divides the independent part's variance by $M$: averaging removes variance, not bias,
and neural networks, whose result depends on the data sample, the initialization and the batch
order, have plenty of variance to remove. The price is $M$ times the training and the prediction
cost.

**Double descent.** The classical story says test error is U-shaped in model size: too small
underfits, too large overfits. Modern networks are far past the "too large" point (they interpolate
the training data, noise included) and yet generalize well. Belkin et al. (2019) reconciled the
two: as the number of parameters grows past the *interpolation threshold*, where the model can
just barely fit the training set exactly, the test error first peaks and then descends *again*.
The cleanest place to see it is a two-layer network whose first layer is random and frozen (a
*random-features* model): $h = \operatorname{relu}(x R)$ with $R \in \mathbb{R}^{784 \times H}$ of
$\mathcal{N}(0, 1/784)$ entries, and a trained output layer $W \in \mathbb{R}^{H \times K}$ fit by
least squares to one-hot targets. With $H < N$ features there is a unique least-squares fit,
$W = (\Phi^\top \Phi)^{-1}\Phi^\top Y$ for $\Phi = \operatorname{relu}(X R)$ $(N, H)$. At $H = N$ the
square system can be solved exactly but $\Phi$ is badly conditioned, so the fit passes through
every (noisy) label with enormous weights: the peak. With $H > N$ infinitely many $W$ fit the data
exactly, and the *minimum-norm* one, $W = \Phi^\top (\Phi \Phi^\top)^{-1} Y$ (the limit of ridge
regression as $\lambda \to 0$, and the solution gradient descent from zero converges to), gets
smoother as $H$ grows: more features give more ways to interpolate, and the smallest-norm way is
increasingly benign. `--experiment double-descent` runs it on $N = 1{,}000$ training images with
20% of their labels replaced at random, for widths from 50 to 16,000 (a tiny ridge, $10^{-6}$ times
the mean diagonal of the Gram matrix, keeps the solves stable), and draws test error against $H$.

In the default run five $784 \to 64 \to 32 \to 10$ networks, each trained for 8 epochs on its own
bootstrap sample of 5,000 images, reach about 83% test accuracy on average; the average of their
predicted probabilities reaches about 84%, almost a point more, for five times the work.

`--experiment double-descent` takes about 15 s. Its run gives the textbook shape: with 100
features the test error is 29%, the best of the under-parameterized side; it then *rises* as the
model starts fitting the noise, to 82% (a random guess scores 90%) at exactly $H = N = 1{,}000$, where the training error has just
reached 0 and the norm of the output weights peaks (196, against 32 at $H = 100$); and it descends
again, to 33% at $H = 16{,}000$, while the training error stays 0 and the weight norm shrinks to 5.
Beyond the threshold more parameters *help*, because the minimum-norm interpolant gets smoother;
the classical U-curve is only the left half of the picture.

![Double descent: test error of a random-features model against its width, 1,000 training images with 20% label noise; the dashed line is the interpolation threshold H = N. (The default run does not redraw this figure; the copy shown is committed beside the chapter, and `--experiment double-descent` draws it again in out/06/.)](chapters/06_regularization/double_descent.svg)

Implicit regularization is the common thread: among the many parameter settings that fit the
training data, what training *finds* (small norm, flat minimum, smooth function) decides how it
generalizes, and every technique of this chapter biases that choice.
*/

/*md
## 6.12 The program

`main` runs the essentials in under a minute and writes everything to `out/06/`: the overfitting
experiment and its cures (with early stopping and a restored checkpoint), the augmentation
figure, the main model on all of Fashion-MNIST with its confusion matrix and ROC and PR curves,
the imbalanced problem, the three hyperparameter searches, and bagging. `--experiment
double-descent` runs section 6.11's experiment instead (about 15 s), `--experiment best` a
longer training of the main model (30 epochs, about a minute); `--bench` the benchmark line;
`--quick` shrinks everything to a few seconds. The default run took 40 to 50 s on our 2-core
machine while other jobs were running: the cures about 18 s, the main model 13 to 21 s (training
plus the metrics), the searches 5 to 7 s.

**Speed.** `--bench` trains the main model for 3 epochs on all 60,000 images and prints one line
for `make bench`. Its matrix products are chapter 3's (60.4 GFLOP per epoch); batch norm, dropout
and weight decay add elementwise passes. Measured while the machine was shared (so both numbers
are noisy), it gave `epoch_s=1.50` (test accuracy 0.877 after the 3 epochs) against 1.17 s for chapter 3's plain network in
the same conditions. `perf` shows where the extra time goes: with one BLAS thread, about 80% is
still in OpenBLAS's SGEMM, and most of the rest in batch norm's three passes per layer, the
dropout masks (one random number per hidden unit per example) and AdamW, whose weight decay is
one more multiply per weight.
*/

#ifndef GRADING

static const int MAIN_SIZES[4] = {784, 256, 128, 10};
static const int SMALL_SIZES[4] = {784, 64, 32, 10};

/* The first n_per examples of each class of src (in order), as a new dataset. */
static dataset_t per_class_subset(const dataset_t *src, int n_per)
{
    int take[64] = {0}, n = 0;
    for (int i = 0; i < src->n; i++)
        if (take[src->y[i]] < n_per)
            take[src->y[i]]++, n++;
    dataset_t out = dataset_new(n, src->d, src->classes);
    memset(take, 0, sizeof take);
    for (int i = 0, j = 0; i < src->n; i++)
        if (take[src->y[i]] < n_per) {
            take[src->y[i]]++;
            memcpy(out.x + (size_t)j * src->d, src->x + (size_t)i * src->d, (size_t)src->d * sizeof(float));
            out.y[j++] = src->y[i];
        }
    return out;
}

/* A view of the first n examples of ds (no copy). */
static dataset_t prefix(const dataset_t *ds, int n)
{
    dataset_t v = *ds;
    v.n = n < ds->n ? n : ds->n;
    return v;
}


static train_cfg main_cfg(int epochs)
{
    return (train_cfg){.epochs = epochs, .batch = 128, .lr = 2e-3f, .wd = 0.01f};
}
#define MAIN_BN 1
#define MAIN_DROPOUT 0.2f

/* --- 6.1 / 6.3-6.7: overfitting and its cures ------------------------------------------------ */

typedef struct {
    const char *name, *title;
    train_cfg cfg;
    int bn;
    float dropout;
} cure;

static int run_cures(const flags_t *f, const dataset_t *full, const dataset_t *val_all, const dataset_t *test,
                     rng_t *rng)
{
    dataset_t small = per_class_subset(full, f->quick ? 30 : 100);
    dataset_t val = prefix(val_all, f->quick ? 500 : 2000);
    const int E = f->quick ? 4 : 30;
    char ckpt[4096];
    io_join(ckpt, f->out, "best.ckpt");
    const train_cfg base = {.epochs = E, .batch = 50, .lr = 1e-3f, .quiet = 1};
    cure cures[] = {
        {"none", "no regularization", base, 0, 0},
        {"l2", "L2 penalty 1e-3", base, 0, 0},
        {"l1", "L1 penalty 1e-4", base, 0, 0},
        {"wd", "decoupled weight decay 1", base, 0, 0},
        {"dropout", "dropout 0.5", base, 0, 0.5f},
        {"batchnorm", "batch norm", base, 1, 0},
        {"augment", "flip + crop (pad 2)", base, 0, 0},
        {"mixup", "mixup alpha 0.4", base, 0, 0},
        {"smooth", "label smoothing 0.1", base, 0, 0},
        {"all", "dropout 0.3 + wd + smoothing", base, 0, 0.3f},
    };
    const int n_cures = (int)(sizeof cures / sizeof cures[0]);
    cures[0].cfg.patience = 5, cures[0].cfg.ckpt = ckpt; /* early stopping watches the baseline */
    cures[1].cfg.l2 = 1e-3f;
    cures[2].cfg.l1 = 1e-4f;
    cures[3].cfg.wd = 1.0f;
    cures[6].cfg.flip = 1, cures[6].cfg.crop_pad = 2;
    cures[7].cfg.mixup = 0.4f;
    cures[8].cfg.smooth = 0.1f;
    cures[9].cfg.smooth = 0.1f, cures[9].cfg.wd = 1.0f;
    printf("== 6.1 overfitting on %d training images (%d epochs, batch 50), validation on %d\n", small.n, E, val.n);
    printf("   %-30s %9s %9s %9s %9s %9s\n", "", "train acc", "val loss", "val acc", "best val", "seconds");
    int rc = 0;
    for (int c = 0; c < n_cures; c++) {
        char path[4096], name[64];
        snprintf(name, sizeof name, "cure_%s.csv", cures[c].name);
        csvlog_t log;
        if (csvlog_open(&log, io_join(path, f->out, name), "epoch,train_loss,train_acc,val_loss,val_acc") != 0)
            return -1;
        mlp_t m = net_new(MAIN_SIZES, cures[c].bn, cures[c].dropout, 1000, rng);
        train_result r = fit(&m, &cures[c].cfg, &small, &val, rng, &log, 1, cures[c].name);
        rc |= csvlog_close(&log);
        printf("   %-30s %9.4f %9.4f %9.4f %9.4f %9.2f\n", cures[c].title, r.train_acc, r.last_val_loss, r.last_val_acc,
               r.best_val_acc, r.seconds);
        if (c == 0) {
            double tl, ta;
            net_evaluate(&m, test, &tl, &ta, NULL); /* m holds the restored best epoch */
            printf("   early stopping (patience 5) on the baseline: best validation loss at epoch %d, ", r.best_epoch);
            if (r.stop_epoch)
                printf("patience ran out at epoch %d;\n", r.stop_epoch);
            else
                printf("patience never ran out in the %d epochs;\n", r.epochs_run);
            printf("   restored from %s: val loss %.4f -> %.4f, val acc %.4f -> %.4f, test acc %.4f\n", ckpt,
                   r.last_val_loss, r.val_loss, r.last_val_acc, r.val_acc, ta);
        }
        mlp_free(&m);
    }
    const char *series[] = {"train_loss:training loss", "val_loss:validation loss", NULL};
    rc |= plot_curves(f->out, "overfit", "cure_none.csv", "MLP on 1,000 images, no regularization", "epoch",
                      "cross-entropy", "epoch", series);
    char body[4096];
    snprintf(body, sizeof body,
             "set multiplot layout 1,2 title 'the cures on 1,000 training images (validation set of %d)'\n"
             "set xlabel 'epoch'\nset key bottom right font ',9'\nset grid\n"
             "names = 'none l2 l1 wd dropout batchnorm augment mixup smooth all'\n"
             "set title 'validation loss'\nset ylabel 'cross-entropy'\nset key top left\n"
             "plot for [n in names] 'cure_'.n.'.csv' using 'epoch':'val_loss' with lines lw 2 title n\n"
             "set title 'validation accuracy'\nset ylabel 'accuracy'\nset key bottom right\n"
             "plot for [n in names] 'cure_'.n.'.csv' using 'epoch':'val_acc' with lines lw 2 title n\n"
             "unset multiplot", val.n);
    rc |= plot_render(f->out, "cures", 1200, 500, body);
    dataset_free(&small);
    return rc;
}

/* --- 6.6: the augmentation figure ----------------------------------------------------------- */

static int run_augment_figure(const flags_t *f, const dataset_t *train, rng_t *rng)
{
    float img[6][784];
    memcpy(img[0], train->x, sizeof img[0]);
    memcpy(img[1], img[0], sizeof img[0]);
    augment_flip(img[1], 1, 28, 28);
    augment_crop_at(img[2], img[0], 1, 28, 28, 2, 0, 4); /* 2 pixels down, 2 to the left */
    memcpy(img[3], img[0], sizeof img[0]);
    augment_cutout_at(img[3], 1, 28, 28, 10, 12, 14);
    float lam = augment_mixup_lambda(0.4f, rng);
    lam = lam < 0.5f ? 1 - lam : lam; /* show the first image as the larger part */
    const int perm[2] = {1, 0};
    float pair[2 * 784], mixed[2 * 784];
    memcpy(pair, train->x, sizeof img[0]);
    memcpy(pair + 784, train->x + 784, sizeof img[0]);
    augment_mixup(mixed, pair, perm, 2, 784, lam);
    memcpy(img[4], mixed, sizeof img[0]);
    memcpy(img[5], train->x + 784, sizeof img[0]);
    char path[4096];
    io_file_t out;
    if (io_create(&out, io_join(path, f->out, "augment.csv")) != 0)
        return -1;
    for (int r = 0; r < 28; r++) { /* the six images side by side, a blank column between */
        for (int k = 0; k < 6; k++)
            for (int c = 0; c < 29; c++)
                fprintf(out.f, k || c ? ",%g" : "%g", c < 28 ? img[k][r * 28 + c] : 0.0f);
        fputc('\n', out.f);
    }
    if (io_commit(&out) != 0)
        return -1;
    char body[1024];
    snprintf(body, sizeof body,
             "set title 'original | flip | crop (pad 2, shifted) | cutout 10x10 | mixup lam=%.2f | its partner'\n"
             "unset key\nunset xtics\nunset ytics\nunset colorbox\nset size ratio -1\n"
             "set palette gray negative\nset cbrange [0:1]\nset yrange [27.5:-0.5]\nset xrange [-0.5:173.5]\n"
             "plot 'augment.csv' matrix with image", lam);
    return plot_render(f->out, "augment", 1100, 260, body);
}

/* --- 6.2 + 6.8: the main model and its metrics ---------------------------------------------- */

/* ROC and PR curves, one per class (one vs rest), from test probabilities (n, K). */
static int plot_roc_pr(const char *dir, const float *probs, const int *labels, int n, int K, double *auc, double *ap)
{
    char path[4096];
    float *s = nn_malloc((size_t)n * sizeof(float));
    int *y = nn_malloc((size_t)n * sizeof(int));
    double *a = nn_malloc((size_t)(n + 1) * sizeof(double)), *b = nn_malloc((size_t)(n + 1) * sizeof(double));
    int rc = 0;
    for (int k = 0; k < K && rc == 0; k++) {
        for (int i = 0; i < n; i++)
            s[i] = probs[(size_t)i * K + k], y[i] = labels[i] == k;
        auc[k] = metrics_roc_auc(s, y, (size_t)n);
        ap[k] = metrics_average_precision(s, y, (size_t)n);
        for (int pass = 0; pass < 2; pass++) {
            int m = pass == 0 ? metrics_roc_curve(a, b, s, y, (size_t)n) : metrics_pr_curve(a, b, s, y, (size_t)n);
            char name[64];
            snprintf(name, sizeof name, "%s_%d.csv", pass == 0 ? "roc" : "pr", k);
            io_file_t out;
            if (m < 0 || io_create(&out, io_join(path, dir, name)) != 0) {
                rc = -1;
                break;
            }
            fprintf(out.f, "%s\n", pass == 0 ? "fpr,tpr" : "recall,precision");
            for (int i = 0; i < m; i++)
                fprintf(out.f, "%.6g,%.6g\n", a[i], b[i]);
            rc |= io_commit(&out);
        }
    }
    free(s), free(y), free(a), free(b);
    if (rc)
        return rc;
    char body[4096];
    for (int pass = 0; pass < 2; pass++) {
        int len = snprintf(body, sizeof body,
                           "set title '%s curves, one class against the rest (test set)'\nset grid\nset key %s font ',9'\n"
                           "set xlabel '%s'\nset ylabel '%s'\nset datafile separator ','\n%s"
                           "plot ",
                           pass == 0 ? "ROC" : "precision-recall", pass == 0 ? "bottom right" : "bottom left",
                           pass == 0 ? "false positive rate (1 - specificity)" : "recall",
                           pass == 0 ? "true positive rate (recall)" : "precision",
                           pass == 0 ? "set xrange [0:0.3]\nset yrange [0.5:1]\n" : "set xrange [0:1]\nset yrange [0.5:1.01]\n");
        for (int k = 0; k < K; k++)
            len += snprintf(body + len, sizeof body - (size_t)len,
                            "%s'%s_%d.csv' using 1:2 skip 1 with lines lw 2 title '%s (%s %.3f)'", k ? ", " : "",
                            pass == 0 ? "roc" : "pr", k, FASHION_CLASSES[k], pass == 0 ? "AUC" : "AP",
                            pass == 0 ? auc[k] : ap[k]);
        rc |= plot_render(dir, pass == 0 ? "roc" : "pr", 800, 600, body);
    }
    return rc;
}

static int run_main_model(const flags_t *f, const dataset_t *train, const dataset_t *val, const dataset_t *test, rng_t *rng,
                          int epochs, const char *label)
{
    train_cfg c = main_cfg(epochs);
    printf("\n== %s: 784-256-128-10, batch norm, dropout %.1f, AdamW (lr %g, wd %g, linear decay), batch %d, %d "
           "epochs on %d images\n", label, MAIN_DROPOUT, c.lr, c.wd, c.batch, c.epochs, train->n);
    char path[4096];
    csvlog_t log;
    if (csvlog_open(&log, io_join(path, f->out, "log.csv"), "epoch,train_loss,train_acc,val_loss,val_acc") != 0)
        return -1;
    mlp_t m = net_new(MAIN_SIZES, MAIN_BN, MAIN_DROPOUT, 1000, rng);
    train_result r = fit(&m, &c, train, val, rng, &log, 0, "main");
    int rc = csvlog_close(&log);
    const int K = 10;
    float *probs = nn_malloc((size_t)test->n * K * sizeof(float));
    double tl, ta;
    net_evaluate(&m, test, &tl, &ta, probs);
    printf("test accuracy %.4f (loss %.4f) after %.1fs of training (%.2fs per epoch)\n", ta, tl, r.seconds,
           r.seconds / r.epochs_run);
    char tag[64];
    rc |= checkpoint_save(io_join(path, f->out, "model.ckpt"), mlp_tag(&m, tag, sizeof tag), m.params, m.n_params);
    const char *ls[] = {"train_loss:training batches (dropout on)", "val_loss:validation", NULL};
    const char *as[] = {"train_acc:training batches (dropout on)", "val_acc:validation", NULL};
    rc |= plot_curves(f->out, "loss", "log.csv", "main model on Fashion-MNIST: loss", "epoch", "cross-entropy", "epoch", ls);
    rc |= plot_curves(f->out, "accuracy", "log.csv", "main model on Fashion-MNIST: accuracy", "epoch", "accuracy", "epoch",
                      as);

    /* 6.8: the metrics */
    int *pred = nn_malloc((size_t)test->n * sizeof(int));
    for (int i = 0; i < test->n; i++)
        pred[i] = metrics_argmax(probs + (size_t)i * K, K);
    long cm[100];
    metrics_confusion(cm, pred, test->y, (size_t)test->n, K);
    metrics_class_t pc[10];
    metrics_per_class(pc, cm, K);
    double prec[10], rec[10], f1[10], auc[10], ap[10];
    double macro = class_scores(cm, K, prec, rec, f1);
    metrics_summary_t sm = metrics_summarize(cm, K);
    rc |= plot_confusion(f->out, "confusion", cm, K, FASHION_CLASSES,
                         "confusion matrix on the 10,000 test images (counts; colour: fraction of the row)");
    rc |= plot_roc_pr(f->out, probs, test->y, test->n, K, auc, ap);
    printf("   %-12s %9s %9s %11s %9s %9s %9s\n", "class", "precision", "recall", "specificity", "F1", "ROC AUC", "AP");
    float *s = nn_malloc((size_t)test->n * sizeof(float));
    int *y = nn_malloc((size_t)test->n * sizeof(int));
    double worst_diff = 0;
    for (int k = 0; k < K; k++) {
        printf("   %-12s %9.4f %9.4f %11.4f %9.4f %9.4f %9.4f\n", FASHION_CLASSES[k], prec[k], rec[k], pc[k].specificity,
               f1[k], auc[k], ap[k]);
        for (int i = 0; i < test->n; i++)
            s[i] = probs[(size_t)i * K + k], y[i] = test->y[i] == k;
        worst_diff = fmax(worst_diff, fabs(auc_by_ranks(s, y, test->n) - auc[k]));
    }
    printf("   macro F1 %.4f (library: %.4f), micro F1 %.4f = accuracy %.4f; rank-formula AUC vs trapezoids: max "
           "difference %.1e\n", macro, sm.macro_f1, sm.micro_f1, sm.accuracy, worst_diff);
    free(s), free(y), free(pred), free(probs);
    mlp_free(&m);
    return rc;
}

/* --- 6.9: imbalance ----------------------------------------------------------------------------- */

static int run_imbalance(const flags_t *f, const dataset_t *full, const dataset_t *test, rng_t *rng)
{
    const int pair[2] = {0, 6}; /* T-shirt/top -> 0, Shirt -> 1 */
    dataset_t both = dataset_select_classes(full, pair, 2), tst = dataset_select_classes(test, pair, 2);
    const int n_major = f->quick ? 1000 : 6000, n_minor = n_major / 20;
    dataset_t tr = dataset_new(n_major + n_minor, 784, 2);
    int taken[2] = {0, 0}, j = 0;
    for (int i = 0; i < both.n && j < tr.n; i++) {
        int k = both.y[i];
        if (taken[k] < (k ? n_minor : n_major)) {
            taken[k]++;
            memcpy(tr.x + (size_t)j * 784, both.x + (size_t)i * 784, 784 * sizeof(float));
            tr.y[j++] = k;
        }
    }
    int sizes[4] = {784, 64, 32, 2};
    printf("\n== 6.9 imbalance: %d T-shirts vs %d shirts for training; balanced test set of %d\n", n_major, n_minor, tst.n);
    printf("   %-28s %14s %14s %14s %10s\n", "", "shirt precision", "shirt recall", "T-shirt recall", "macro F1");
    const char *names[3] = {"cross-entropy", "class-balanced sampling", "soft-F1 loss"};
    char path[4096];
    io_file_t out;
    if (io_create(&out, io_join(path, f->out, "imbalance.csv")) != 0)
        return -1;
    fprintf(out.f, "method,precision,recall\n");
    for (int v = 0; v < 3; v++) {
        train_cfg c = {.epochs = f->quick ? 2 : 8, .batch = 64, .lr = 1e-3f, .quiet = 1, .balanced = v == 1,
                       .soft_f1 = v == 2};
        mlp_t m = net_new(sizes, 0, 0, 1000, rng);
        fit(&m, &c, &tr, NULL, rng, NULL, 0, names[v]);
        float *probs = nn_malloc((size_t)tst.n * 2 * sizeof(float));
        double l, a;
        net_evaluate(&m, &tst, &l, &a, probs);
        int *pred = nn_malloc((size_t)tst.n * sizeof(int));
        for (int i = 0; i < tst.n; i++)
            pred[i] = probs[2 * i + 1] > probs[2 * i];
        long cm[4];
        metrics_confusion(cm, pred, tst.y, (size_t)tst.n, 2);
        double p[2], r[2], f1[2], macro = class_scores(cm, 2, p, r, f1);
        printf("   %-28s %14.4f %14.4f %14.4f %10.4f\n", names[v], p[1], r[1], r[0], macro);
        fprintf(out.f, "%s,%.4f,%.4f\n", names[v], p[1], r[1]);
        free(probs), free(pred);
        mlp_free(&m);
    }
    int rc = io_commit(&out);
    rc |= plot_render(f->out, "imbalance", 700, 420,
                      "set title 'the rare class (Shirt, 1 in 21 training images): precision and recall'\n"
                      "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
                      "set yrange [0:1]\nset grid ytics\nset key top left\n"
                      "plot 'imbalance.csv' skip 1 using 2:xtic(1) title 'precision' lc rgb '#1f77b4', "
                      "'' skip 1 using 3 title 'recall' lc rgb '#ff7f0e'");
    dataset_free(&both), dataset_free(&tst), dataset_free(&tr);
    return rc;
}

/* --- 6.10: hyperparameter search ------------------------------------------------------------ */

typedef struct {
    const dataset_t *train, *val;
    int epochs;
    uint64_t seed;
} hpo_task;

/* u in [0, 1]^2 -> lr in [1e-4, 1e-1], wd in [1e-5, 1e-1] (log scales). */
static float u_to_lr(double u) { return (float)pow(10, -4 + 3 * u); }
static float u_to_wd(double u) { return (float)pow(10, -5 + 4 * u); }

/* One trial: train the small MLP with these hyperparameters, return the validation error. */
static double hpo_trial(const hpo_task *t, const double *u)
{
    rng_t rng;
    rng_seed(&rng, t->seed); /* the same initialization and batches for every trial */
    mlp_t m = net_new(SMALL_SIZES, 0, 0, 1000, &rng);
    train_cfg c = {.epochs = t->epochs, .batch = 50, .lr = u_to_lr(u[0]), .wd = u_to_wd(u[1]), .quiet = 1};
    train_result r = fit(&m, &c, t->train, t->val, &rng, NULL, 0, NULL);
    mlp_free(&m);
    return isfinite(r.val_acc) ? 1 - r.val_acc : 1;
}

static int run_hpo(const flags_t *f, const dataset_t *full, const dataset_t *val_all, rng_t *rng)
{
    dataset_t tr = prefix(full, f->quick ? 500 : 2000), va = prefix(val_all, f->quick ? 500 : 2000);
    hpo_task task = {&tr, &va, f->quick ? 2 : 5, f->seed + 100};
    const int T = f->quick ? 4 : 16, G = f->quick ? 2 : 4, INIT = f->quick ? 2 : 4;
    double U[3][16][2], Y[3][16];
    printf("\n== 6.10 hyperparameter search: %d trials each, lr in [1e-4, 1e-1], weight decay in [1e-5, 1e-1]\n", T);
    for (int i = 0; i < T; i++) { /* grid: cell centres */
        U[0][i][0] = (i % G + 0.5) / G, U[0][i][1] = (i / G + 0.5) / G;
        Y[0][i] = hpo_trial(&task, U[0][i]);
    }
    for (int i = 0; i < T; i++) { /* random */
        U[1][i][0] = rng_uniform(rng), U[1][i][1] = rng_uniform(rng);
        Y[1][i] = hpo_trial(&task, U[1][i]);
    }
    enum { CAND = 2000 };
    static double cand[CAND * 2], mu[CAND], sd[CAND];
    for (int i = 0; i < T; i++) { /* Bayesian optimization: random start, then EI on the GP */
        if (i < INIT) {
            U[2][i][0] = rng_uniform(rng), U[2][i][1] = rng_uniform(rng);
        } else {
            for (int c = 0; c < CAND * 2; c++)
                cand[c] = rng_uniform(rng);
            gp_posterior(mu, sd, cand, CAND, &U[2][0][0], Y[2], i);
            double best = Y[2][0], top = -1;
            for (int k = 1; k < i; k++)
                best = fmin(best, Y[2][k]);
            int arg = 0;
            for (int c = 0; c < CAND; c++) {
                double ei = expected_improvement(mu[c], sd[c], best, 0.001);
                if (ei > top)
                    top = ei, arg = c;
            }
            U[2][i][0] = cand[2 * arg], U[2][i][1] = cand[2 * arg + 1];
        }
        Y[2][i] = hpo_trial(&task, U[2][i]);
    }
    const char *names[3] = {"grid", "random", "bayesian"};
    char path[4096];
    int rc = 0;
    io_file_t out;
    if (io_create(&out, io_join(path, f->out, "hpo.csv")) != 0)
        return -1;
    fprintf(out.f, "method,trial,lr,wd,val_error,best_so_far\n");
    for (int s = 0; s < 3; s++) {
        double best = 1;
        int arg = 0;
        for (int i = 0; i < T; i++) {
            if (Y[s][i] < best)
                best = Y[s][i], arg = i;
            fprintf(out.f, "%d,%d,%g,%g,%.4f,%.4f\n", s, i + 1, u_to_lr(U[s][i][0]), u_to_wd(U[s][i][1]), Y[s][i], best);
        }
        printf("   %-9s best validation error %.4f at lr %.2e, weight decay %.2e\n", names[s], best,
               u_to_lr(U[s][arg][0]), u_to_wd(U[s][arg][1]));
    }
    rc |= io_commit(&out);
    rc |= plot_render(f->out, "hpo", 1200, 500,
                      "set multiplot layout 1,2\nset logscale xy\nset format x '10^{%L}'\nset format y '10^{%L}'\n"
                      "set title 'trials (colour: validation error)'\nset xlabel 'learning rate'\n"
                      "set ylabel 'weight decay'\nset key outside top center horizontal\nset cbrange [0.1:0.4]\n"
                      "set palette defined (0 '#1a9850', 0.5 '#fee08b', 1 '#d73027')\n"
                      "plot 'hpo.csv' skip 1 using ($1 == 0 ? $3 : 1/0):4:5 with points pt 5 ps 1.6 lc palette title 'grid', "
                      "'' using ($1 == 1 ? $3 : 1/0):4:5 with points pt 7 ps 1.6 lc palette title 'random', "
                      "'' using ($1 == 2 ? $3 : 1/0):4:5 with points pt 9 ps 1.8 lc palette title 'bayesian'\n"
                      "unset logscale\nset format x '%g'\nset format y '%g'\nunset colorbox\n"
                      "set title 'best validation error so far'\nset xlabel 'trial'\nset ylabel 'validation error'\n"
                      "set key inside top right\nset grid\n"
                      "plot 'hpo.csv' skip 1 using ($1 == 0 ? $2 : 1/0):6 with steps lw 2 title 'grid', "
                      "'' using ($1 == 1 ? $2 : 1/0):6 with steps lw 2 title 'random', "
                      "'' using ($1 == 2 ? $2 : 1/0):6 with steps lw 2 title 'bayesian'\nunset multiplot");
    return rc;
}

/* --- 6.11: bagging ---------------------------------------------------------------------------- */

static void run_bagging(const flags_t *f, const dataset_t *full, const dataset_t *test, rng_t *rng)
{
    const int M = f->quick ? 2 : 5, n = f->quick ? 1000 : 5000;
    dataset_t pool = prefix(full, n), boot = dataset_new(n, 784, 10);
    const dataset_t tst = prefix(test, f->quick ? 1000 : test->n);
    float *avg = nn_calloc((size_t)tst.n * 10, sizeof(float)), *probs = nn_malloc((size_t)tst.n * 10 * sizeof(float));
    double mean_acc = 0;
    for (int k = 0; k < M; k++) {
        for (int i = 0; i < n; i++) { /* a bootstrap sample: n draws with replacement */
            int j = (int)rng_below(rng, (uint32_t)n);
            memcpy(boot.x + (size_t)i * 784, pool.x + (size_t)j * 784, 784 * sizeof(float));
            boot.y[i] = pool.y[j];
        }
        mlp_t m = net_new(SMALL_SIZES, 0, 0, 1000, rng);
        train_cfg c = {.epochs = f->quick ? 2 : 8, .batch = 64, .lr = 2e-3f, .quiet = 1};
        fit(&m, &c, &boot, NULL, rng, NULL, 0, NULL);
        double l, a;
        net_evaluate(&m, &tst, &l, &a, probs);
        mean_acc += a / M;
        for (size_t i = 0; i < (size_t)tst.n * 10; i++)
            avg[i] += probs[i] / M;
        mlp_free(&m);
    }
    long correct = 0;
    for (int i = 0; i < tst.n; i++)
        correct += metrics_argmax(avg + (size_t)i * 10, 10) == tst.y[i];
    printf("\n== 6.11 bagging: %d MLPs 784-64-32-10 on bootstrap samples of %d images: mean test accuracy of one "
           "%.4f, of their average %.4f\n", M, n, mean_acc, (double)correct / tst.n);
    free(avg), free(probs);
    dataset_free(&boot);
}

/* --- 6.11: double descent (--experiment double-descent) -------------------------------------- */

static int run_double_descent(const flags_t *f, const dataset_t *full, const dataset_t *test, rng_t *rng)
{
    const int N = f->quick ? 200 : 1000, NT = f->quick ? 500 : 2000, K = 10, D = 784;
    static const int widths_full[] = {50, 100, 200, 400, 600, 800, 900, 950, 1000, 1050, 1100, 1200, 1400,
                                      1700, 2000, 3000, 4000, 6000, 8000, 12000, 16000};
    static const int widths_quick[] = {50, 150, 200, 250, 400, 800};
    const int *widths = f->quick ? widths_quick : widths_full;
    const int nw = f->quick ? 6 : (int)(sizeof widths_full / sizeof widths_full[0]), Hmax = widths[nw - 1];
    dataset_t tr = per_class_subset(full, N / 10);
    int noisy = 0;
    for (int i = 0; i < tr.n; i++) /* 20% of the labels replaced by a random other class */
        if (rng_uniform(rng) < 0.2f) {
            tr.y[i] = (tr.y[i] + 1 + (int)rng_below(rng, 9)) % 10;
            noisy++;
        }
    const dataset_t te = prefix(test, NT);
    float *R = nn_malloc((size_t)D * Hmax * sizeof(float));
    init_normal(R, (size_t)D * Hmax, 1.0f / sqrtf((float)D), rng);
    float *Ptr = nn_malloc((size_t)N * Hmax * sizeof(float)), *Pte = nn_malloc((size_t)NT * Hmax * sizeof(float));
    matmul_blas(0, 0, N, Hmax, D, 1, tr.x, R, 0, Ptr);
    matmul_blas(0, 0, NT, Hmax, D, 1, te.x, R, 0, Pte);
    relu_forward(Ptr, Ptr, (size_t)N * Hmax);
    relu_forward(Pte, Pte, (size_t)NT * Hmax);
    printf("== 6.11 double descent: random ReLU features, %d training images (%d labels noisy), %d test images\n", N,
           noisy, NT);
    char path[4096];
    csvlog_t log;
    if (csvlog_open(&log, io_join(path, f->out, "double_descent.csv"), "width,train_error,test_error,weight_norm") != 0)
        return -1;
    for (int w = 0; w < nw; w++) {
        const int H = widths[w];
        float *ph = nn_malloc((size_t)N * H * sizeof(float)), *pt = nn_malloc((size_t)NT * H * sizeof(float));
        for (int i = 0; i < N; i++) /* the first H features */
            memcpy(ph + (size_t)i * H, Ptr + (size_t)i * Hmax, (size_t)H * sizeof(float));
        for (int i = 0; i < NT; i++)
            memcpy(pt + (size_t)i * H, Pte + (size_t)i * Hmax, (size_t)H * sizeof(float));
        const int n = H <= N ? H : N; /* the size of the system we solve */
        float *G = nn_malloc((size_t)n * n * sizeof(float));
        if (H <= N) /* (Phi^T Phi + lam I) W = Phi^T Y */
            matmul_blas(1, 0, H, H, N, 1, ph, ph, 0, G);
        else        /* (Phi Phi^T + lam I) alpha = Y, W = Phi^T alpha */
            matmul_blas(0, 1, N, N, H, 1, ph, ph, 0, G);
        double *A = nn_malloc((size_t)n * n * sizeof(double)), *rhs = nn_calloc((size_t)n * K, sizeof(double));
        double tr_g = 0;
        for (int i = 0; i < n; i++)
            tr_g += G[(size_t)i * n + i];
        for (size_t i = 0; i < (size_t)n * n; i++)
            A[i] = G[i];
        for (int i = 0; i < n; i++)
            A[(size_t)i * n + i] += 1e-6 * tr_g / n;
        if (H <= N) {
            for (int i = 0; i < N; i++)
                for (int h = 0; h < H; h++)
                    rhs[(size_t)h * K + tr.y[i]] += ph[(size_t)i * H + h];
        } else {
            for (int i = 0; i < N; i++)
                rhs[(size_t)i * K + tr.y[i]] = 1;
        }
        if (linalg_cholesky_solve(rhs, A, rhs, n, K) != 0)
            nn_fatal("raise the ridge", "double descent: system of width %d is not positive definite", H);
        float *Wt = nn_calloc((size_t)H * K, sizeof(float)); /* (H, K) output weights */
        if (H <= N) {
            for (size_t i = 0; i < (size_t)H * K; i++)
                Wt[i] = (float)rhs[i];
        } else {
            for (int i = 0; i < N; i++)
                for (int h = 0; h < H; h++)
                    for (int k = 0; k < K; k++)
                        Wt[(size_t)h * K + k] += ph[(size_t)i * H + h] * (float)rhs[(size_t)i * K + k];
        }
        double norm = 0;
        for (size_t i = 0; i < (size_t)H * K; i++)
            norm += (double)Wt[i] * Wt[i];
        float *out = nn_malloc((size_t)(N > NT ? N : NT) * K * sizeof(float));
        double err[2];
        for (int s = 0; s < 2; s++) {
            const int rows = s ? NT : N;
            matmul_blas(0, 0, rows, K, H, 1, s ? pt : ph, Wt, 0, out);
            long wrong = 0;
            for (int i = 0; i < rows; i++)
                wrong += metrics_argmax(out + (size_t)i * K, K) != (s ? te.y[i] : tr.y[i]);
            err[s] = (double)wrong / rows;
        }
        csvlog_row(&log, (double[]){H, err[0], err[1], sqrt(norm)});
        printf("   width %5d: train error %.4f, test error %.4f, |W| %.3g\n", H, err[0], err[1], sqrt(norm));
        free(ph), free(pt), free(G), free(A), free(rhs), free(Wt), free(out);
    }
    int rc = csvlog_close(&log);
    char body[2048];
    snprintf(body, sizeof body,
             "set title 'double descent: random ReLU features + least squares (min-norm beyond N), N = %d, 20%% label noise'\n"
             "set logscale x\nset xrange [30:30000]\nset xlabel 'width H (features)'\nset ylabel 'classification error'\nset grid\n"
             "set datafile separator ','\nset key top right\nset arrow from %d, graph 0 to %d, graph 1 nohead dt 2 lc rgb '#555555'\n"
             "set label 'interpolation threshold H = N' at %d, graph 0.95 offset 1,0 font ',9'\n"
             "plot 'double_descent.csv' using 1:3 with linespoints lw 2 pt 7 title 'test error', "
             "'' using 1:2 with linespoints lw 2 pt 5 title 'training error'", N, N, N, N);
    rc |= plot_render(f->out, "double_descent", 900, 520, body);
    free(R), free(Ptr), free(Pte);
    dataset_free(&tr);
    return rc;
}

/* --- the benchmark --------------------------------------------------------------------------- */

static int run_bench(const flags_t *f)
{
    dataset_t train, test;
    if (fashion_load_splits(&train, &test, f->data) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f->seed);
    mlp_t m = net_new(MAIN_SIZES, MAIN_BN, MAIN_DROPOUT, 1000, &rng);
    enum { EPOCHS = 3 };
    train_cfg c = main_cfg(1);
    c.quiet = 1;
    double secs[EPOCHS], loss, acc;
    for (int e = 0; e < EPOCHS; e++) { /* one epoch per call: the learning rate restarts, as for a constant lr */
        train_result r = fit(&m, &c, &train, NULL, &rng, NULL, 0, NULL);
        secs[e] = r.seconds;
    }
    net_evaluate(&m, &test, &loss, &acc, NULL);
    printf("bench: name=mlp-regularized epoch_s=%.3f test_acc=%.4f gflop_epoch=%.2f\n", timing_median(secs, EPOCHS), acc,
           linear_stack_train_flops(m.sizes, m.L) * train.n / 1e9);
    mlp_free(&m), dataset_free(&train), dataset_free(&test);
    return 0;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 10, .quick_epochs = 2, .seed = 1, .out = "out/06"};
    const char *experiment = "default";
    int bench = 0;
    const flags_option_t extra[] = {
        {"--experiment", FLAGS_STRING, &experiment, "default, double-descent (about a minute) or best (longer training)"},
        {"--bench", FLAGS_SWITCH, &bench, "only the benchmark: 3 epochs of the main model on 60k images, one line"},
    };
    int parsed = flags_parse(&f, argc, argv, "Chapter 6: overfitting and its cures, metrics, imbalance, hyperparameter search, "
                             "bagging, double descent.", extra, 2);
    if (parsed != 0) /* -1: a bad command line (reported), 1: --help was shown */
        return parsed < 0 ? 2 : 0;
    if (bench)
        return run_bench(&f);
    if (strcmp(experiment, "default") != 0 && strcmp(experiment, "double-descent") != 0 && strcmp(experiment, "best") != 0) {
        nn_error("run with --help for the list", "--experiment expects default, double-descent or best, got '%s'",
                 experiment);
        return 2;
    }
    if (io_mkdirs(f.out) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f.seed);
    double t0 = timing_seconds();
    dataset_t all, test;
    if (fashion_load_splits(&all, &test, f.data) != 0)
        return 1;
    if (f.quick)
        dataset_truncate(&all, 6000), dataset_truncate(&test, 1000);
    dataset_t train, val;
    dataset_split(&train, &val, &all, 11.0f / 12.0f, &rng); /* 55,000 / 5,000 */
    int rc = 0;
    if (!strcmp(experiment, "double-descent")) {
        rc = run_double_descent(&f, &train, &test, &rng);
    } else if (!strcmp(experiment, "best")) {
        rc = run_main_model(&f, &train, &val, &test, &rng, f.epochs == 10 ? 30 : f.epochs, "the best model");
    } else {
        double t = timing_seconds();
        rc |= run_cures(&f, &train, &val, &test, &rng);
        rc |= run_augment_figure(&f, &train, &rng);
        printf("   (%.1fs)\n", timing_seconds() - t), t = timing_seconds();
        rc |= run_main_model(&f, &train, &val, &test, &rng, f.epochs, "the main model");
        printf("   (%.1fs)\n", timing_seconds() - t), t = timing_seconds();
        rc |= run_imbalance(&f, &train, &test, &rng);
        printf("   (%.1fs)\n", timing_seconds() - t), t = timing_seconds();
        rc |= run_hpo(&f, &train, &val, &rng);
        printf("   (%.1fs)\n", timing_seconds() - t), t = timing_seconds();
        run_bagging(&f, &train, &test, &rng);
        printf("   (%.1fs)\n", timing_seconds() - t);
    }
    dataset_free(&all), dataset_free(&test), dataset_free(&train), dataset_free(&val);
    printf("done in %.1fs; logs and figures in %s/\n", timing_seconds() - t0, f.out);
    return rc ? 1 : 0;
}

#endif /* GRADING */
