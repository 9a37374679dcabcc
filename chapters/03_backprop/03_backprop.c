/*md
# Backpropagation: a multilayer perceptron by hand

Chapter 1 ended with a wall: a single neuron draws one straight line, and XOR needs two. Chapter 2
trained linear models by gradient descent, with gradients we could work out on paper. This
chapter puts neurons in layers, a *multilayer perceptron* (MLP), and faces the question that
stalled the field for well over a decade: how do we get the gradient of the loss with respect to every
weight of every layer? The answer, *backpropagation* (Rumelhart, Hinton and Williams 1986, and
earlier Linnainmaa 1970 and Werbos 1974), is nothing more than the chain rule applied in the right
order. We derive it on a computational graph, then write forward and backward passes by hand for a
linear layer and for every common activation function, check each against numerical derivatives,
study how the initial weights decide whether a deep network can learn at all, and finally train a
784-256-128-10 network on all of Fashion-MNIST to about 89% test accuracy in about ten seconds.

This chapter writes every gradient by hand. Chapter 4 builds a machine that does it
automatically, and checks it against the functions written here.

**What lives where.** The building blocks derived here (the linear layer, the activations, the
gradient checker, the initializers, SGD and Adam) are used by every later chapter, so their code
lives in the library: `common/layers.h`, `activations.h`, `gradcheck.h`, `init.h` and `optim.h`,
each header documenting the formulas this chapter derives. This file derives them, uses them, and
keeps for itself (and for the exercises) what is this chapter's own: the derivatives written out
as scalar formulas (checked against the library and against PyTorch), one centered difference,
the scale of each initialization scheme, and the network: its forward pass, its backward pass and
its training step, composed from the library's pieces.

**Notation and shapes.** A batch of $B$ examples is a matrix with one example per row:
$x \in \mathbb{R}^{B \times D}$ with $D = 784$ pixels. The network has $L$ linear layers; layer
$l = 1 \dots L$ maps $n_{l-1}$ inputs to $n_l$ outputs (here $n_0 = 784$, $n_1 = 256$,
$n_2 = 128$, $n_3 = K = 10$ classes):

$$
z^{(l)} = a^{(l-1)} W^{(l)} + b^{(l)}, \qquad a^{(l)} = \varphi\bigl(z^{(l)}\bigr), \qquad a^{(0)} = x,
$$

with weights $W^{(l)} \in \mathbb{R}^{n_{l-1} \times n_l}$ stored `(in, out)`, biases
$b^{(l)} \in \mathbb{R}^{n_l}$ added to every row, and an elementwise activation $\varphi$ on the
hidden layers only: the last layer's $z^{(L)}$ are the *logits* that the softmax cross-entropy of
chapter 2 turns into a loss $L$ (a scalar; the overloading of $L$ as "number of layers" is
harmless in context). For any quantity $v$ of the computation, $\bar v = \partial L / \partial v$
is its *gradient* (or *adjoint*); it always has the shape of $v$. In code $\bar v$ is `dv`.
*/

#include "activations.h" /* NAME_forward / NAME_backward for every activation (this chapter's zoo) */
#include "csvlog.h"      /* out/03/log.csv */
#include "data.h"        /* dataset_t, fashion_load, dataset_split, dataset_gather (a shuffled batch) */
#include "error.h"       /* nn_fatal, nn_check_finite, nn_malloc */
#include "course.h"      /* TODO: the student edition's exercise stubs */
#include "flags.h"       /* --epochs --seed --quick --out --data --help, plus --lr --batch --optim --bench */
#include "gradcheck.h"   /* centered differences with kink detection (section 3.4) */
#include "init.h"        /* init_normal and the named schemes (section 3.6) */
#include "io.h"          /* io_create / io_commit / io_join */
#include "layers.h"      /* linear_forward / linear_backward (section 3.2) */
#include "loss.h"        /* softmax_cross_entropy, softmax_forward (chapter 2), softmax_backward */
#include "metrics.h"     /* metrics_argmax, metrics_evaluate: accuracy and loss over a dataset in chunks */
#include "optim.h"       /* sgd_step, adam_step (section 3.7) */
#include "plot.h"        /* gnuplot figures */
#include "progress.h"    /* the progress bar */
#include "timing.h"      /* timing_seconds, timing_median */
#include "rng.h"         /* the explicit random number generator */
#include "schedule.h"    /* SCHEDULE_LINEAR: the learning rate falling to 0 over the run */
#include "stats.h"       /* stats_normal_cdf, stats_normal_pdf (for GELU) */
#include "tensor.h"      /* tensor views with shapes, for checked entry points */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*md
## 3.1 The chain rule on a computational graph

A network computes its loss through a long chain of simple steps, and we want the derivative of
that one number with respect to hundreds of thousands of parameters. Draw the computation as a
*graph*: a node per value, an edge from each value to every operation that reads it. Here is a
two-layer network, with the forward computation in black and the gradients flowing back in red:

```dot
digraph backprop {
  rankdir=LR;
  node [shape=box, style="rounded", fontname="sans", fontsize=11];
  edge [fontname="sans", fontsize=10];
  x  [label="x (B, D)"];
  W1 [label="W1 (D, H)"]; b1 [label="b1 (H)"];
  z1 [label="z1 = x W1 + b1\n(B, H)"];
  a1 [label="a1 = relu(z1)\n(B, H)"];
  W2 [label="W2 (H, K)"]; b2 [label="b2 (K)"];
  z2 [label="z2 = a1 W2 + b2\nlogits (B, K)"];
  y  [label="labels y (B)"];
  L  [label="L = cross-entropy\n(softmax(z2), y)", shape=ellipse];
  x -> z1; W1 -> z1; b1 -> z1; z1 -> a1; a1 -> z2; W2 -> z2; b2 -> z2; z2 -> L; y -> L;
  edge [color="#d62728", fontcolor="#d62728", style=dashed, constraint=false];
  L  -> z2 [label="dz2 = (p - onehot(y)) / B"];
  z2 -> W2 [label="dW2 = a1^T dz2"];
  z2 -> a1 [label="da1 = dz2 W2^T"];
  a1 -> z1 [label="dz1 = da1 * [z1 > 0]"];
  z1 -> W1 [label="dW1 = x^T dz1"];
}
```

**One path.** If $L = f(u)$ and $u = g(v)$, then $\frac{dL}{dv} = \frac{dL}{du}\frac{du}{dv}$:
$\bar v = \bar u \, g'(v)$. Gradients travel *backwards*: knowing how $L$ responds to $u$ and how
$u$ responds to $v$ tells us how $L$ responds to $v$.

**Many paths.** When $v$ feeds several nodes $u_1, \dots, u_m$, a small change in $v$ moves all of
them, and the effects add up to first order:

$$
\bar v = \sum_{i=1}^{m} \bar u_i \, \frac{\partial u_i}{\partial v}.
$$

For vectors this is a product with the transposed Jacobian: if $u = g(v)$ with
$J_{ij} = \partial u_i / \partial v_j$, then $\bar v = J^\top \bar u$. Every operation therefore
needs just one extra function, its *backward*: given the gradient of its output, return the
gradients of its inputs. It never needs to know what comes after it.

**Reverse mode.** Backpropagation visits the graph once forwards, computing and *keeping* every
intermediate value, then once backwards in reverse order, starting from $\bar L = 1$ and calling
each node's backward. Each node sends gradients to its inputs; a node with several consumers adds
up what it receives. One backward pass yields the gradient with respect to *all* inputs at a cost
of about twice the forward pass (we count exactly in section 3.8). The alternative, pushing
derivatives forwards (forward mode), would need one pass per parameter: 235,146 passes for this
chapter's network. Reverse mode wins whenever there are many inputs and one output, which is
always the case for a loss.

The price is memory: the backward pass of $W_2$ needs $a_1$, and the backward of the ReLU needs
to know where $z_1 > 0$, so every activation of the forward pass stays in memory until the
backward pass has used it.

A worked example with numbers, one neuron, $L = \sigma(wx + b)$ at $w = 2$, $x = 1$, $b = -1$:
forward, $z = 1$, $L = \sigma(1) = 0.7311$. Backward, $\bar L = 1$,
$\bar z = \bar L \cdot \sigma(1)(1 - \sigma(1)) = 0.1966$ (the derivative of the sigmoid is
derived in section 3.3), then $\bar w = \bar z x = 0.1966$, $\bar x = \bar z w = 0.3932$,
$\bar b = \bar z = 0.1966$. Nudging $w$ to $2.001$ changes $L$ by $0.000197$, as predicted.

## 3.2 The linear layer, forward and backward

A linear (fully connected, dense) layer computes $y = xW + b$ for a batch: $x$ is $(B, n_\text{in})$,
$W$ is $(n_\text{in}, n_\text{out})$, $b$ is $(n_\text{out})$ and $y$ is $(B, n_\text{out})$.
Element by element, $y_{bj} = \sum_i x_{bi} W_{ij} + b_j$. Given $\bar y$, apply the many-paths
rule to each input:

* $W_{ij}$ appears in $y_{bj}$ for every example $b$, with coefficient $x_{bi}$:
  $\bar W_{ij} = \sum_b \bar y_{bj} x_{bi}$, that is $\bar W = x^\top \bar y$.
* $x_{bi}$ appears in $y_{bj}$ for every output $j$, with coefficient $W_{ij}$:
  $\bar x_{bi} = \sum_j \bar y_{bj} W_{ij}$, that is $\bar x = \bar y W^\top$.
* $b_j$ appears in $y_{bj}$ for every example with coefficient 1: $\bar b_j = \sum_b \bar y_{bj}$,
  the column sums of $\bar y$.

A check that catches most mistakes: each gradient has its variable's shape, and there is only one
way to multiply the available matrices into that shape. $\bar W$ must be
$(n_\text{in}, n_\text{out})$, and from $x$ $(B, n_\text{in})$ and $\bar y$ $(B, n_\text{out})$ the
only product of that shape is $x^\top \bar y$. Note also that the sum over the batch in $\bar W$
and $\bar b$ is the many-paths rule at work: the same weights are used by every example.

These three products live in `common/layers.c` as `linear_forward` and `linear_backward` (with
`linear_forward_checked` / `linear_backward_checked`, which first check every shape), written
with `matmul_blas()`, that is OpenBLAS's `cblas_sgemm`: the forward pass is one product, the backward
two. That is where this chapter's network, and every later one, spends its time.

## 3.3 The activation zoo

Without a nonlinearity between them, two linear layers collapse into one:
$(xW_1 + b_1)W_2 + b_2 = x(W_1W_2) + (b_1W_2 + b_2)$. The activation function $\varphi$ is what
makes depth worth having. An elementwise activation has a diagonal Jacobian
($\partial y_i / \partial x_j = 0$ for $i \ne j$), so its backward is an elementwise product:

$$
y = \varphi(x) \quad\Longrightarrow\quad \bar x = \bar y \odot \varphi'(x).
$$

All that differs between activations is $\varphi'$, and sometimes it is cheaper to compute from
the output $y$ than from the input $x$. Here is the zoo of common activations, each with its
derivative. `common/activations.h` implements every one as a `NAME_forward` / `NAME_backward`
pair with exactly these formulas; the figure at the end of the section plots them all.

**Linear (identity).** $\varphi(x) = x$, $\varphi'(x) = 1$. Used on the output layer: the logits
are left linear, and the loss applies its own softmax.

**Binary step.** $\varphi(x) = [x \ge 0]$, chapter 1's perceptron. Its derivative is $0$ for every
$x \ne 0$ and does not exist at $0$ (a jump). It is *zero almost everywhere*: gradient descent
receives no signal at all through a step, which is why the perceptron needed its own rule and
why networks use smooth or piecewise-linear activations instead.

**Sigmoid.** $\sigma(x) = 1/(1 + e^{-x})$, with range $(0, 1)$. Differentiating,
$\sigma'(x) = e^{-x} / (1 + e^{-x})^2$, and since $1 - \sigma(x) = e^{-x} / (1 + e^{-x})$,

$$
\sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr) = y (1 - y).
$$

The backward needs only the output. Its maximum is $\frac14$, at $x = 0$, and it decays like
$e^{-|x|}$: a *saturated* sigmoid passes back almost nothing, and a chain of $n$ sigmoids
multiplies the gradient by at most $4^{-n}$, the classic *vanishing gradient*. Its outputs are
also always positive (not zero-centered), so the gradients of all the weights entering one unit
share a sign within an example, which makes the path to the optimum zig-zag.

**Hyperbolic tangent.** $\tanh x = (e^x - e^{-x}) / (e^x + e^{-x}) = 2\sigma(2x) - 1$, range
$(-1, 1)$, zero-centered. By the quotient rule,
$\tanh' x = \bigl[(e^x + e^{-x})^2 - (e^x - e^{-x})^2\bigr] / (e^x + e^{-x})^2 = 1 - \tanh^2 x = 1 - y^2$.
Its slope is 1 at the origin (four times the sigmoid's), but it saturates just the same.

**ReLU.** $\operatorname{relu}(x) = \max(0, x)$, with $\operatorname{relu}'(x) = 1$ for $x > 0$ and
$0$ for $x < 0$. At $x = 0$ it has no derivative: the slopes from the left (0) and from the right
(1) differ, a *kink*. Any value in $[0, 1]$ is a valid *subgradient* there; we use $0$, as PyTorch
does. ReLU is cheap, does not saturate for $x > 0$ (gradients pass through unchanged), and its
zeros make representations sparse. Its failure mode is the *dead unit*: a unit whose
pre-activation is negative for every input gets zero gradient forever. Since $y > 0$ exactly when
$x > 0$, the backward can use either the input or the output. One input needs care: NaN, for
which every comparison is false. Written `x > 0 ? x : 0`, ReLU would return 0 and hide a NaN input
from the loss while the weight gradient $x^\top \delta$ still carries it into the weights; the
library's `relu_forward` tests `x <= 0` instead, so NaN stays NaN, as in PyTorch.

**Leaky ReLU.** $\varphi(x) = x$ for $x > 0$, $a x$ otherwise, with a small slope $a$ (0.01 is
usual; the figure uses $a = 0.1$ to make it visible). $\varphi' = 1$ or $a$: negative units still
learn, so nothing dies.

**PReLU** (He et al. 2015) makes the slope a parameter $a_c$, one per unit (channel), learned like a
weight. The derivative with respect to the input is leaky ReLU's; with respect to the slope,
$\partial y / \partial a_c = x$ where $x \le 0$ (else 0), and since $a_c$ is shared by every
example of the batch, its gradient sums over it:
$\bar a_c = \sum_b \bar y_{bc}\, x_{bc}\, [x_{bc} \le 0]$.

**ELU** (Clevert et al. 2016). $\varphi(x) = x$ for $x > 0$, $\alpha(e^x - 1)$ otherwise. For
$x \le 0$, $\varphi'(x) = \alpha e^x = y + \alpha$ (the output again). With $\alpha = 1$ both slopes
meet at 1, so the function is smooth at 0 to first order; negative outputs saturate at $-\alpha$,
which pulls the mean activation towards zero.

**Softplus.** $\varphi(x) = \log(1 + e^x)$, a smooth ReLU. $\varphi'(x) = e^x / (1 + e^x) = \sigma(x)$:
the sigmoid is the derivative of the softplus. Computed as $\max(x, 0) + \log(1 + e^{-|x|})$, which
never overflows.

**GELU** (Hendrycks and Gimpel 2016), the activation of BERT and GPT:
$\varphi(x) = x\,\Phi(x)$, where $\Phi$ is the standard normal CDF,
$\Phi(x) = \frac12\bigl(1 + \operatorname{erf}(x/\sqrt 2)\bigr)$: the input weighted by the probability
that a standard normal variable falls below it. By the product rule, with $\Phi' = \phi$, the
normal density $\phi(x) = e^{-x^2/2} / \sqrt{2\pi}$:

$$
\varphi'(x) = \Phi(x) + x\,\phi(x).
$$

Unlike ReLU it is smooth and not monotonic: it dips to about $-0.17$ near $x = -0.75$, where
$\varphi' = 0$. (We compute $\Phi(x) = \frac12 \operatorname{erfc}(-x/\sqrt2)$, which keeps full
precision in the far left tail where $1 + \operatorname{erf}$ would cancel.)

**SiLU / swish** (Elfwing et al. 2018; Ramachandran et al. 2017): $\varphi(x) = x\,\sigma(x)$. By
the product rule and $\sigma' = \sigma(1 - \sigma)$:

$$
\varphi'(x) = \sigma(x) + x\,\sigma(x)\bigl(1 - \sigma(x)\bigr) = \sigma(x)\bigl(1 + x(1 - \sigma(x))\bigr).
$$

**Mish** (Misra 2019): $\varphi(x) = x \tanh(\operatorname{softplus}(x))$. Write
$t = \tanh(\operatorname{softplus}(x))$; the chain rule through $\tanh$ and softplus gives
$t' = (1 - t^2)\,\sigma(x)$, and the product rule

$$
\varphi'(x) = t + x\,\sigma(x)\,(1 - t^2).
$$

**Maxout** (Goodfellow et al. 2013) is not elementwise: each output is the maximum of a group of
$k$ inputs (usually $k$ different linear functions of the layer's input),
$y_c = \max_j x_{c,j}$. The max is locally just one of its arguments, so
$\partial y_c / \partial x_{c,j} = 1$ for the winning $j$ and 0 for the others: the backward
*routes* $\bar y_c$ to the winner. (Ties are kinks.) ReLU is the maxout of $x$ and the constant 0;
a maxout of $k$ linear pieces is a convex piecewise-linear function, and as $k$ grows it can
approximate any convex function (only convex ones: the maximum of lines never bends down).

**GLU**, the gated linear unit (Dauphin et al. 2017), splits its input in two halves $[a \mid b]$
and lets one gate the other: $y = a \odot \sigma(b)$. Its two partial derivatives are
$\bar a = \bar y \odot \sigma(b)$ and $\bar b = \bar y \odot a\,\sigma(b)(1 - \sigma(b))$. Feed both
halves the same $x$ and you get $x\sigma(x)$, SiLU; its derivative is then the sum of the two
paths, $\sigma(x) + x\sigma(x)(1 - \sigma(x))$: the many-paths rule of section 3.1 in miniature.

**Softmax** turns a row of $K$ scores into probabilities, $p_i = e^{z_i} / \sum_j e^{z_j}$. Each
output depends on every input:
$\partial p_i / \partial z_j = p_i(\delta_{ij} - p_j)$ (for $i = j$ the quotient rule gives
$p_i - p_i^2$; for $i \ne j$ only the denominator moves, giving $-p_i p_j$). The Jacobian
$\operatorname{diag}(p) - p p^\top$ is never formed; its product with a gradient is

$$
\bar z_j = \sum_i \bar p_i\, p_i (\delta_{ij} - p_j) = p_j \Bigl(\bar p_j - \sum_i \bar p_i p_i\Bigr),
$$

`softmax_backward` in `common/loss.c`. Followed by the cross-entropy
$L = -\frac1B \sum_b \log p_{b,t_b}$, whose gradient is $\bar p_{bi} = -[i = t_b] / (B\,p_{bi})$,
this collapses to $\bar z = (p - \operatorname{onehot}(t)) / B$, the formula that
`softmax_cross_entropy` in `common/loss.h` uses (chapter 2): fusing the two avoids dividing by a
probability that may be tiny.

| activation | $\varphi(x)$ | $\varphi'(x)$ | backward reads |
|---|---|---|---|
| identity | $x$ | $1$ | nothing |
| step | $[x \ge 0]$ | $0$ (a.e.) | nothing |
| sigmoid | $\sigma(x)$ | $y(1-y)$ | $y$ |
| tanh | $\tanh x$ | $1 - y^2$ | $y$ |
| ReLU | $\max(0, x)$ | $[x > 0]$ | $x$ (or $y$) |
| leaky ReLU | $x$ or $a x$ | $1$ or $a$ | $x$ |
| ELU | $x$ or $\alpha(e^x - 1)$ | $1$ or $y + \alpha$ | $x$, $y$ |
| softplus | $\log(1 + e^x)$ | $\sigma(x)$ | $x$ |
| GELU | $x\Phi(x)$ | $\Phi(x) + x\phi(x)$ | $x$ |
| SiLU | $x\sigma(x)$ | $\sigma(x)(1 + x(1 - \sigma(x)))$ | $x$ |
| mish | $x\tanh(\operatorname{softplus} x)$ | $t + x\sigma(x)(1 - t^2)$ | $x$ |

In the program an activation is named by a small enum, and two dispatchers call the library's
pairs. The plots and the experiments below use them.
*/

/* The elementwise activations of the zoo (maxout, GLU, PReLU and softmax have their own shapes). */
typedef enum {
    ACT_IDENTITY, ACT_STEP, ACT_SIGMOID, ACT_TANH, ACT_RELU, ACT_LEAKY_RELU,
    ACT_ELU, ACT_SOFTPLUS, ACT_GELU, ACT_SILU, ACT_MISH, ACT_COUNT
} act_kind;

static const char *const ACT_NAMES[ACT_COUNT] = {
    "identity", "step", "sigmoid", "tanh", "relu", "leaky relu", "elu", "softplus", "gelu", "silu", "mish"};

#define LEAKY_SLOPE 0.1f /* the chapter's leaky ReLU slope a (0.01 is more usual; 0.1 shows in plots) */
#define ELU_ALPHA 1.0f

/* y = phi(x), elementwise.  y, x: (n); y may alias x */
static void act_forward(act_kind k, float *y, const float *x, size_t n)
{
    switch (k) {
    case ACT_IDENTITY: identity_forward(y, x, n); break;
    case ACT_STEP: step_forward(y, x, n); break;
    case ACT_SIGMOID: sigmoid_forward(y, x, n); break;
    case ACT_TANH: tanh_act_forward(y, x, n); break;
    case ACT_RELU: relu_forward(y, x, n); break;
    case ACT_LEAKY_RELU: leaky_relu_forward(y, x, n, LEAKY_SLOPE); break;
    case ACT_ELU: elu_forward(y, x, n, ELU_ALPHA); break;
    case ACT_SOFTPLUS: softplus_forward(y, x, n); break;
    case ACT_GELU: gelu_forward(y, x, n); break;
    case ACT_SILU: silu_forward(y, x, n); break;
    case ACT_MISH: mish_forward(y, x, n); break;
    default: nn_fatal("use one of the act_kind values", "act_forward: unknown activation %d", (int)k);
    }
}

/* dx = dy * phi'(x).  dx, dy, x, y: (n), x the forward input and y its output */
static void act_backward(act_kind k, float *dx, const float *dy, const float *x, const float *y, size_t n)
{
    switch (k) {
    case ACT_IDENTITY: identity_backward(dx, dy, x, y, n); break;
    case ACT_STEP: step_backward(dx, dy, x, y, n); break;
    case ACT_SIGMOID: sigmoid_backward(dx, dy, x, y, n); break;
    case ACT_TANH: tanh_act_backward(dx, dy, x, y, n); break;
    case ACT_RELU: relu_backward(dx, dy, x, y, n); break;
    case ACT_LEAKY_RELU: leaky_relu_backward(dx, dy, x, y, n, LEAKY_SLOPE); break;
    case ACT_ELU: elu_backward(dx, dy, x, y, n, ELU_ALPHA); break;
    case ACT_SOFTPLUS: softplus_backward(dx, dy, x, y, n); break;
    case ACT_GELU: gelu_backward(dx, dy, x, y, n); break;
    case ACT_SILU: silu_backward(dx, dy, x, y, n); break;
    case ACT_MISH: mish_backward(dx, dy, x, y, n); break;
    default: nn_fatal("use one of the act_kind values", "act_backward: unknown activation %d", (int)k);
    }
}

/*md
### Exercise 03.1 — the derivatives of the classics

The library's backward functions work on whole arrays. To make sure the derivations above are
yours, write them once more as plain scalar formulas: `derivative_classic(k, x)` returns
$\varphi'(x)$ for `ACT_STEP`, `ACT_SIGMOID`, `ACT_TANH`, `ACT_RELU` and `ACT_LEAKY_RELU` (slope
`LEAKY_SLOPE`), and `NAN` for any other kind. Conventions: at the kink $x = 0$ take ReLU's and
leaky ReLU's left slope ($0$ and $a$); the step's derivative is $0$ everywhere (including at 0,
where it does not exist). Use `sigmoid1` below rather than `1 / (1 + expf(-x))`, which overflows
`expf` for $x < -88$. The figure of section 3.3 draws your derivatives, and the tests compare them
with PyTorch's autograd at ten points.
*/

/* sigma(x) without overflow: for x < 0, e^x / (1 + e^x). */
static float sigmoid1(float x)
{
    if (x >= 0)
        return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

/* phi'(x) for the step, sigmoid, tanh, relu and leaky relu; NAN for other kinds. */
static float derivative_classic(act_kind k, float x)
{
    /* BEGIN EXERCISE 03.1 (2 points): the derivatives of step, sigmoid, tanh, relu, leaky relu */
    switch (k) {
    case ACT_STEP:
        return 0.0f; /* zero wherever it exists, i.e. everywhere but x = 0 */
    case ACT_SIGMOID: {
        float s = sigmoid1(x);
        return s * (1.0f - s);
    }
    case ACT_TANH: {
        float t = tanhf(x);
        return 1.0f - t * t;
    }
    case ACT_RELU:
        return x > 0 ? 1.0f : 0.0f;
    case ACT_LEAKY_RELU:
        return x > 0 ? 1.0f : LEAKY_SLOPE;
    default:
        return NAN;
    }
    /* END EXERCISE */
}

/*md
### Exercise 03.2 — the derivatives of the smooth modern activations

Write `derivative_smooth(k, x)`: $\varphi'(x)$ for `ACT_ELU` ($\alpha$ = `ELU_ALPHA`),
`ACT_SOFTPLUS`, `ACT_GELU`, `ACT_SILU` and `ACT_MISH`, `NAN` for other kinds, using the formulas
derived above. The helpers `stats_normal_cdf` and `stats_normal_pdf` (the library's $\Phi$ and
$\varphi$, `common/stats.h`, in double precision) and `softplus1` are given; they are accurate for
large $|x|$, and your formulas should be too: at $x = \pm 30$ every derivative is finite.
*/

/* log(1 + e^x) without overflow. */
static float softplus1(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }

/* phi'(x) for elu, softplus, gelu, silu and mish; NAN for other kinds. */
static float derivative_smooth(act_kind k, float x)
{
    /* BEGIN EXERCISE 03.2 (2 points): the derivatives of elu, softplus, gelu, silu, mish */
    switch (k) {
    case ACT_ELU:
        return x > 0 ? 1.0f : ELU_ALPHA * expf(x);
    case ACT_SOFTPLUS:
        return sigmoid1(x);
    case ACT_GELU:
        return (float)(stats_normal_cdf(x) + x * stats_normal_pdf(x));
    case ACT_SILU: {
        float s = sigmoid1(x);
        return s * (1.0f + x * (1.0f - s));
    }
    case ACT_MISH: {
        float t = tanhf(softplus1(x));
        return t + x * sigmoid1(x) * (1.0f - t * t);
    }
    default:
        return NAN;
    }
    /* END EXERCISE */
}

/* phi'(x) for every elementwise kind. */
static float act_derivative(act_kind k, float x)
{
    if (k == ACT_IDENTITY)
        return 1.0f;
    float d = derivative_classic(k, x);
    return isnan(d) ? derivative_smooth(k, x) : d;
}

/*md
The figure shows every activation (blue) and its derivative (red, dashed) on $[-4, 4]$. The
elementwise ones use your derivatives from the two exercises. The four with other shapes are shown
along a one-dimensional slice, with their derivatives from the library's backward functions:
PReLU with slope $a = 0.25$; a maxout of three fixed lines $-0.5x - 0.5$, $0.25x$ and $1.5x - 1.5$
(its derivative is the slope of the winning line: the chain rule through the max); GLU with both
halves equal to $x$ (which is SiLU, with the derivative summed over the two paths); and softmax's
first probability for the scores $(x, 0)$, which is exactly $\sigma(x)$: a two-class softmax *is*
a sigmoid.

![Every activation of the zoo (solid) and its derivative (dashed).](out/03/activations.svg)

Read the figure for the properties that matter in training: where the derivative is near zero
(the saturated tails of sigmoid and tanh, the negative half of ReLU), gradients die; where it is
1 (ReLU's positive half, the right tails of ELU, GELU, SiLU, mish), they pass unchanged.
*/

/* Fills one panel's column pair (f, f') for the four non-elementwise activations along a slice.
 * xs: (n) the slice, f, df: (n) */
static void slice_prelu(float *f, float *df, const float *xs, int n)
{
    const float a = 0.25f;
    prelu_forward(f, xs, &a, n, 1);
    float *ones = nn_malloc((size_t)n * sizeof(float)), da;
    for (int i = 0; i < n; i++) ones[i] = 1.0f;
    prelu_backward(df, &da, ones, xs, &a, n, 1);
    free(ones);
}

static void slice_maxout(float *f, float *df, const float *xs, int n)
{
    const float w[3] = {-0.5f, 0.25f, 1.5f}, b[3] = {-0.5f, 0.0f, -1.5f};
    for (int i = 0; i < n; i++) {
        float pieces[3], dpieces[3], one = 1.0f;
        int win;
        for (int j = 0; j < 3; j++) pieces[j] = w[j] * xs[i] + b[j];
        maxout_forward(&f[i], &win, pieces, 1, 1, 3);
        maxout_backward(dpieces, &one, &win, 1, 1, 3);
        df[i] = dpieces[0] * w[0] + dpieces[1] * w[1] + dpieces[2] * w[2]; /* chain rule into x */
    }
}

static void slice_glu(float *f, float *df, const float *xs, int n)
{
    for (int i = 0; i < n; i++) {
        float ab[2] = {xs[i], xs[i]}, dab[2], one = 1.0f;
        glu_forward(&f[i], ab, 1, 1);
        glu_backward(dab, &one, ab, 1, 1);
        df[i] = dab[0] + dab[1]; /* x feeds both halves: add the two paths */
    }
}

static void slice_softmax(float *f, float *df, const float *xs, int n)
{
    for (int i = 0; i < n; i++) {
        float z[2] = {xs[i], 0.0f}, p[2], dp[2] = {1.0f, 0.0f}, dz[2];
        softmax_forward(p, z, 1, 2);
        softmax_backward(dz, dp, p, 1, 2);
        f[i] = p[0], df[i] = dz[0];
    }
}

/* Writes activations.csv (x, then f and f' per panel) and draws the grid of panels. */
static int plot_activations(const char *dir)
{
    enum { N = 401, EXTRA = 4, PANELS = ACT_COUNT + EXTRA };
    static const char *const extra_names[EXTRA] = {"prelu (a = 0.25)", "maxout (3 lines)",
                                                   "glu (a = b = x)", "softmax (x, 0), p_1"};
    float xs[N], *f = nn_malloc((size_t)PANELS * N * sizeof(float)), *df = nn_malloc((size_t)PANELS * N * sizeof(float));
    for (int i = 0; i < N; i++)
        xs[i] = -4.0f + 8.0f * (float)i / (N - 1);
    float ones[N], lib[N], worst = 0;
    for (int i = 0; i < N; i++)
        ones[i] = 1.0f;
    for (int k = 0; k < ACT_COUNT; k++) {
        float *fk = f + (size_t)k * N, *dfk = df + (size_t)k * N;
        act_forward((act_kind)k, fk, xs, N);
        act_backward((act_kind)k, lib, ones, xs, fk, N); /* the library's f'(x): backward of dy = 1 */
        for (int i = 0; i < N; i++) {
            dfk[i] = act_derivative((act_kind)k, xs[i]);
            worst = fmaxf(worst, fabsf(dfk[i] - lib[i]));
        }
    }
    printf("activations: the derivatives of exercises 03.1-03.2 agree with common/activations.c's backward "
           "functions to within %.2g on [-4, 4]\n", worst);
    slice_prelu(f + (size_t)ACT_COUNT * N, df + (size_t)ACT_COUNT * N, xs, N);
    slice_maxout(f + (size_t)(ACT_COUNT + 1) * N, df + (size_t)(ACT_COUNT + 1) * N, xs, N);
    slice_glu(f + (size_t)(ACT_COUNT + 2) * N, df + (size_t)(ACT_COUNT + 2) * N, xs, N);
    slice_softmax(f + (size_t)(ACT_COUNT + 3) * N, df + (size_t)(ACT_COUNT + 3) * N, xs, N);

    char path[4096];
    io_file_t out;
    int rc = io_create(&out, io_join(path, dir, "activations.csv"));
    if (rc == 0) {
        fprintf(out.f, "x");
        for (int k = 0; k < PANELS; k++)
            fprintf(out.f, ",f%d,df%d", k, k);
        for (int i = 0; i < N; i++) {
            fprintf(out.f, "\n%g", xs[i]);
            for (int k = 0; k < PANELS; k++)
                fprintf(out.f, ",%g,%g", f[(size_t)k * N + i], df[(size_t)k * N + i]);
        }
        fputc('\n', out.f);
        rc = io_commit(&out);
    }
    free(f);
    free(df);
    if (rc != 0)
        return -1;
    char body[8192];
    int len = snprintf(body, sizeof body,
                       "set multiplot layout 4,4\n"
                       "set xrange [-4:4]\nset yrange [-1.5:3]\nset xtics 2\nset ytics 1\nunset key\n"
                       "set xzeroaxis lc rgb '#999999'\nset yzeroaxis lc rgb '#999999'\n"
                       "set lmargin 4\nset rmargin 1\nset tmargin 2\nset bmargin 2\n");
    for (int k = 0; k < PANELS; k++)
        len += snprintf(body + len, sizeof body - (size_t)len,
                        "set title '%s'\nplot 'activations.csv' using 1:%d with lines lw 2 lc rgb '#1f77b4', "
                        "'' using 1:%d with lines lw 2 dt 2 lc rgb '#d62728'\n",
                        k < ACT_COUNT ? ACT_NAMES[k] : extra_names[k - ACT_COUNT], 2 + 2 * k, 3 + 2 * k);
    snprintf(body + len, sizeof body - (size_t)len, "unset multiplot");
    return plot_render(dir, "activations", 1100, 1000, body);
}

/*md
## 3.4 Checking gradients numerically

A backward pass can be wrong in ways no test of the forward pass will notice, and training with a
slightly wrong gradient often still *works*, only worse. So every backward in this course is
checked against the definition of the derivative. Taylor's theorem around $\theta$ gives

$$
L(\theta \pm h) = L(\theta) \pm h L'(\theta) + \tfrac{h^2}{2} L''(\theta) \pm \tfrac{h^3}{6} L'''(\theta) + O(h^4),
$$

so the one-sided difference $(L(\theta + h) - L(\theta))/h = L' + \frac h2 L'' + \dots$ is off by
$O(h)$, while in the *centered* difference the even terms cancel:

$$
\frac{L(\theta + h) - L(\theta - h)}{2h} = L'(\theta) + \frac{h^2}{6} L'''(\theta) + O(h^4).
$$

Smaller $h$ is not always better: each evaluation of $L$ carries a rounding error of about
$\varepsilon |L|$ (the unit roundoff $\varepsilon = 2^{-24} \approx 6 \times 10^{-8}$ for `float`, half
of its machine epsilon $2^{-23} \approx 1.19 \times 10^{-7}$, the gap between 1 and the next float), and dividing
by $2h$ amplifies it to about $\varepsilon |L| / h$. The total error
$\frac{h^2}{6}|L'''| + \varepsilon|L|/h$ is smallest near $h \approx (3\varepsilon)^{1/3} \approx 5 \times 10^{-3}$
(for quantities of size 1): in float32 we use $h = 10^{-3}$ to $10^{-2}$ and accumulate $L$ in
`double` so that at least the summation adds no noise.

To compare the analytic derivative $a$ with the numerical one $n$ we use the relative error,
so that the verdict does not depend on the scale of the gradient, with a floor for derivatives
that are (nearly) zero, where rounding noise would otherwise be divided by noise:

$$
e = \frac{|a - n|}{\max\bigl(|a| + |n|,\ 10^{-3}\bigr)}.
$$

In float32, $e < 10^{-4}$ is excellent, $e < 10^{-2}$ is fine, and $e > 0.1$ is a bug. Every test
states the bound it uses.

**Checking a layer, not a loss.** To check the backward of $y = f(x)$ we need a scalar. Draw a
random matrix $R$ of $y$'s shape and use $L = \sum_i y_i R_i$: then $\bar y = R$ exactly, so
`backward` called with `dy = R` must return $\partial L/\partial x$. A *random* $R$ (rather than
all ones) gives every output its own weight, so mistakes cannot cancel between outputs and
swapped outputs are caught.

**Kinks.** At a point where $L$ is not differentiable, the check is meaningless. ReLU at exactly
$x = 0$: the right slope is $\bar y$, the left slope 0, the centered difference their average
$\bar y / 2$, which matches neither 0 (our convention) nor $\bar y$: a relative error of 1 that
signals no bug at all. The same happens whenever a pre-activation lies within $h$ of 0, which in
a ReLU network with thousands of units is not rare. So when an element fails the check,
`common/gradcheck.c` halves the step, up to four times: if the kink is near $\theta$ but not at
it, a small enough step no longer reaches it and the check becomes valid. If it still fails at
$h/16$, the element is reported as a *kink* and left out of the maximum when one of three things
holds there: the two one-sided slopes $(L(\theta + h) - L(\theta))/h$ and $(L(\theta) - L(\theta - h))/h$
disagree, or the analytic value equals one of them (it picked one side, as our ReLU convention
does), or the centered difference itself moved by more than 5% between $h$ and $h/16$ (for a
smooth $L$ it moves by about $h^2 |L'''|/6$). A genuinely wrong gradient of a smooth function fails
at every step and matches none of these, so it is still reported. The step function is the
extreme case: everywhere but at 0 the loss does not move at all (derivative 0, and the check
agrees); within $h$ of 0 the loss jumps, and the check reports a kink.

### Exercise 03.3 — one centered difference

Write `gradcheck_one`: the relative error $e$ (formula above, floor `GRADCHECK_FLOOR`) between the
analytic derivative `analytic` and the centered difference of `loss(ctx)` with respect to the one
float `*p` (which `loss` reads through `ctx`), with step `h`. Keep the two losses in `double`, as
`loss` returns them (in float, their difference drowns in rounding once $|L|$ is large). Restore `*p`
to exactly its original value before returning (save it: undoing the steps by arithmetic leaves
float rounding behind). `common/gradcheck.c` runs exactly this for every element of a parameter (and
divides by the step actually taken, $(\theta + h) - (\theta - h)$ in float, which can differ
slightly from $2h$), adds the kink test, and is what the tests of every later chapter call.
*/

/* Relative error between `analytic` and the centered difference of loss w.r.t. *p. */
static double gradcheck_one(gradcheck_loss_fn_t loss, void *ctx, float *p, double analytic, float h)
{
    /* BEGIN EXERCISE 03.3 (2 points): a centered difference and its relative error */
    const float saved = *p;
    *p = saved + h;
    double lp = loss(ctx);
    *p = saved - h;
    double lm = loss(ctx);
    *p = saved;
    double numeric = (lp - lm) / (2.0 * h);
    return fabs(analytic - numeric) / fmax(fabs(analytic) + fabs(numeric), GRADCHECK_FLOOR);
    /* END EXERCISE */
}

/*md
## 3.5 A multilayer perceptron

The network of this chapter is $784 \to 256 \to 128 \to 10$ with ReLU hidden units:
$784 \cdot 256 + 256 + 256 \cdot 128 + 128 + 128 \cdot 10 + 10 = 235{,}146$ parameters. The code
supports any depth (the initialization experiment of section 3.6 uses ten layers) and three hidden
activations: ReLU, tanh and sigmoid. Those three share a property that the implementation exploits:
their derivative can be computed from the *output* alone ($[y > 0]$, $1 - y^2$, $y(1 - y)$), so
each layer's activation overwrites its pre-activation in place and the network keeps one buffer
per layer instead of two.

Memory layout, chosen for speed and simplicity:

* all parameters live in **one** contiguous block, `params` = $W^{(1)}, b^{(1)}, W^{(2)}, b^{(2)}, \dots$,
  and all gradients in a second block `grads` with the same layout; `W[l]`, `b[l]`, `dW[l]`,
  `db[l]` are views into them. The optimizer then updates the whole model with one call;
* buffers for the activations of `max_batch` examples are allocated once; a training step
  allocates nothing.

You build this network by hand here; from chapter 5 on, the same network (ReLU hidden units, the
same layout, the same calls in the same order) is the library's `mlp_t` in `common/mlp.h`, where
chapter 6 adds batch norm and dropout to it.
*/

#define MLP_MAX_LAYERS 12

typedef struct {
    int L;                           /* linear layers */
    int sizes[MLP_MAX_LAYERS + 1];   /* n_0 (inputs) ... n_L (classes) */
    act_kind act;                    /* hidden activation: ACT_RELU, ACT_TANH or ACT_SIGMOID */
    int max_batch;                   /* rows the buffers hold */
    int batch;                       /* rows of the last forward pass */
    size_t n_params;
    float *params, *grads;           /* (n_params) each, owned: W_1 b_1 W_2 b_2 ... */
    float *W[MLP_MAX_LAYERS], *b[MLP_MAX_LAYERS];   /* W[l]: (n_l, n_{l+1}), b[l]: (n_{l+1}) views */
    float *dW[MLP_MAX_LAYERS], *db[MLP_MAX_LAYERS]; /* the same views into grads */
    float *a[MLP_MAX_LAYERS + 1];    /* a[l]: (max_batch, n_l) for l >= 1; a[L] holds the logits */
    float *delta[2];                 /* (max_batch, max hidden width): backward scratch */
    float *dlogits;                  /* (max_batch, n_L): dL/dlogits for train_step */
} mlp;

static mlp mlp_new(const int *sizes, int L, act_kind act, int max_batch)
{
    if (L < 1 || L > MLP_MAX_LAYERS)
        nn_fatal("use between 1 and MLP_MAX_LAYERS linear layers", "mlp_new: %d layers, expected 1..%d", L,
                 MLP_MAX_LAYERS);
    if (act != ACT_RELU && act != ACT_TANH && act != ACT_SIGMOID)
        nn_fatal("the MLP computes phi' from the output, which works for relu, tanh and sigmoid",
                 "mlp_new: hidden activation '%s' is not supported", ACT_NAMES[act]);
    mlp m = {.L = L, .act = act, .max_batch = max_batch};
    int widest = 1;
    for (int l = 0; l <= L; l++) {
        if (sizes[l] < 1)
            nn_fatal("every layer needs at least one unit", "mlp_new: layer %d has %d units", l, sizes[l]);
        m.sizes[l] = sizes[l];
        if (l > 0 && l < L && sizes[l] > widest)
            widest = sizes[l];
    }
    for (int l = 0; l < L; l++)
        m.n_params += (size_t)sizes[l] * sizes[l + 1] + sizes[l + 1];
    m.params = nn_calloc(m.n_params, sizeof(float));
    m.grads = nn_calloc(m.n_params, sizeof(float));
    size_t off = 0;
    for (int l = 0; l < L; l++) {
        m.W[l] = m.params + off, m.dW[l] = m.grads + off;
        off += (size_t)sizes[l] * sizes[l + 1];
        m.b[l] = m.params + off, m.db[l] = m.grads + off;
        off += sizes[l + 1];
    }
    for (int l = 1; l <= L; l++)
        m.a[l] = nn_malloc((size_t)max_batch * sizes[l] * sizeof(float));
    for (int i = 0; i < 2; i++)
        m.delta[i] = nn_malloc((size_t)max_batch * widest * sizeof(float));
    m.dlogits = nn_malloc((size_t)max_batch * sizes[L] * sizeof(float));
    return m;
}

static void mlp_free(mlp *m)
{
    free(m->params), free(m->grads), free(m->delta[0]), free(m->delta[1]), free(m->dlogits);
    for (int l = 1; l <= m->L; l++)
        free(m->a[l]);
    memset(m, 0, sizeof *m);
}

/*md
### Exercise 03.4 — the forward pass

Write the body of `mlp_forward`: for each layer $l = 0 \dots L-1$ of the code (layer $l+1$ of the
maths), compute $z = a\,W + b$ with `linear_forward` into `m->a[l + 1]`, where the input $a$ is the
batch `x.data` for the first layer and `m->a[l]` after that; then, on every layer but the last,
apply the hidden activation `m->act` in place with `act_forward`. The last layer's output, the
logits, stays linear. The sizes are `m->sizes[l]` (inputs) and `m->sizes[l + 1]` (outputs), and
the batch has `B` rows. (The shape of `x` has been checked before your code runs; see section
3.9.)
*/

static void mlp_check_input(const mlp *m, tensor_t x);

/* Forward pass; returns the logits m->a[L], (B, n_L).   x: (B, n_0) with B <= max_batch */
static const float *mlp_forward(mlp *m, tensor_t x)
{
    mlp_check_input(m, x);
    const int B = x.shape[0];
    m->batch = B;
    /* BEGIN EXERCISE 03.4 (3 points): the forward pass through every layer */
    const float *in = x.data;
    for (int l = 0; l < m->L; l++) {
        float *out = m->a[l + 1];
        linear_forward(out, in, m->W[l], m->b[l], B, m->sizes[l], m->sizes[l + 1]);
        if (l < m->L - 1)
            act_forward(m->act, out, out, (size_t)B * m->sizes[l + 1]);
        in = out;
    }
    /* END EXERCISE */
    return m->a[m->L];
}

/*md
**The backward pass** applies section 3.1's rules from the top. It starts from $\bar z^{(L)}$, the
gradient of the loss with respect to the logits: $(p - \operatorname{onehot}(t))/B$ for the
cross-entropy, or any upstream gradient $R$ when we check the network alone. Then, for
$l = L, \dots, 1$:

$$
\bar W^{(l)} = a^{(l-1)\top}\, \bar z^{(l)}, \qquad
\bar b^{(l)} = \textstyle\sum_b \bar z^{(l)}_{b,:}, \qquad
\bar a^{(l-1)} = \bar z^{(l)}\, W^{(l)\top}, \qquad
\bar z^{(l-1)} = \bar a^{(l-1)} \odot \varphi'\bigl(z^{(l-1)}\bigr),
$$

the first three being `linear_backward`, the last the activation's backward. Two details make it
cheap. The first layer's input gradient $\bar x$ is not needed (we do not train the pixels), so
`linear_backward` is given `dx = NULL` there and skips that product; and since the hidden
activation overwrote $z$ with $a = \varphi(z)$, its backward reads $\varphi'$ from $a$. Two scratch
buffers take turns holding $\bar z$ of consecutive layers.

### Exercise 03.5 — the backward pass

Write the body of `mlp_backward`: given the input batch `x` (the one of the last forward pass) and
`dz`, the gradient with respect to the logits, fill `m->dW[l]` and `m->db[l]` for every layer.
Walk $l$ from `m->L - 1` down to 0: the layer's input is `x` for $l = 0$ and `m->a[l]` otherwise;
call `linear_backward` with `dx` = one of the two `m->delta` buffers (not the one holding the
current gradient), or `NULL` for $l = 0$; then, for $l > 0$, turn that $\bar a$ into $\bar z$ with
`hidden_backward` (in place). The gradients are overwritten, not accumulated.
*/

/* dz = da * phi'(z) computed from a = phi(z), for the MLP's hidden activations.  (n) each; dz may
 * alias da.  relu: a > 0 exactly where z > 0, so relu_backward can read a in place of z. */
static void hidden_backward(act_kind k, float *dz, const float *da, const float *a, size_t n)
{
    switch (k) {
    case ACT_RELU: relu_backward(dz, da, a, NULL, n); break;
    case ACT_TANH: tanh_act_backward(dz, da, NULL, a, n); break;
    case ACT_SIGMOID: sigmoid_backward(dz, da, NULL, a, n); break;
    default: nn_fatal("see mlp_new", "hidden_backward: activation '%s' is not supported", ACT_NAMES[k]);
    }
}

/* Backward pass: fills m->grads.   x: (B, n_0) the last forward's input, dz: (B, n_L) = dL/dlogits */
static void mlp_backward(mlp *m, const float *x, const float *dz, int B)
{
    if (B != m->batch)
        nn_fatal("call mlp_backward right after mlp_forward, with the same batch",
                 "mlp_backward: dz has %d rows but the last forward pass had %d", B, m->batch);
    /* BEGIN EXERCISE 03.5 (4 points): the backward pass, from the logits down to the first layer */
    const float *d = dz; /* dL/dz of the current layer, (B, n_{l+1}) */
    for (int l = m->L - 1; l >= 0; l--) {
        const float *in = l > 0 ? m->a[l] : x;
        float *din = l > 0 ? m->delta[l % 2] : NULL; /* never the buffer d points to */
        linear_backward(din, m->dW[l], m->db[l], d, in, m->W[l], B, m->sizes[l], m->sizes[l + 1]);
        if (l > 0)
            hidden_backward(m->act, din, din, m->a[l], (size_t)B * m->sizes[l]);
        d = din;
    }
    /* END EXERCISE */
}

/*md
Does it work? The program checks the whole network with `gradcheck_run` before training: a
784-256-128-10 ReLU network with He initialization, a batch of 16 training images, a random
upstream gradient $R$ on the logits and $L = \sum z^{(3)} \odot R$. It compares the analytic and
numerical derivatives for 60 randomly chosen weights and biases of each layer, with $h = 10^{-2}$.
A whole network is harder to check than one layer, for two reasons. Kinks are everywhere: nudging
one first-layer weight moves the pre-activations of all 128 second-layer units of every example,
and any of them within reach of 0 bends $L$; the step halving of `gradcheck_run` (section 3.4) sorts
these out. And the rounding noise is larger, since every evaluation recomputes the whole network
in float32. In the default run the worst relative error was about 0.009 (the tests' bound is
$10^{-2}$) and 2 of the 180 elements sat on kinks.

The trade-off of section 3.4 is visible on a smooth network (tanh, LeCun initialization): the
relative error of your `gradcheck_one` for one second-layer weight was 7.7e-4 at $h = 10^{-1}$
(truncation, $\propto h^2$) and about 5e-5 at $10^{-2}$; below that, rounding takes over
($\propto 1/h$) and the error grows again, to roughly $10^{-3}$, $10^{-2}$ and $10^{-1}$ at
$10^{-4}$, $10^{-5}$ and $10^{-6}$ (how much exactly depends on rounding, so on the CPU).
*/

typedef struct {
    mlp *m;
    tensor_t x;
    const float *r; /* (B, n_L) the random upstream gradient */
} mlp_check_ctx;

/* L = sum(logits * R), in double. */
static double mlp_upstream_loss(void *p)
{
    mlp_check_ctx *c = p;
    const float *z = mlp_forward(c->m, c->x);
    return gradcheck_dot(z, c->r, (size_t)c->x.shape[0] * c->m->sizes[c->m->L]);
}

/* Gradient-checks `per_layer` random weights and biases of every layer of m on the batch x.
 * Returns the worst relative error (kinks excluded) and counts the kinks. */
static double mlp_gradcheck(mlp *m, tensor_t x, int per_layer, float h, rng_t *rng, size_t *kinks)
{
    const int B = x.shape[0], K = m->sizes[m->L];
    float *r = nn_malloc((size_t)B * K * sizeof(float));
    gradcheck_random_upstream(r, (size_t)B * K, rng);
    mlp_forward(m, x);
    mlp_backward(m, x.data, r, B);
    mlp_check_ctx c = {m, x, r};
    double worst = 0;
    *kinks = 0;
    for (int l = 0; l < m->L; l++)
        for (int k = 0; k < per_layer; k++) {
            size_t nW = (size_t)m->sizes[l] * m->sizes[l + 1], nb = (size_t)m->sizes[l + 1];
            /* two thirds weights, one third biases */
            float *p = k % 3 ? m->W[l] : m->b[l];
            float *g = k % 3 ? m->dW[l] : m->db[l];
            size_t i = rng_below(rng, (uint32_t)(k % 3 ? nW : nb));
            gradcheck_result_t res = gradcheck_run(mlp_upstream_loss, &c, p + i, g + i, 1, h);
            *kinks += res.kinks;
            if (!res.kinks)
                worst = fmax(worst, res.max_rel_error);
        }
    free(r);
    return worst;
}

/*md
## 3.6 Initialization

Before the first step, every weight needs a value, and the choice decides whether a deep network
trains at all.

**Zeros, and the symmetry problem.** Swap two hidden units of a layer (their columns of $W^{(l)}$,
their biases and their rows of $W^{(l+1)}$): the network computes exactly the same function. If
the initial weights are *symmetric* under that swap, because all are equal, then the two units
compute equal activations, receive equal gradients (by the backward formulas, which treat them
identically), get equal updates, and so are equal again after the step. By induction they stay
identical forever, whatever the data: a layer of 256 units behaves like a layer of one. With
all-zero weights and ReLU it is worse still: every hidden output is $\operatorname{relu}(0) = 0$,
$\varphi'(0) = 0$ stops all gradients, and only the last bias learns.

The program shows the symmetry with sigmoid units (which at least pass $\sigma(0) = \frac12$
forward) and plain SGD ($\eta = 0.5$). After 300 steps from all-zero weights the units of each
layer are still copies of each other: in our run they differ by exactly 0; with another CPU's
matrix-product kernel they may differ by a few $10^{-9}$, when the blocked product does not add
up every column in exactly the same order. The network reaches about 23% test accuracy, against
about 76% for the same network and steps from Xavier initialization. Adam does no better (about
23%): it scales every step to about $\eta$ whatever the size of the gradient, so where rounding
does leave the units a few $10^{-9}$ apart it blows the differences up, but after 300 steps they
are still near-copies. Random initial weights
break the symmetry for good; the question is their scale.

**The variance argument** (LeCun et al. 1998, Glorot and Bengio 2010, He et al. 2015). Take one
unit, $z = \sum_{i=1}^{n_\text{in}} w_i a_i$, with weights and inputs independent, the weights of
mean zero. Then $\operatorname{Var} z = n_\text{in} \operatorname{Var}(w)\, \mathbb{E}[a^2]$.

* If $\varphi$ is close to linear around 0 (tanh), $\mathbb{E}[a^2] \approx \operatorname{Var} z$ of the
  previous layer, and the variance is preserved from layer to layer when
  $\operatorname{Var}(w) = 1/n_\text{in}$: **LeCun** initialization, $\sigma_w = \sqrt{1/n_\text{in}}$.
* The backward pass, $\bar a_i = \sum_j w_{ij} \bar z_j$, preserves the variance of gradients when
  $\operatorname{Var}(w) = 1/n_\text{out}$. Glorot and Bengio compromise between the two:
  **Xavier** initialization, $\operatorname{Var}(w) = 2/(n_\text{in} + n_\text{out})$ (as a normal, or as
  the uniform $U(-r, r)$ with $r = \sqrt{6/(n_\text{in} + n_\text{out})}$, which has that variance).
* ReLU zeroes half of a symmetric input, so $\mathbb{E}[a^2] = \frac12 \operatorname{Var} z$: to keep
  the variance, double the weights' variance, $\operatorname{Var}(w) = 2/n_\text{in}$: **He**
  initialization, the one to use with ReLU.

With a fixed scale instead, every layer multiplies the standard deviation of the activations by
about $\sigma_w \sqrt{n_\text{in}}$ (times $1/\sqrt2$ for ReLU). For $\sigma_w = 0.01$ and 256 inputs that
is $0.11$ per ReLU layer: after ten layers the signal, and with it the gradient of every weight,
has shrunk by $10^{-9}$ (vanishing). For $\sigma_w = 1$ it is $11$ per layer: activations grow by
$10^{10}$ (exploding), and tanh units saturate at $\pm 1$, where their derivative is 0, so the
gradients vanish instead.

### Exercise 03.6 — the scale of each scheme

Write `init_std`: the standard deviation of the normal distribution each scheme draws a layer's
weights from, for a layer with `fan_in` inputs and `fan_out` outputs: `INIT_ZERO` 0, `INIT_SMALL`
0.01, `INIT_LARGE` 1, and the LeCun, Xavier and He formulas above. (`common/init.h` has the same
three formulas as `init_lecun_std`, `init_xavier_std` and `init_he_std`, and fillers such as
`init_he_normal` that later chapters use.)
*/

typedef enum { INIT_ZERO, INIT_SMALL, INIT_LARGE, INIT_LECUN, INIT_XAVIER, INIT_HE, INIT_COUNT } init_scheme;

static const char *const INIT_NAMES[INIT_COUNT] = {"zero", "small", "large", "lecun", "xavier", "he"};

/* The standard deviation of a layer's initial weights under scheme s. */
static float init_std(init_scheme s, int fan_in, int fan_out)
{
    /* BEGIN EXERCISE 03.6 (2 points): the standard deviation of each initialization scheme */
    switch (s) {
    case INIT_ZERO: return 0.0f;
    case INIT_SMALL: return 0.01f;
    case INIT_LARGE: return 1.0f;
    case INIT_LECUN: return sqrtf(1.0f / (float)fan_in);
    case INIT_XAVIER: return sqrtf(2.0f / (float)(fan_in + fan_out));
    case INIT_HE: return sqrtf(2.0f / (float)fan_in);
    default: return NAN;
    }
    /* END EXERCISE */
}

/* Draws every weight from N(0, init_std^2) and sets every bias to 0. */
static void mlp_init(mlp *m, init_scheme s, rng_t *rng)
{
    for (int l = 0; l < m->L; l++) {
        float std = init_std(s, m->sizes[l], m->sizes[l + 1]);
        if (!(std >= 0))
            nn_fatal("init_std must return a standard deviation >= 0 for every scheme (exercise 03.6)",
                     "mlp_init: init_std(%s, %d, %d) returned %g", INIT_NAMES[s], m->sizes[l], m->sizes[l + 1], std);
        init_normal(m->W[l], (size_t)m->sizes[l] * m->sizes[l + 1], std, rng);
        init_zeros(m->b[l], (size_t)m->sizes[l + 1]);
    }
}

/*md
**The experiment.** Take a ten-layer network, $784 \to 256 \to \dots \to 256 \to 10$ (nine hidden
layers of 256 units), push a batch of 256 training images through it, backpropagate the
cross-entropy, and measure two things per layer: the standard deviation of the activations
$a^{(l)}$ and of the weight gradients $\bar W^{(l)}$. The figure shows both for tanh and for ReLU
networks under each random scheme (zero initialization is left out: its statistics are all 0).

![Standard deviation of the activations (left) and of the weight gradients (right) per layer, for
tanh (top) and ReLU (bottom) networks of ten layers, under each initialization (log scale).](out/03/init_stats.svg)

What the default run measured, as standard deviations at layer 1 and at layer 10 (which holds the
logits, with no activation). With tanh, LeCun and Xavier keep the activations in a narrow band
(0.39 to 0.18, and 0.45 to 0.42) and the weight gradients of all layers within a factor of ten of
each other. `small` ($\sigma_w = 0.01$) divides the signal by about 6 per layer, from 0.13 to
6.6e-9, and every weight gradient is around $10^{-10}$ to $10^{-9}$: a weight gradient
$\bar W^{(l)} = a^{(l-1)\top} \bar z^{(l)}$ multiplies the activations below, which vanish going up,
by the backpropagated gradient above, which vanishes going down. `large` ($\sigma_w = 1$)
saturates the units (standard deviation 0.96: nearly every unit sits at $\pm 1$), and the
gradients explode towards the input, from 0.03 at the last layer to 37.5 at the first. With
ReLU, He keeps the activations between 0.37 and 0.58 and the gradients steady; LeCun and Xavier,
which ignore ReLU's halving, lose about $\sqrt 2$ per layer (0.26 to 0.020, and 0.37 to 0.026);
`small` vanishes (0.074 to 3.5e-10, gradients around $10^{-11}$) and `large` explodes (7.1 to
3.0e10, gradients 3.1e7 to 5.0e8). Only He initialization lets a deep ReLU network start with
signals and gradients of the same size in every layer.
*/

/* Per-layer std of the activations a^(l) (l = 1..L, the last being the logits) and of the weight
 * gradients dW^(l) for network m initialized with scheme s, on the batch x with labels y. */
static void layer_stats(mlp *m, init_scheme s, tensor_t x, const int *y, rng_t *rng, double *act_std, double *grad_std)
{
    mlp_init(m, s, rng);
    const int B = x.shape[0];
    const float *z = mlp_forward(m, x);
    softmax_cross_entropy(m->dlogits, z, y, B, m->sizes[m->L]);
    mlp_backward(m, x.data, m->dlogits, B);
    for (int l = 0; l < m->L; l++) {
        size_t na = (size_t)B * m->sizes[l + 1], nw = (size_t)m->sizes[l] * m->sizes[l + 1];
        double s1 = 0, s2 = 0, g1 = 0, g2 = 0;
        for (size_t i = 0; i < na; i++)
            s1 += m->a[l + 1][i], s2 += (double)m->a[l + 1][i] * m->a[l + 1][i];
        for (size_t i = 0; i < nw; i++)
            g1 += m->dW[l][i], g2 += (double)m->dW[l][i] * m->dW[l][i];
        act_std[l] = sqrt(fmax(0.0, s2 / na - (s1 / na) * (s1 / na)));
        grad_std[l] = sqrt(fmax(0.0, g2 / nw - (g1 / nw) * (g1 / nw)));
    }
}

/*md
## 3.7 Training on Fashion-MNIST

We train with *mini-batch* gradient descent: each step takes $B = 128$ examples, averages their
loss, and follows its gradient. The mini-batch gradient is an unbiased estimate of the full
training set's gradient, at $B/N = 128/55{,}000 \approx 1/430$ of the cost, and its noise (shrinking like $1/\sqrt B$) even
helps escape poor regions. One pass over the 55,000 training images (the other 5,000 of the
official training set are held out for validation) is an epoch of 430 steps; each step gathers
its shuffled rows into one contiguous batch with `dataset_gather` (`common/data.h`).

Two update rules, both in `common/optim.c`:

* **SGD**, $\theta \leftarrow \theta - \eta\, g$ (`sgd_step`).
* **Adam** (Kingma and Ba 2015, `adam_step`) keeps running averages of the gradient and of its
  square, $m \leftarrow \beta_1 m + (1 - \beta_1) g$ and $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$
  ($\beta_1 = 0.9$, $\beta_2 = 0.999$), and steps by
  $\eta\, \hat m / (\sqrt{\hat v} + \epsilon)$ with the *bias-corrected* $\hat m = m / (1 - \beta_1^t)$,
  $\hat v = v / (1 - \beta_2^t)$ (both averages start at 0, so early on they underestimate; the
  correction makes $\hat m = g$ exactly when the gradient is constant). Dividing by $\sqrt{\hat v}$
  gives every parameter its own step size, about $\eta$ whatever the scale of its gradient, which
  is why Adam with $\eta = 10^{-3}$ works out of the box. Chapter 5 studies both and many more.

One more ingredient: the learning rate falls linearly from $\eta$ to 0 over the run. Large steps
make fast progress early; late in training the noise of the mini-batch gradients keeps a
constant-$\eta$ optimizer jittering around the minimum (with constant $\eta$ the last epoch's test
accuracy varied by about $\pm 0.5\%$ from seed to seed in our runs), and shrinking the steps lets
it settle. Chapter 5 studies such schedules; the benchmark of section 3.8 keeps $\eta$ constant.

### Exercise 03.7 — one training step

Write the body of `train_step`: run the forward pass on the batch `x` (B rows, labels `labels`),
compute the mean softmax cross-entropy and its gradient with respect to the logits into
`m->dlogits` (`softmax_cross_entropy`), **stop if the loss is not finite** with
`nn_check_finite(loss, "the training loss", step)`, run the backward pass, update the parameters
with `optimizer_step`, and return the loss. The check matters: a learning rate that is too large
makes the weights grow until the loss overflows to infinity or NaN, after which every later step
silently computes NaN. `nn_check_finite` stops the program with a message naming the step and
suggesting a smaller learning rate (section 3.9).
*/

typedef struct {
    int adam;     /* 1: Adam, 0: plain SGD */
    float lr;
    adam_t state; /* Adam's moments, one per parameter */
} optimizer;

static optimizer optimizer_new(const char *name, float lr, size_t n_params)
{
    if (strcmp(name, "adam") != 0 && strcmp(name, "sgd") != 0)
        nn_fatal("use --optim adam or --optim sgd", "unknown optimizer '%s'", name);
    optimizer o = {.adam = !strcmp(name, "adam"), .lr = lr};
    if (o.adam)
        o.state = adam_new(n_params, lr);
    return o;
}

static void optimizer_step(optimizer *o, float *params, const float *grads, size_t n)
{
    if (o->adam)
        adam_step(&o->state, params, grads);
    else
        sgd_step(params, grads, n, o->lr);
}

static void optimizer_set_lr(optimizer *o, float lr)
{
    o->lr = o->state.lr = lr;
}

static void optimizer_free(optimizer *o)
{
    if (o->adam)
        adam_free(&o->state);
}

/* One step of training on a batch; returns its loss.   x: (B, n_0), labels: (B) */
static float train_step(mlp *m, optimizer *o, tensor_t x, const int *labels, long step)
{
    /* BEGIN EXERCISE 03.7 (2 points): forward, loss, finiteness check, backward, update */
    const int B = x.shape[0];
    const float *z = mlp_forward(m, x);
    float loss = softmax_cross_entropy(m->dlogits, z, labels, B, m->sizes[m->L]);
    nn_check_finite(loss, "the training loss", step);
    mlp_backward(m, x.data, m->dlogits, B);
    optimizer_step(o, m->params, m->grads, m->n_params);
    return loss;
    /* END EXERCISE */
}

/*md
The rest is bookkeeping: evaluate loss and accuracy on a dataset in batches, gather a shuffled
batch, and loop over epochs, logging four rows per epoch to `out/03/log.csv`.
*/

/* The logits of b rows of the dataset: metrics_evaluate's view of the network.   x: (b, n_0) */
static const float *mlp_logits(void *m, const float *x, int first, int b)
{
    (void)first;
    return mlp_forward(m, tensor_view((float *)x, 2, (int[]){b, ((mlp *)m)->sizes[0]}));
}

/* Mean cross-entropy and accuracy of m on ds, in batches of m->max_batch.   ds->x: (N, n_0) */
static void mlp_evaluate(mlp *m, const dataset_t *ds, double *loss, double *acc)
{
    metrics_eval_t e = metrics_evaluate(ds->x, ds->y, ds->n, ds->d, m->sizes[m->L], m->max_batch, mlp_logits, m);
    *loss = e.loss, *acc = e.accuracy;
}

typedef struct {
    mlp *m;
    optimizer *opt;
    const dataset_t *train, *val; /* val may be NULL (no validation: the benchmark) */
    int batch;
    int quiet;                  /* no progress output */
    csvlog_t *log;                /* may be NULL */
    rng_t *rng;
    int *order;                 /* (train->n) the shuffled visiting order, owned */
    float *xb;                  /* (batch, n_0) the gathered batch, owned */
    int *yb;                    /* (batch) */
    long step;
    schedule_t decay;           /* decay.total > 0: the learning rate falls linearly over that many steps */
} trainer;

static trainer trainer_new(mlp *m, optimizer *opt, const dataset_t *train, const dataset_t *val, int batch,
                           rng_t *rng, csvlog_t *log, int quiet)
{
    if (batch < 1 || batch > m->max_batch)
        nn_fatal("use --batch between 1 and 1000", "batch size %d, expected 1..%d", batch, m->max_batch);
    trainer t = {m, opt, train, val, batch, quiet, log, rng, nn_malloc((size_t)train->n * sizeof(int)),
                 nn_malloc((size_t)batch * train->d * sizeof(float)), nn_malloc((size_t)batch * sizeof(int)), 0,
                 {.total = 0}};
    rng_iota(t.order, train->n);
    return t;
}

static void trainer_free(trainer *t) { free(t->order), free(t->xb), free(t->yb); }

/* One epoch: shuffle, then a train_step per batch; logs 4 rows (train loss/accuracy over the last
 * quarter's batches, validation loss/accuracy). Returns the seconds spent training (shuffling,
 * gathering and steps; evaluation excluded). */
static double train_epoch(trainer *t, int epoch, int epochs)
{
    const dataset_t *ds = t->train;
    const int D = ds->d, K = t->m->sizes[t->m->L], steps = (ds->n + t->batch - 1) / t->batch;
    char label[64];
    snprintf(label, sizeof label, "epoch %2d/%d", epoch, epochs);
    progress_t bar;
    if (!t->quiet)
        progress_begin(&bar, label, steps);
    double busy = 0, t0 = timing_seconds(), sum_loss = 0, epoch_loss = 0, vl = 0, va = 0;
    long seen = 0, correct = 0, row_steps = 0;
    rng_shuffle(t->rng, t->order, ds->n);
    for (int s = 0; s < steps; s++) {
        int first = s * t->batch, b = ds->n - first < t->batch ? ds->n - first : t->batch;
        dataset_gather(t->xb, t->yb, ds, t->order + first, b); /* the shuffled rows, contiguous */
        if (t->decay.total > 0) /* linear decay: lr0 at the first step, lr0 / total at the last */
            optimizer_set_lr(t->opt, schedule_lr(&t->decay, t->step));
        float loss = train_step(t->m, t->opt, tensor_view(t->xb, 2, (int[]){b, D}), t->yb, ++t->step);
        const float *z = t->m->a[t->m->L]; /* the logits of this step, before the update */
        for (int r = 0; r < b; r++)
            correct += metrics_argmax(z + (size_t)r * K, K) == t->yb[r];
        sum_loss += loss, epoch_loss += loss, seen += b, row_steps++;
        if (!t->quiet)
            progress_step(&bar, s + 1, "loss %.4f", epoch_loss / (s + 1));
        int quarter = (s + 1) * 4 / steps; /* log at the end of each quarter epoch */
        if (t->log && quarter != s * 4 / steps) {
            busy += timing_seconds() - t0;
            mlp_evaluate(t->m, t->val, &vl, &va);
            csvlog_row(t->log, (double[]){(double)t->step, epoch - 1 + (double)(s + 1) / steps,
                                          sum_loss / row_steps, (double)correct / seen, vl, va});
            sum_loss = 0, seen = correct = row_steps = 0;
            t0 = timing_seconds();
        }
    }
    busy += timing_seconds() - t0;
    if (!t->quiet && t->log)
        progress_end(&bar, "loss %.4f  val loss %.4f  val acc %.4f  (%.2fs)", epoch_loss / steps, vl, va, busy);
    else if (!t->quiet)
        progress_end(&bar, "loss %.4f  (%.2fs)", epoch_loss / steps, busy);
    return busy;
}

/*md
The default run (`make run CH=03`: 10 epochs, Adam with $\eta = 10^{-3}$ decaying to 0, batch
128, He initialization) reaches a test accuracy of **about 89%** after 8 to 13 s of training
on our shared machine (0.8 to 1.3 s an epoch, depending on what else was running). The
validation loss follows the training loss for the first three epochs and then falls more slowly:
at the end the training batches are at 0.21 and the validation set at 0.26, the beginning of
memorization that chapter 6 is about.

![Softmax cross-entropy during training, on the training batches and on the validation set.](out/03/loss.svg)

![Accuracy during training.](out/03/accuracy.svg)

## 3.8 Speed: where the time goes

Count the work. Per example, the forward pass multiplies by each weight matrix once: $2 \times
(784 \cdot 256 + 256 \cdot 128 + 128 \cdot 10) = 469{,}504$ floating-point operations (a multiply
and an add per weight). The backward pass computes the weight gradients, the same amount again,
and the input gradients of layers 2 and 3 (not layer 1), another $2 \times (256 \cdot 128 + 128
\cdot 10) = 68{,}096$: in all about 1.0 MFLOP per example and **60.4 GFLOP per epoch** of 60,000
images, all in eight matrix products per step. Everything else (ReLU, softmax, bias sums, Adam's
update of 235,146 parameters, gathering the batch) is a handful of passes over memory.

`--bench` runs the course's benchmark (3 epochs on all 60,000 training images, batch 128, Adam
with a constant $\eta = 10^{-3}$, He initialization) and prints one line with the median time per
epoch and the floor described below. In a quiet moment of this book's 2-core machine (an AMD EPYC,
OpenBLAS's default 2 threads) one run printed

    bench: name=mlp-hand epoch_s=0.560 test_acc=0.8721 gflop_epoch=60.43 floor_s=0.429

that is 108 GFLOP/s overall, against about 170 GFLOP/s for one large ($1024^2$) SGEMM measured in
the same session. (The accuracy's last digit depends on which kernels the CPU's OpenBLAS picks.)
On a machine shared with other jobs the same run takes 0.85 to 1.2 s. The epoch's 60.4 GFLOP at
the large-SGEMM rate would take about 0.36 s, the floor a perfect implementation could hope for.
`floor_s` measures what OpenBLAS actually reaches on this network's products: the same eight
products per step with nothing in between, one epoch's worth, took 0.36 to 0.43 s in a quiet
moment (up to 0.7 s on a busy one), so the small products run close to the large-matrix rate
when nothing else happens between them. Timing each phase of the training step (`timing_seconds` around each call, 3 epochs, an idle moment of an earlier, slower
session) shows where an epoch of 0.91 s went:

| phase | seconds | share |
|---|---|---|
| matrix products: forward, layer 1 / 2 / 3 | 0.226 / 0.043 / 0.005 | 30% |
| matrix products and bias sums: backward, layer 1 / 2 / 3 | 0.288 / 0.107 / 0.018 | 45% |
| Adam's update of 235,146 parameters | 0.132 | 15% |
| gathering the shuffled batch | 0.051 | 6% |
| ReLU forward and backward, softmax cross-entropy | 0.038 | 4% |

Three quarters of the time is in OpenBLAS, which runs these small products ($128 \times 784$ by
$784 \times 256$ is only 51 MFLOP, a third of a millisecond) at 70 to 105 GFLOP/s: at this size the
two threads spend a good part of each call packing operands and waiting for each other. The rest
was worth optimizing, and `perf record` found it: Adam's plain loop took 0.35 s an epoch, as much
as the backward products of layer 1, because the compiler does not vectorize a loop containing
`sqrtf` at `-O2` (it may set `errno`); `common/optim.c` therefore spells out the same arithmetic 4
or 8 elements at a time. ReLU's backward took about 0.09 s because it branched on the sign of
every input, mispredicting half the time; written in blocks of 8 that the compiler turns into
compare-and-mask instructions, it takes about 0.01 s. For the rest, a step allocates nothing, the
data is decoded once, activations are computed in place, and the one product nothing needs
($\bar x$ of the first layer) is skipped.

Everything outside the products ran on one core while OpenBLAS's second thread waited for the next
product. So the library now runs the two largest pieces, Adam's update and the gather, on both
cores (`common/parallel.h`, a small pool of threads: each element is computed on its own, so the
result is the same bits on any number of threads, and `NN_THREADS=1` keeps them on one). And
`--bench` now also times the epoch's eight products alone, in the same process after each
training epoch (`floor_s`: `linear_stack_products_seconds` of `common/layers.h`), since a floor
measured by another program at another moment of a shared machine compares badly, and a slow
moment then lands on both alike. The gather got faster too: the dataset's 188 MB sit on 2 MiB
pages (`common/data.c` asks Linux for them), so a scattered row no longer costs a miss in the
processor's table of page addresses as well, and each row's cache lines are requested two rows
ahead (`common/prep.c`): about 15% off the gather. In quiet moments of our machine the epochs
took 0.52 to 0.53 s against floors of 0.36 to 0.39 s measured beside them: 1.3 to 1.5 times the
floor. Timing the phases of the step in such a run shows what is left besides the products, about
0.17 s an epoch: Adam's update 0.08 s, the gather 0.04 s, the element-wise passes of the forward
and backward 0.04 s, the loss 0.01 s. Adam reads and writes seven arrays of 235,146 floats every
step, 6.6 MB, and on an idle machine it runs twice as fast (0.04 s an epoch) as it does between the
products, which push those arrays out of the caches. The products themselves, timed call by call
inside the step, took the same 0.40 s an epoch as back to back. So what separates this network
from its floor is memory traffic that the products do not need: the update's, which no
arrangement of the same Adam avoids, and the gather's. (Chapter 13 writes its own matrix products,
on a GPU, where the same arithmetic meets other limits.)

A floor has to be measured as carefully as the thing it bounds. On another of our machines (an
EPYC with AVX2 only) this network first looked 1.26 times its floor. The floor's forward products
asked OpenBLAS for $\beta = 0$, $C = AB$, and OpenBLAS does that by first scaling $C$ by $\beta$
in a pass of its own, which on that machine wrote zeros at a fifth of the speed of `memset`; the
training step does not pay it, since it writes the biases into $C$ and asks for $\beta = 1$. So
the floor was slow for a reason that has nothing to do with products, and the ratio flattered the
step. `matmul_blas` now zeroes $C$ itself (the same bits: OpenBLAS's kernels add into zeros
either way): the step got about a tenth faster there, the floor a sixth, and the honest ratio was
1.3 to 1.4 from run to run.

## 3.9 When things go wrong

Two mistakes are common enough to deserve a clear message rather than a crash or silent garbage.

**A shape mismatch**, such as feeding images that were not flattened or a dataset with another
number of features: `mlp_forward` checks its input before anything else and stops with a message
that names the operation and both shapes (the line number elided):

    error (chapters/03_backprop/03_backprop.c:…): mlp_forward: x has shape (4, 100) but the first
    layer's W has shape (784, 256): expected x's dimension 1 to be 784
    hint: the first layer's W has one row per input feature: is this the dataset the network was
    built for, and is every example flattened into one row?

A batch with more rows than the network's buffers, an unflattened `(B, 28, 28)` batch, and a
backward pass called with another batch size than the forward pass get the same treatment, and
`linear_forward_checked` in `common/layers.c` does the same for a single layer.

**A loss that is not finite.** With `--optim sgd --lr 1e4` the first updates throw the weights so
far that the logits overflow, and training stops within a few steps (at step 4 with `--quick`),
before the NaN can spread into the weights, the log and the figures:

    error (chapters/03_backprop/03_backprop.c:…): the training loss became -nan at step 4: expected
    a finite number
    hint: the learning rate is probably too large (try one ten times smaller: --lr in the course's
    programs), or the inputs are not normalized; also check for log(0) or division by zero
*/

static void mlp_check_input(const mlp *m, tensor_t x)
{
    char s[64];
    if (x.ndim != 2)
        nn_fatal("flatten each example into one row: a batch of images (B, 28, 28) becomes (B, 784)",
                 "mlp_forward: x has shape %s: expected 2 dimensions (B, %d)", tensor_shape_str(x, s), m->sizes[0]);
    if (x.shape[1] != m->sizes[0])
        nn_fatal("the first layer's W has one row per input feature: is this the dataset the network was "
                 "built for, and is every example flattened into one row?",
                 "mlp_forward: x has shape %s but the first layer's W has shape (%d, %d): expected x's "
                 "dimension 1 to be %d", tensor_shape_str(x, s), m->sizes[0], m->sizes[1], m->sizes[0]);
    if (x.shape[0] < 1 || x.shape[0] > m->max_batch)
        nn_fatal("split the input into batches of at most max_batch rows (as mlp_evaluate does), or create "
                 "the network with a larger max_batch",
                 "mlp_forward: x has shape %s: expected 1 to %d rows (the network's max_batch)",
                 tensor_shape_str(x, s), m->max_batch);
}

/*md
## 3.10 The program

`main` runs the chapter's experiments in order and writes everything to `out/03/`: the activation
figure, the gradient check of the whole network, the initialization statistics, the symmetry
demonstration, and the training run with its log and curves. `--quick` shrinks every part to
a few seconds; `--optim`, `--lr` and `--batch` change the training run; `--bench` runs only the
benchmark.
*/

#ifndef GRADING

static const int MLP_SIZES[4] = {784, 256, 128, 10};


/* The benchmark of the contract: 3 epochs on all 60k images, batch 128, Adam 1e-3, one line out. */
static int run_bench(const flags_t *f)
{
    dataset_t train, test;
    if (fashion_load_splits(&train, &test, f->data) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f->seed);
    mlp m = mlp_new(MLP_SIZES, 3, ACT_RELU, 1000);
    mlp_init(&m, INIT_HE, &rng);
    optimizer opt = optimizer_new("adam", 1e-3f, m.n_params);
    trainer t = trainer_new(&m, &opt, &train, NULL, 128, &rng, NULL, 1);
    enum { EPOCHS = 3 };
    double secs[EPOCHS], floor_s[EPOCHS], loss, acc;
    for (int e = 0; e < EPOCHS; e++) { /* each epoch, then its matrix products alone (layers.h), in
                                        * turn: a slow moment of the machine lands on both alike */
        secs[e] = train_epoch(&t, e + 1, EPOCHS);
        floor_s[e] = linear_stack_products_seconds(m.sizes, m.L, 128, (train.n + 127) / 128);
    }
    mlp_evaluate(&m, &test, &loss, &acc);
    printf("bench: name=mlp-hand epoch_s=%.3f test_acc=%.4f gflop_epoch=%.2f floor_s=%.3f\n", timing_median(secs, EPOCHS),
           acc, linear_stack_train_flops(m.sizes, m.L) * train.n / 1e9, timing_median(floor_s, EPOCHS));
    trainer_free(&t), optimizer_free(&opt), mlp_free(&m), dataset_free(&train), dataset_free(&test);
    return 0;
}

/* 3.4/3.5: gradient check of the whole network before training. */
static void run_gradcheck(const dataset_t *train, rng_t *rng, int quick)
{
    mlp m = mlp_new(MLP_SIZES, 3, ACT_RELU, 16);
    mlp_init(&m, INIT_HE, rng);
    size_t kinks;
    int per_layer = quick ? 15 : 60;
    double worst = mlp_gradcheck(&m, tensor_view(train->x, 2, (int[]){16, train->d}), per_layer, 1e-2f, rng, &kinks);
    printf("gradient check of the 784-256-128-10 network (%d elements, h = 1e-2): worst relative error "
           "%.2g, %zu on a relu kink\n", 3 * per_layer, worst, kinks);
    mlp_free(&m);

    /* The error of one centered difference against h, for a weight of a (smooth) tanh network. */
    mlp t = mlp_new(MLP_SIZES, 3, ACT_TANH, 16);
    mlp_init(&t, INIT_LECUN, rng);
    tensor_t x = tensor_view(train->x, 2, (int[]){16, train->d});
    float r[16 * 10];
    gradcheck_random_upstream(r, 16 * 10, rng);
    mlp_forward(&t, x);
    mlp_backward(&t, x.data, r, 16);
    mlp_check_ctx c = {&t, x, r};
    const size_t i = 1000; /* a weight of the second layer */
    printf("one weight of a tanh network, relative error of the centered difference (exercise 03.3) vs h:");
    for (float h = 1e-1f; h > 5e-7f; h /= 10)
        printf("  %.0e: %.1e", h, gradcheck_one(mlp_upstream_loss, &c, t.W[1] + i, t.dW[1][i], h));
    printf("\n");
    mlp_free(&t);
}

/* 3.6: per-layer statistics of a 10-layer network under each scheme, for tanh and relu. */
static int run_init_stats(const flags_t *f, const dataset_t *train, rng_t *rng)
{
    enum { L = 10, SCHEMES = INIT_COUNT - 1 }; /* every scheme but zero */
    int sizes[L + 1] = {784};
    for (int l = 1; l < L; l++)
        sizes[l] = 256;
    sizes[L] = 10;
    const int B = f->quick ? 64 : 256;
    const act_kind acts[2] = {ACT_TANH, ACT_RELU};
    double stats[2][SCHEMES][2][L];
    tensor_t x = tensor_view(train->x, 2, (int[]){B, train->d});
    for (int a = 0; a < 2; a++) {
        mlp m = mlp_new(sizes, L, acts[a], B);
        for (int s = 0; s < SCHEMES; s++)
            layer_stats(&m, (init_scheme)(s + 1), x, train->y, rng, stats[a][s][0], stats[a][s][1]);
        mlp_free(&m);
    }
    char path[4096];
    io_file_t out;
    if (io_create(&out, io_join(path, f->out, "init_stats.csv")) != 0)
        return -1;
    fprintf(out.f, "layer");
    for (int a = 0; a < 2; a++)
        for (int s = 0; s < SCHEMES; s++)
            fprintf(out.f, ",%s_%s_act,%s_%s_grad", ACT_NAMES[acts[a]], INIT_NAMES[s + 1], ACT_NAMES[acts[a]],
                    INIT_NAMES[s + 1]);
    for (int l = 0; l < L; l++) {
        fprintf(out.f, "\n%d", l + 1);
        for (int a = 0; a < 2; a++)
            for (int s = 0; s < SCHEMES; s++)
                fprintf(out.f, ",%.4g,%.4g", stats[a][s][0][l], stats[a][s][1][l]);
    }
    fputc('\n', out.f);
    if (io_commit(&out) != 0)
        return -1;
    printf("initialization, 10 layers: std of the activations and of the weight gradients, layer 1 -> 10:\n");
    for (int a = 0; a < 2; a++)
        for (int s = 0; s < SCHEMES; s++)
            printf("  %-4s %-6s  activations %9.3g -> %9.3g   weight gradients %9.3g -> %9.3g\n", ACT_NAMES[acts[a]],
                   INIT_NAMES[s + 1], stats[a][s][0][0], stats[a][s][0][L - 1], stats[a][s][1][0], stats[a][s][1][L - 1]);
    const char *panel =
        "set title '%s: %s'\nplot for [s in 'small large lecun xavier he'] 'init_stats.csv' "
        "using 'layer':(column('%s_'.s.'_%s')) with linespoints lw 2 pt 7 ps 0.6 title s\n";
    char body[4096];
    int len = snprintf(body, sizeof body,
                       "set multiplot layout 2,2 title 'ten-layer networks: std per layer under each initialization'\n"
                       "set logscale y\nset format y '10^{%%L}'\nset xlabel 'layer'\nset xrange [1:10]\n"
                       "set key outside right\nset ytics 1e-20,1e5\n");
    for (int a = 0; a < 2; a++) {
        len += snprintf(body + len, sizeof body - (size_t)len, panel, ACT_NAMES[acts[a]], "activations",
                        ACT_NAMES[acts[a]], "act");
        len += snprintf(body + len, sizeof body - (size_t)len, panel, ACT_NAMES[acts[a]], "weight gradients",
                        ACT_NAMES[acts[a]], "grad");
    }
    snprintf(body + len, sizeof body - (size_t)len, "unset multiplot");
    return plot_render(f->out, "init_stats", 1100, 800, body);
}

/* Largest difference between unit 0's incoming weights and any other unit's, in layer l. */
static float unit_spread(const mlp *m, int l)
{
    const int in = m->sizes[l], out = m->sizes[l + 1];
    float spread = 0;
    for (int i = 0; i < in; i++)
        for (int j = 1; j < out; j++)
            spread = fmaxf(spread, fabsf(m->W[l][(size_t)i * out + j] - m->W[l][(size_t)i * out]));
    return spread;
}

/* 3.6: zero initialization keeps every unit of a layer identical. Trains a sigmoid network for
 * `steps` steps from scheme s with the given optimizer; returns the test accuracy and the spread
 * of the units' weights in the first two layers. */
static double symmetry_run(const dataset_t *train, const dataset_t *test, init_scheme s, const char *optim, float lr,
                           int steps, rng_t *rng, float spread[2])
{
    mlp m = mlp_new(MLP_SIZES, 3, ACT_SIGMOID, 1000);
    mlp_init(&m, s, rng);
    optimizer opt = optimizer_new(optim, lr, m.n_params);
    trainer t = trainer_new(&m, &opt, train, NULL, 128, rng, NULL, 1);
    for (int k = 0; k < steps; k++) {
        int first = (k * 128) % (train->n - 128);
        dataset_gather(t.xb, t.yb, train, t.order + first, 128);
        train_step(&m, &opt, tensor_view(t.xb, 2, (int[]){128, train->d}), t.yb, k + 1);
    }
    double loss, acc;
    mlp_evaluate(&m, test, &loss, &acc);
    spread[0] = unit_spread(&m, 0), spread[1] = unit_spread(&m, 1);
    trainer_free(&t), optimizer_free(&opt), mlp_free(&m);
    return acc;
}

static void run_symmetry(const flags_t *f, const dataset_t *train, const dataset_t *test, rng_t *rng)
{
    const int steps = f->quick ? 20 : 300;
    float zs[2], xs[2], za[2];
    double zacc = symmetry_run(train, test, INIT_ZERO, "sgd", 0.5f, steps, rng, zs);
    double xacc = symmetry_run(train, test, INIT_XAVIER, "sgd", 0.5f, steps, rng, xs);
    double aacc = symmetry_run(train, test, INIT_ZERO, "adam", 1e-3f, steps, rng, za);
    printf("symmetry, sigmoid network, %d SGD steps (lr 0.5): zero init: the units of layers 1 and 2 differ by "
           "at most %.2g and %.2g, test accuracy %.4f; xavier init: by up to %.2g and %.2g, test accuracy %.4f\n",
           steps, zs[0], zs[1], zacc, xs[0], xs[1], xacc);
    printf("  zero init with adam (lr 1e-3): units differ by up to %.2g and %.2g, test accuracy %.4f\n", za[0],
           za[1], aacc);
}

/* 3.7: the training run. */
static int run_training(const flags_t *f, const dataset_t *full, const dataset_t *test, rng_t *rng,
                        const char *optim, float lr, int batch)
{
    dataset_t train, val;
    dataset_split(&train, &val, full, 11.0f / 12.0f, rng); /* 55,000 / 5,000 of the 60,000 */
    printf("training 784-256-128-10 (relu, he init, %s, lr %g, batch %d) on %d images, validating on %d\n",
           optim, lr, batch, train.n, val.n);
    char path[4096];
    csvlog_t log;
    if (csvlog_open(&log, io_join(path, f->out, "log.csv"), "step,epoch,train_loss,train_acc,val_loss,val_acc") != 0)
        return -1;
    mlp m = mlp_new(MLP_SIZES, 3, ACT_RELU, 1000);
    mlp_init(&m, INIT_HE, rng);
    optimizer opt = optimizer_new(optim, lr, m.n_params);
    trainer t = trainer_new(&m, &opt, &train, &val, batch, rng, &log, 0);
    t.decay = schedule_new(SCHEDULE_LINEAR, lr, (long)f->epochs * ((train.n + batch - 1) / batch));
    double busy = 0, loss, acc;
    for (int e = 1; e <= f->epochs; e++)
        busy += train_epoch(&t, e, f->epochs);
    mlp_evaluate(&m, test, &loss, &acc);
    printf("test accuracy %.4f, test loss %.4f; %.1fs of training (%.2fs per epoch)\n", acc, loss, busy,
           busy / f->epochs);
    int rc = csvlog_close(&log);
    const char *loss_series[] = {"train_loss:training batches", "val_loss:validation", NULL};
    const char *acc_series[] = {"train_acc:training batches", "val_acc:validation", NULL};
    rc |= plot_curves(f->out, "loss", "log.csv", "784-256-128-10 MLP on Fashion-MNIST: loss", "epoch",
                      "cross-entropy", "epoch", loss_series);
    rc |= plot_curves(f->out, "accuracy", "log.csv", "784-256-128-10 MLP on Fashion-MNIST: accuracy", "epoch",
                      "accuracy", "epoch", acc_series);
    trainer_free(&t), optimizer_free(&opt), mlp_free(&m), dataset_free(&train), dataset_free(&val);
    return rc;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 10, .quick_epochs = 2, .seed = 1, .out = "out/03"};
    float lr = 1e-3f;
    int batch = 128, bench = 0;
    const char *optim = "adam";
    const flags_option_t extra[] = {
        {"--lr", FLAGS_FLOAT, &lr, "learning rate"},
        {"--batch", FLAGS_INT, &batch, "mini-batch size (1..1000)"},
        {"--optim", FLAGS_STRING, &optim, "optimizer: adam or sgd"},
        {"--bench", FLAGS_SWITCH, &bench, "only the benchmark: 3 epochs on 60k images, one line of results"},
    };
    int parsed = flags_parse(&f, argc, argv, "Chapter 3: backpropagation by hand, activations, initialization, an MLP on Fashion-MNIST.",
                             extra, 4);
    if (parsed != 0) /* -1: a bad command line (reported), 1: --help was shown */
        return parsed < 0 ? 2 : 0;
    if (bench)
        return run_bench(&f);
    if (strcmp(optim, "adam") != 0 && strcmp(optim, "sgd") != 0) {
        nn_error("use --optim adam or --optim sgd", "--optim expects adam or sgd, got '%s'", optim);
        return 2;
    }
    if (io_mkdirs(f.out) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f.seed);
    double t0 = timing_seconds();
    dataset_t full, test;
    if (fashion_load_splits(&full, &test, f.data) != 0)
        return 1;
    if (f.quick)
        dataset_truncate(&full, 3000), dataset_truncate(&test, 1000);
    int rc = plot_activations(f.out);
    run_gradcheck(&full, &rng, f.quick);
    rc |= run_init_stats(&f, &full, &rng);
    run_symmetry(&f, &full, &test, &rng);
    rc |= run_training(&f, &full, &test, &rng, optim, lr, batch);
    dataset_free(&full);
    dataset_free(&test);
    printf("done in %.1fs; log and figures in %s/\n", timing_seconds() - t0, f.out);
    return rc ? 1 : 0;
}

#endif /* GRADING */
