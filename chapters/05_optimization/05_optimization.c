/*md
# How to go downhill: optimizers, schedules and when to stop

Chapters 2 and 3 trained every model the same way: compute the gradient, take a step against it,
repeat. Two questions were left to taste: *which* step (plain gradient descent, or Adam, whose
rule chapter 3 quoted without deriving), and *how large* (a learning rate picked by hand, held
constant or decayed linearly). This chapter answers both properly. It derives the update rules
that deep learning actually uses, from momentum to Adam and its descendants (AdamW, RAdam,
Lookahead, LARS, LAMB), and Newton's method, the second-order ideal they all approximate; it
draws their paths on two small landscapes where everything is visible; it derives the learning-rate
schedules (step, exponential, cosine, warmup, 1cycle) and the learning-rate finder; it covers when
to stop, how to tame a gradient that explodes (clipping), how to train with a batch larger than
memory allows (accumulation) and how averaging the weights over time (EMA) gives a better model
for free. Finally it trains one Fashion-MNIST network under eleven optimizers and overlays their
loss curves.

The update rules live in the library, `common/optim.h` (one interface, `optim_t`, for all of
them), `common/schedule.h` (the schedules and the finder) and `common/clip.h` (clipping); each
header states the formulas derived here, and the library's tests check every optimizer's first
steps against PyTorch. This file derives them and keeps its own copy of the ones the exercises
ask you to write.

**Notation.** The parameters are one flat vector $\theta \in \mathbb{R}^n$ (all weights and
biases of a network, laid out one tensor after the other, as chapter 3 did), the loss is
$L(\theta)$, the gradient at step $t$ is $g_t = \nabla L(\theta_{t-1})$ (in practice measured on
a mini-batch, so a noisy estimate), and $\eta$ is the learning rate. Squares, square roots and
divisions of vectors are elementwise. $\lVert \cdot \rVert$ is the Euclidean norm. In code,
`p` is $\theta$ and `g` is $g_t$, both `(n)`.
*/

#include "clip.h"     /* clip_grad_norm, clip_grad_value (section 5.10) */
#include "csvlog.h"   /* out/05/log.csv */
#include "data.h"     /* dataset_t, fashion_load, dataset_split, dataset_gather */
#include "error.h"    /* nn_fatal, nn_error, nn_check_finite, nn_malloc */
#include "course.h"   /* TODO: the student edition's exercise stubs */
#include "flags.h"    /* --epochs --seed --quick --out --data --help, plus --bench */
#include "io.h"       /* io_create / io_commit / io_join */
#include "mlp.h"      /* mlp_t: chapter 3's network (forward, backward, loss + gradient, evaluation) */
#include "optim.h"    /* optim_t: every optimizer of this chapter; adam_step (chapter 3) */
#include "plot.h"     /* gnuplot figures */
#include "progress.h" /* the progress bar */
#include "timing.h"   /* timing_seconds, timing_median */
#include "rng.h"      /* the explicit random number generator */
#include "schedule.h" /* learning-rate schedules and the finder's sweep (sections 5.8, 5.9) */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*md
## 5.1 Two landscapes

A real network's loss lives in $10^5$ dimensions and cannot be drawn. Two functions of two
variables show everything that matters.

**An ill-conditioned quadratic.** Near a minimum every smooth loss looks like a quadratic bowl,
$L(\theta) \approx L^* + \frac12 (\theta - \theta^*)^\top H (\theta - \theta^*)$, with $H$ the
Hessian (the matrix of second derivatives). We take

$$
L(\theta) = \tfrac12 \theta^\top A \theta, \qquad A = \begin{pmatrix} 10 & 9 \\ 9 & 10 \end{pmatrix}, \qquad
\nabla L = A\theta, \qquad \nabla^2 L = A .
$$

$A$ has eigenvectors $(1, 1)/\sqrt2$ with eigenvalue $\lambda_{\max} = 19$ and $(1, -1)/\sqrt2$
with $\lambda_{\min} = 1$: a long narrow valley along the diagonal $\theta_1 = -\theta_2$, steep
across it. Gradient descent $\theta \leftarrow \theta - \eta A \theta$ acts on each eigen-direction
separately: writing $\theta = c_1 u_1 + c_2 u_2$, one step multiplies $c_i$ by $(1 - \eta \lambda_i)$.
Stability needs $|1 - \eta\lambda_i| < 1$ for both, that is $\eta < 2/\lambda_{\max}$; and then
the flat direction shrinks by only $1 - \eta\lambda_{\min} > 1 - 2/\kappa$ per step, with the
*condition number* $\kappa = \lambda_{\max}/\lambda_{\min} = 19$. The best constant rate,
$\eta = 2/(\lambda_{\max} + \lambda_{\min})$, gives a factor $(\kappa - 1)/(\kappa + 1) = 0.9$ per step:
about $\kappa/2$ steps for every factor $e$ of progress. **Gradient descent is slow exactly when
curvatures differ**, and networks' Hessians have condition numbers in the thousands.

**Rosenbrock's function** (1960), the classic test of optimizers,

$$
f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2,
$$

has its minimum $f = 0$ at $(1, 1)$ at the end of a curved, banana-shaped valley: the floor
$y = x^2$ is easy to find (the second term is steep) and hard to follow (the first term is nearly
flat along it, and the valley bends, so no fixed direction is right for long). Its gradient and
Hessian, for Newton's method later:

$$
\nabla f = \begin{pmatrix} -2(1 - x) - 400\,x\,(y - x^2) \\ 200\,(y - x^2) \end{pmatrix}, \qquad
\nabla^2 f = \begin{pmatrix} 2 - 400\,y + 1200\,x^2 & -400\,x \\ -400\,x & 200 \end{pmatrix}.
$$
*/

/* L = theta^T A theta / 2 with A = [[10, 9], [9, 10]].  p, g: (2), H: (2, 2) */
static const float QUAD_A[4] = {10, 9, 9, 10};

static double quad_loss(const float *p)
{
    return 0.5 * (10.0 * p[0] * p[0] + 18.0 * p[0] * p[1] + 10.0 * p[1] * p[1]);
}

static void quad_grad(float *g, const float *p)
{
    g[0] = 10 * p[0] + 9 * p[1];
    g[1] = 9 * p[0] + 10 * p[1];
}

static double rosen_loss(const float *p)
{
    double x = p[0], y = p[1];
    return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
}

static void rosen_grad(float *g, const float *p)
{
    double x = p[0], y = p[1];
    g[0] = (float)(-2 * (1 - x) - 400 * x * (y - x * x));
    g[1] = (float)(200 * (y - x * x));
}

static void rosen_hessian(float *H, const float *p)
{
    double x = p[0], y = p[1];
    H[0] = (float)(2 - 400 * y + 1200 * x * x);
    H[1] = H[2] = (float)(-400 * x);
    H[3] = 200;
}

/*md
## 5.2 Momentum and Nesterov

In the valley the gradient points mostly *across* it: gradient descent zig-zags from wall to wall
and creeps along the floor. Polyak's **heavy ball** (1964) adds inertia: keep a running
*velocity* $b$ that accumulates past gradients, and step along it,

$$
b_t = \mu\, b_{t-1} + g_t, \qquad \theta_t = \theta_{t-1} - \eta\, b_t, \qquad b_0 = 0,
$$

with $\mu \in [0, 1)$, typically 0.9. Unrolled, $b_t = g_t + \mu g_{t-1} + \mu^2 g_{t-2} + \dots$:
components that keep their sign (along the valley) add up to as much as $1/(1-\mu) = 10$ times the
gradient, and those that flip sign every step (across the valley) cancel. On the quadratic this
provably helps: with the best $\eta$ and $\mu$ the factor per step becomes
$(\sqrt\kappa - 1)/(\sqrt\kappa + 1)$ (0.63 for $\kappa = 19$, against 0.9 without momentum),
so the steps needed grow like $\sqrt\kappa$ instead of $\kappa$.

(This is PyTorch's form. Some texts write $b_t = \mu b_{t-1} + \eta g_t$, $\theta_t = \theta_{t-1} - b_t$:
the same for a constant $\eta$, different when a schedule changes $\eta$.)

**Nesterov's accelerated gradient** (1983) evaluates the gradient not at $\theta_{t-1}$ but where
the momentum is about to carry us, which corrects an overshoot one step earlier. In the form
Sutskever et al. (2013) made standard, and PyTorch uses, the change is only in the step:

$$
b_t = \mu\, b_{t-1} + g_t, \qquad \theta_t = \theta_{t-1} - \eta\,(g_t + \mu\, b_t),
$$

a step that "looks ahead" by one more momentum term.

### Exercise 05.1 — momentum and Nesterov

Write `momentum_update`: for each of the `n` parameters, update the velocity `buf` and then the
parameter `p` by the heavy-ball rule, or by Nesterov's rule when `nesterov` is nonzero, exactly as
the two displays above (PyTorch's conventions; `buf` starts at zero).
*/

/* One step of SGD with momentum (heavy ball or Nesterov).  p, buf, g: (n) */
static void momentum_update(float *p, float *buf, const float *g, size_t n, float lr, float mu, int nesterov)
{
    /* BEGIN EXERCISE 05.1 (2 points): the heavy ball and Nesterov's look-ahead */
    for (size_t i = 0; i < n; i++) {
        buf[i] = mu * buf[i] + g[i];
        p[i] -= lr * (nesterov ? g[i] + mu * buf[i] : buf[i]);
    }
    /* END EXERCISE */
}

/*md
## 5.3 One step size per parameter: Adagrad and RMSprop

Momentum still uses one $\eta$ for every parameter. But parameters differ: a weight fed by a
rare feature gets a large gradient once in a while, a weight fed by a common one a small
gradient every step; and a steep direction of the loss needs a small step while a flat one could
take a large step. The adaptive methods divide each parameter's step by a running measure of its
own gradient's size.

**Adagrad** (Duchi, Hazan and Singer 2011) divides by the root of the sum of all past squared
gradients:

$$
s_t = s_{t-1} + g_t^2, \qquad \theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{s_t} + \epsilon}.
$$

Rarely updated parameters keep a small $s$ and large steps. On the quadratic's first step, every
coordinate moves by exactly $\eta$ ($g/\sqrt{g^2} = \pm 1$), whatever the curvature. The flaw: $s$
only grows, so the effective rate $\eta/\sqrt{s_t}$ decays like $1/\sqrt t$ and training stalls.

**RMSprop** (Tieleman and Hinton 2012, from a lecture slide) replaces the sum by an exponential
moving average, which forgets:

$$
s_t = \alpha\, s_{t-1} + (1 - \alpha)\, g_t^2, \qquad \theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{s_t} + \epsilon},
$$

with $\alpha = 0.99$. Now $\sqrt{s_t}$ estimates the recent root-mean-square gradient, and the
step is about $\eta$ times "the current gradient in units of its typical size". (Divided by
$\sqrt{s}$, the step no longer scales with the gradient: doubling the loss leaves it unchanged.)

## 5.4 Adam

**Adam** (Kingma and Ba 2015) is RMSprop with momentum, where the momentum is itself an
exponential moving average:

$$
m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \qquad m_0 = v_0 = 0,
$$

with $\beta_1 = 0.9$, $\beta_2 = 0.999$. **Bias correction.** Starting from zero makes both averages
too small at first. Unroll $m_t = (1 - \beta_1) \sum_{k=1}^{t} \beta_1^{t-k} g_k$; if the gradients
have a constant expectation $\mathbb{E} g_k = \bar g$,

$$
\mathbb{E}\, m_t = (1 - \beta_1)\,\bar g \sum_{k=1}^{t} \beta_1^{t-k} = (1 - \beta_1^t)\, \bar g ,
$$

a geometric sum. So $m_t$ underestimates $\bar g$ by the factor $1 - \beta_1^t$ (0.1 at $t = 1$),
and likewise $v_t$ by $1 - \beta_2^t$ (0.001 at $t = 1$). Without correction the first step would be
too large: $m$ is 10 times too small, but $\sqrt{v}$ is $\sqrt{1000} \approx 32$ times too small, so
$m/\sqrt{v}$ comes out $0.1/\sqrt{0.001} \approx 3.2$ times too large. Dividing it out gives
unbiased estimates, and the
step:

$$
\hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}, \qquad
\theta_t = \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} .
$$

With a constant gradient $\hat m_t = g$ and $\hat v_t = g^2$ exactly, so every step has length
$\eta$ per coordinate: Adam's $\eta$ is (roughly) a *distance per step* in parameter space,
which is why $10^{-3}$ works for so many networks.

### Exercise 05.2 — Adam with bias correction

Write `adam_update`: with `t` the number of this step (1 for the first call), update `m` and `v`,
form $\hat m_t$ and $\hat v_t$ and update `p`, as above. Compute the corrections
$1 - \beta^t$ in double precision (`pow`); PyTorch divides as
$\eta/(1 - \beta_1^t) \cdot m / (\sqrt{v}/\sqrt{1 - \beta_2^t} + \epsilon)$, which is the same number.
*/

/* One Adam step number t (t >= 1).  p, m, v, g: (n) */
static void adam_update(float *p, float *m, float *v, const float *g, size_t n, float lr, float b1, float b2,
                        float eps, long t)
{
    /* BEGIN EXERCISE 05.2 (3 points): Adam with bias correction */
    double c1 = 1.0 - pow(b1, (double)t), c2 = 1.0 - pow(b2, (double)t);
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1.0f - b1) * g[i];
        v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        double mhat = m[i] / c1, vhat = v[i] / c2;
        p[i] -= (float)(lr * mhat / (sqrt(vhat) + eps));
    }
    /* END EXERCISE */
}

/*md
## 5.5 AdamW: weight decay, decoupled

*Weight decay* shrinks every weight a little at each step, $\theta \leftarrow (1 - \eta\lambda)\theta$,
pulling the network towards small weights (chapter 6 explains why that regularizes). For plain
SGD it is the same as adding the L2 penalty $\frac\lambda2 \lVert\theta\rVert^2$ to the loss, whose
gradient $\lambda\theta$ joins $g$: $\theta - \eta(g + \lambda\theta) = (1 - \eta\lambda)\theta - \eta g$.

For Adam it is not. The penalty's gradient $\lambda\theta$ goes through the division by
$\sqrt{\hat v}$ like the rest of $g$: a weight with large gradients (large $\hat v$) is barely
decayed, one with tiny gradients is decayed enormously, and the amount of regularization depends
on the loss's scale in a way nobody asked for. Loshchilov and Hutter (2019) **decouple** the two:
decay the weights directly, then take an ordinary Adam step on the loss's own gradient,

$$
\theta \leftarrow \theta - \eta\lambda\, \theta, \qquad \text{then} \quad
\theta \leftarrow \theta - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} \quad (m, v \text{ from } g \text{ alone}).
$$

This **AdamW** is the default optimizer of transformers. PyTorch's default
$\lambda$ is 0.01; note that the decay is multiplied by $\eta$, so a schedule that lowers $\eta$ lowers
the decay with it.

### Exercise 05.3 — AdamW's decoupled decay

Write `adamw_update`: shrink every parameter by the factor $(1 - \eta\lambda)$ (`lr`, `wd`), then
take the Adam step of your `adam_update` with the same `t`, on the gradient `g` unchanged.
*/

/* One AdamW step number t: decoupled weight decay wd, then Adam.  p, m, v, g: (n) */
static void adamw_update(float *p, float *m, float *v, const float *g, size_t n, float lr, float b1, float b2,
                         float eps, float wd, long t)
{
    /* BEGIN EXERCISE 05.3 (2 points): AdamW, decay decoupled from the gradient */
    for (size_t i = 0; i < n; i++)
        p[i] *= 1.0f - lr * wd;
    adam_update(p, m, v, g, n, lr, b1, b2, eps, t);
    /* END EXERCISE */
}

/*md
## 5.6 RAdam, Lookahead, LARS and LAMB

**RAdam** (Liu et al. 2020) asks why Adam needs a *warmup* (a learning rate that starts small,
section 5.9) to train transformers stably. In the first steps $\hat v_t$ is an average of very few
squared gradients, so $1/\sqrt{\hat v_t}$ has a huge variance: some coordinates get enormous steps
by chance. Approximating the exponential average by a simple moving average of length $\rho_t$,
the authors find

$$
\rho_\infty = \frac{2}{1 - \beta_2} - 1, \qquad \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t},
$$

($\rho_1 = 1$, growing about one per step at first, towards $\rho_\infty = 1999$), and the
variance of the adaptive rate is finite only for $\rho_t > 4$. RAdam multiplies Adam's step by
the factor that brings that variance down to its limiting value,

$$
r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\,\rho_\infty}{(\rho_\infty - 4)(\rho_\infty - 2)\,\rho_t}},
$$

when $\rho_t > 5$, and until then (the first five steps with $\beta_2 = 0.999$) takes a plain
momentum step $\eta\, \hat m_t$ without the division: a warmup built in.

**Lookahead** (Zhang et al. 2019) wraps any optimizer. It keeps *slow* weights $\phi$ beside the
*fast* weights $\theta$ that the inner optimizer updates; every $k$ steps it moves the slow weights
a fraction $\alpha$ of the way to the fast ones and restarts the fast ones from there:

$$
\phi \leftarrow \phi + \alpha\, (\theta - \phi), \qquad \theta \leftarrow \phi \qquad (\text{every } k \text{ steps; } k = 5, \alpha = 0.5).
$$

The fast weights explore, the slow weights average their excursions, which damps the
oscillations of an aggressive inner optimizer.

**LARS and LAMB: one step size per layer.** Training with very large batches (thousands of
examples, to use many accelerators) needs a large $\eta$, and a large $\eta$ is too large for some
layers: the ratio $\lVert g \rVert / \lVert \theta \rVert$ differs by orders of magnitude between
layers, and with it the *relative* change a step makes. LARS (You, Gitman and Ginsburg 2017) gives
each parameter tensor (a layer's $W$, its $b$) a *trust ratio* so that its step is a fixed fraction
of its own norm:

$$
\tau = \eta_{\text{trust}} \frac{\lVert\theta\rVert}{\lVert g\rVert + \lambda \lVert\theta\rVert}, \qquad
b \leftarrow \mu b + \eta\, \tau\, (g + \lambda\theta), \qquad \theta \leftarrow \theta - b,
$$

($\eta_\text{trust} = 0.001$). LAMB (You et al. 2020) does the same to Adam's step: with
$r = \hat m_t / (\sqrt{\hat v_t} + \epsilon) + \lambda\theta$ (Adam's direction plus decoupled
decay), $\theta \leftarrow \theta - \eta\, \frac{\lVert\theta\rVert}{\lVert r\rVert}\, r$. Each layer then moves by
$\eta$ times its own norm per step, whatever the scale of its gradient. (Both use ratio 1 when
a norm is 0, e.g. for biases that start at zero.) That is why `optim_step_tensors` takes the sizes
of the tensors that make up $\theta$.

## 5.7 Newton's method

All the methods above use first derivatives only, and fight the curvature they cannot see.
Newton's method uses it. Approximate $L$ around the current point by its second-order Taylor
expansion,

$$
L(\theta + d) \approx L(\theta) + g^\top d + \tfrac12 d^\top H d ,
$$

and jump to the minimum of that model: its gradient in $d$ is $g + H d$, zero at

$$
d = -H^{-1} g, \qquad \theta \leftarrow \theta - H^{-1} g .
$$

On a quadratic the model *is* the function, so **one Newton step lands exactly on the minimum**
from anywhere, whatever the condition number: for $L = \frac12\theta^\top A\theta$, $g = A\theta$,
$H = A$ and $\theta - A^{-1}A\theta = 0$. Near a minimum of a smooth function the convergence is
*quadratic* (the number of correct digits doubles each step). Why then does nobody train networks
with it? $H$ has $n^2$ entries: $5.5 \times 10^{10}$ for chapter 3's 235,146 parameters, 220 GB in
float32, and solving with it costs $O(n^3)$. It is also only right near a minimum: where $H$ is
not positive definite (a saddle point, which high-dimensional losses are full of) the Newton step
goes *towards* the saddle or uphill. Adam's $1/\sqrt{\hat v}$ is sometimes called a diagonal
preconditioner, but it is not an estimate of $H^{-1}$: $\hat v$ averages *squared gradients*, so
$\sqrt{\hat v}$ measures how large (and how noisy) each coordinate's gradient has been, not how
curved the loss is. What the two share is the effect: coordinates with large $\sqrt{\hat v}$ get
short steps, which is cheap, diagonal and always positive, where Newton's $H^{-1}$ is none of these.

### Exercise 05.4 — Newton's step in two dimensions

Write `newton_step_2x2`: given the gradient `g` (2) and the Hessian `H` (2, 2, row-major) at `p`,
solve $H d = g$ with the explicit inverse of a $2 \times 2$ matrix,
$\begin{pmatrix} a & b \\ c & e \end{pmatrix}^{-1} = \frac{1}{ae - bc}\begin{pmatrix} e & -b \\ -c & a \end{pmatrix}$,
and set $p \leftarrow p - d$. Return 0; if the determinant is 0, change nothing and return -1.
A Hessian is symmetric, but write the formula for any $2 \times 2$ matrix (the tests try one that is
not): `H[1]` is $b$ (row 0, column 1) and `H[2]` is $c$ (row 1, column 0).
(`optim_newton_step` in `common/optim.h` does the same for any $n$ by Gaussian elimination.)
*/

/* p -= H^-1 g for a 2x2 Hessian.  p, g: (2), H: (2, 2) row-major.  Returns 0, or -1 if singular. */
static int newton_step_2x2(float *p, const float *g, const float *H)
{
    /* BEGIN EXERCISE 05.4 (2 points): Newton's step with a 2x2 Hessian */
    double det = (double)H[0] * H[3] - (double)H[1] * H[2];
    if (det == 0)
        return -1;
    double d0 = ((double)H[3] * g[0] - (double)H[1] * g[1]) / det;
    double d1 = (-(double)H[2] * g[0] + (double)H[0] * g[1]) / det;
    p[0] -= (float)d0;
    p[1] -= (float)d1;
    return 0;
    /* END EXERCISE */
}

/*md
## 5.8 Paths on the two landscapes

One function steps any of them: the chapter's own exercise code for momentum, Nesterov, Adam,
AdamW and Newton, the library's `optim_step` for the others (it implements the same formulas;
the tests check both against PyTorch). The optimizer state lives in an `optim_t` either way.
*/

/* The optimizers of the figures: the library's kinds, plus Lookahead (around SGD with momentum)
 * and Newton's method. */
typedef enum { RUN_OPTIM, RUN_LOOKAHEAD, RUN_NEWTON } run_kind;

typedef struct {
    const char *label; /* legend */
    run_kind run;
    optim_kind_t kind;   /* RUN_OPTIM, and the inner optimizer of RUN_LOOKAHEAD */
    float lr;
} method;

/* One step of o on p (n) with gradient g; the exercise versions where this chapter has one. */
static void chapter_step(optim_t *o, float *p, const float *g, const size_t *sizes, int k)
{
    switch (o->kind) {
    case OPTIM_MOMENTUM:
    case OPTIM_NESTEROV:
        o->t++;
        momentum_update(p, o->m, g, o->n, o->lr, o->momentum, o->kind == OPTIM_NESTEROV);
        break;
    case OPTIM_ADAM:
        o->t++;
        adam_update(p, o->m, o->v, g, o->n, o->lr, o->beta1, o->beta2, o->eps, o->t);
        break;
    case OPTIM_ADAMW:
        o->t++;
        adamw_update(p, o->m, o->v, g, o->n, o->lr, o->beta1, o->beta2, o->eps, o->weight_decay, o->t);
        break;
    default: optim_step_tensors(o, p, g, sizes, k); break;
    }
}

/*md
**When to stop.** A run needs a rule to end. The simplest is a budget: a maximum number of steps
or epochs, which every training run of this course has. The classic numerical rule is
*convergence*: stop when the loss no longer changes, $|L_t - L_{t-1}| < \text{tol}\cdot\max(|L_{t-1}|, 1)$
(a relative change, so the threshold means the same whatever the loss's scale), or when the
gradient's norm is below a threshold. On the 2-D landscapes we use the first with tol = $10^{-9}$;
the figures show what it can and cannot tell. A loss that barely changes means either a minimum
*or* a very flat stretch (a plateau, the floor of Rosenbrock's valley crawled by SGD), so for
networks, which are never trained to convergence, the rule that matters is chapter 6's *early
stopping*: stop when the *validation* loss stops improving.
*/

/* 1 when the loss changed by less than tol relative to its size. */
static int converged(double prev, double cur, double tol)
{
    return fabs(cur - prev) < tol * fmax(fabs(prev), 1.0);
}

typedef struct {
    int steps;       /* steps taken (the run stops at convergence or at max_steps) */
    double final;    /* loss at the end */
    int converged;   /* 1 if the convergence test stopped it */
} path_result;

/* Runs method m from start for at most max_steps on the 2-D loss (quadratic or Rosenbrock), writing
 * the visited points to xy (2 * (max_steps + 1), NAN after the end) and the losses to f
 * (max_steps + 1). */
static path_result run_path(const method *m, int rosen, const float *start, int max_steps, float *xy, float *f)
{
    double (*loss)(const float *) = rosen ? rosen_loss : quad_loss;
    void (*grad)(float *, const float *) = rosen ? rosen_grad : quad_grad;
    float p[2] = {start[0], start[1]}, g[2], H[4];
    optim_t o = optim_new(m->run == RUN_NEWTON ? OPTIM_SGD : m->kind, 2, m->lr);
    lookahead_t la = lookahead_new(p, 2, 5, 0.5f);
    path_result r = {0, loss(p), 0};
    for (int t = 0; t <= max_steps; t++)
        xy[2 * t] = xy[2 * t + 1] = f[t] = NAN;
    xy[0] = p[0], xy[1] = p[1], f[0] = (float)r.final;
    for (int t = 1; t <= max_steps; t++) {
        grad(g, p);
        if (m->run == RUN_NEWTON) {
            if (rosen)
                rosen_hessian(H, p);
            else
                memcpy(H, QUAD_A, sizeof H);
            if (newton_step_2x2(p, g, H) != 0)
                break;
        } else {
            chapter_step(&o, p, g, (size_t[]){2}, 1);
            if (m->run == RUN_LOOKAHEAD)
                lookahead_step(&la, p);
        }
        double cur = loss(p);
        xy[2 * t] = p[0], xy[2 * t + 1] = p[1], f[t] = (float)cur;
        r.steps = t;
        if (!isfinite(cur))
            break;
        int done = converged(r.final, cur, 1e-9);
        r.final = cur;
        if (done) {
            r.converged = 1;
            break;
        }
    }
    optim_free(&o);
    lookahead_free(&la);
    return r;
}

/*md
**What the paths show** (the default run; each method's rate tuned by hand to about the largest
that behaves, and listed by the program). On the quadratic, from $(-4, 2)$:

![Paths on the ill-conditioned quadratic. Left: gradient descent zig-zags across the valley, momentum
overshoots and swings back, Newton jumps to the minimum in one step. Middle: the adaptive methods
first move diagonally (equal steps per coordinate), then follow the valley. Right: Lookahead, LARS, LAMB.](out/05/quadratic_paths.svg)

![The loss along the way, log scales.](out/05/quadratic_loss.svg)

* Newton's method reaches the minimum in **one step**, to rounding (the loss after it is 0 in
  float32), as derived in section 5.7.
* Gradient descent at $\eta = 0.1$, just below $2/\lambda_{\max} = 0.105$, zig-zags (the steep
  direction's factor is $1 - 0.1 \cdot 19 = -0.9$: it flips sign every step) and still gets below
  $10^{-6}$ at step 82: on this mild $\kappa = 19$ the tuned plain method is hard to beat.
  Nesterov gets there at step 85 and heavy-ball momentum at step 149, both with $\eta = 0.02$,
  and their paths swing past the minimum and back: momentum trades monotone progress for speed
  along the valley. Lookahead around the heavy ball (step 105) damps those swings.
* The adaptive methods start by moving *diagonally*, equal steps in both coordinates (Adam's first
  step is $\eta\,\operatorname{sign}(g)$), which on a rotated valley is not the way down; they reach
  $10^{-6}$ at steps 121 (RMSprop) to 167 (Adagrad). Per-coordinate step sizes help when the
  valley is aligned with the axes, as it is for a network's individual weights much more often
  than for this rotated one.
* RAdam is the slowest: its first five steps are momentum steps without the division (at
  $\eta = 0.1$, the largest rate that survives them), and its rectification factor $r_t$ is still
  only 0.31 at step 200, so its steps stay short. On landscapes this easy its built-in warmup is
  pure cost.

On Rosenbrock's function, from the classic start $(-1.2, 1)$, within 5,000 steps:

![Paths on Rosenbrock's function. All methods find the valley floor quickly and then crawl along it;
Newton's method jumps around and lands on $(1, 1)$ in five steps.](out/05/rosenbrock_paths.svg)

![The loss along the way.](out/05/rosenbrock_loss.svg)

* Newton's method gets below $10^{-6}$ at step **5** and to exactly 0 at step 6, after one wild
  first step (the Hessian at the start is not positive definite enough to trust its model far).
* Adam ($\eta = 0.05$) is the only first-order method to get below $10^{-6}$ with its whole path,
  at step 1,691, and then stops by the convergence test at step 1,878 (loss $6 \times 10^{-8}$).
  LARS gets below $10^{-6}$ at step 1,248 but does not stay there.
* Gradient descent is limited by the curvature across the valley ($\lambda_{\max} \approx 1000$
  near the minimum, so $\eta \le 0.002$) and ends at $3.8 \times 10^{-3}$; momentum and Nesterov
  (at $\eta = 2 \times 10^{-4}$) reach $5 \times 10^{-5}$, Adagrad $10^{-4}$, RMSprop only
  $2 \times 10^{-2}$ (without momentum it rattles in the valley).
* LAMB ends at $1.6 \times 10^{-2}$: the valley passes through the origin, where $\lVert\theta\rVert$
  and with it LAMB's step shrink towards zero. The trust ratio assumes a layer whose weights'
  norm is far from zero, which is true of networks and false here.
* The convergence test stopped only the runs that truly converged here, but it is fooled easily:
  a slow crawl along a flat floor changes the loss by tiny amounts per step, far from the minimum.
*/

/*md
## 5.9 Learning-rate schedules

Whatever the optimizer, the mini-batch gradient is noisy: near a minimum its noise, not the
signal, dominates, and a constant $\eta$ keeps the parameters bouncing around in a ball whose size
grows with $\eta$ (for SGD the stationary spread is proportional to $\eta$ times the gradient noise's
variance). Large steps early for fast progress, small steps late to settle: that is a *schedule*
$\eta_t$. With $\eta_0$ the base rate, $T$ the total number of steps and $t = 0 \dots T-1$
(`common/schedule.h` implements every one; its tests check step, exponential, cosine and 1cycle
against PyTorch's `StepLR`, `ExponentialLR`, `CosineAnnealingLR` and `OneCycleLR`):

* **time-based decay** $\eta_t = \eta_0 / (1 + k t)$, the $1/t$ decay of classical stochastic
  approximation (Robbins and Monro 1951 need $\sum \eta_t = \infty$, $\sum \eta_t^2 < \infty$);
* **step decay** $\eta_t = \eta_0 \gamma^{\lfloor t/s \rfloor}$: divide by $1/\gamma$ (often 10) every $s$
  steps, the schedule of the ResNet papers;
* **exponential decay** $\eta_t = \eta_0 \gamma^t$, the smooth version;
* **cosine annealing** (Loshchilov and Hutter 2017)
  $\eta_t = \eta_{\min} + \frac12(\eta_0 - \eta_{\min})\bigl(1 + \cos(\pi t / T)\bigr)$: flat at first,
  steepest in the middle, flat again at the end, with no hyperparameter but $T$;
* **linear warmup** $\eta_t = \eta_0 \min(1, (t+1)/W)$ for the first $W$ steps: Adam's $\hat v$ is
  unreliable at first (section 5.6) and a network's early gradients are large and erratic, so
  transformers are started gently, and then
* **warmup + cosine**: linear warmup over $W$ steps, then cosine annealing over the remaining
  $T - W$; the schedule of most modern training runs;
* **1cycle** (Smith and Topin 2019): up from $\eta_0/25$ to a large peak $\eta_0$ over the first 30%
  of the run, then down to $\eta_0/(25 \cdot 10^4)$, each phase half a cosine (`OneCycleLR`); the
  large rates in the middle act as a regularizer;
* **flat + cosine**: $\eta_0$ for the first half, then cosine to $\eta_{\min}$ (fast.ai's choice for
  Ranger, RAdam + Lookahead).

![The schedules of `common/schedule.h` over 1,000 steps, base rate 1.](out/05/schedules.svg)

### Exercise 05.5 — cosine with linear warmup

Write `warmup_cosine`: the rate of step `t` (0-based) of a run of `total` steps with `warmup`
warmup steps, peak `lr_max` and floor `lr_min`: $\eta_{\max}(t + 1)/W$ while $t < W$, then
$\eta_{\min} + \frac12(\eta_{\max} - \eta_{\min})\bigl(1 + \cos(\pi\,(t - W)/(T - W))\bigr)$.
(The library's `SCHEDULE_WARMUP_COSINE` is the same.)
*/

/* The learning rate of step t of a warmup + cosine schedule (0 <= t < total, warmup < total). */
static float warmup_cosine(long t, long total, long warmup, float lr_max, float lr_min)
{
    /* BEGIN EXERCISE 05.5 (2 points): the cosine schedule with linear warmup */
    if (t < warmup)
        return (float)((double)lr_max * (double)(t + 1) / (double)warmup);
    double x = (double)(t - warmup) / (double)(total - warmup);
    return (float)(lr_min + 0.5 * ((double)lr_max - lr_min) * (1.0 + cos(M_PI * x)));
    /* END EXERCISE */
}

/*md
**The learning-rate finder** (Smith 2017). Which $\eta_0$? Train for a few hundred steps while the
rate grows geometrically from tiny ($10^{-5}$) to absurd ($10$), $\eta_i = \eta_{lo}(\eta_{hi}/\eta_{lo})^{i/(N-1)}$,
recording the loss at each step; smooth the noisy curve (a bias-corrected moving average, like
Adam's); and plot it against $\eta$ on a log axis. At first nothing happens (steps too small),
then the loss falls, then it turns and explodes. The useful rates are on the falling slope;
the usual rule takes a tenth of the rate at the minimum of the smoothed curve
(`schedule_finder_suggest`), a rate still safely on the slope.

![The learning-rate finder on Fashion-MNIST: 300 steps of SGD with momentum 0.9 while the rate
grows from $10^{-5}$ to 10; the sweep stops when the loss exceeds four times its best.](out/05/lr_finder.svg)

In the default run (the chapter's network on 10,000 training images, batch 128) the loss stays at
$\ln 10 \approx 2.3$ up to $\eta \approx 10^{-4}$, falls fastest around $10^{-3}$ to $10^{-2}$, bottoms out
at about 0.7 near $\eta = 0.03$, and explodes past 0.25, after 222 of the 300 sweep steps. The
finder suggests $\eta = 0.0033$. The rates used for momentum and Nesterov below (0.02) sit just
below the minimum, where the smoothed curve is still falling: the sweep is a guide to the order of
magnitude, read with judgement, not a formula.

## 5.10 Taming gradients: clipping, accumulation, averaging

**Clipping.** One unlucky batch, or a cliff in the loss surface (recurrent networks have them),
can give a gradient a thousand times larger than usual, and a single step along it
undoes hours of training. *Clipping by global norm* bounds the step's length and keeps its
direction: with $\lVert g \rVert$ the norm over *all* parameter tensors together,

$$
g \leftarrow g \cdot \frac{c}{\lVert g \rVert + 10^{-6}} \quad \text{if } \lVert g \rVert > c,
$$

(the $10^{-6}$ is PyTorch's, and keeps a zero gradient from dividing by zero). *Clipping by value*,
$g_i \leftarrow \min(\max(g_i, -c), c)$ per component, is cruder: it changes the direction. Logging
the norm before clipping is a cheap health check: spikes show when and why training jumped.

The program shows it on Rosenbrock: plain gradient descent at $\eta = 0.02$, ten times the stable
limit ($\eta \le 0.002$ near the minimum, section 5.8), diverges in 3 steps (the gradient's norm
reaches $1.9 \times 10^9$ and the loss $2 \times 10^{32}$). Clipped to norm 1, the same rate cannot
throw the parameters further than 0.02 per step: after 2,000 steps it sits at $(0.92, 0.87)$ on the
valley floor, loss 0.05. The largest gradient it met had norm 233.

### Exercise 05.6 — clipping by global norm

Write `clip_by_global_norm`: the `k` tensors `grads[j]` (of `sizes[j]` floats each) form one
gradient; compute its norm (accumulate in double), scale every component by
$c/(\lVert g\rVert + 10^{-6})$ if the norm exceeds `max_norm`, and return the norm *before* clipping.
*/

/* Clip k gradient tensors by their global norm; returns the norm before clipping.
 * grads[j]: (sizes[j]) */
static double clip_by_global_norm(float *const *grads, const size_t *sizes, int k, float max_norm)
{
    /* BEGIN EXERCISE 05.6 (2 points): clip the gradient by its global norm */
    double sq = 0;
    for (int j = 0; j < k; j++)
        for (size_t i = 0; i < sizes[j]; i++)
            sq += (double)grads[j][i] * grads[j][i];
    double norm = sqrt(sq);
    if (norm > max_norm) {
        float scale = (float)(max_norm / (norm + 1e-6));
        for (int j = 0; j < k; j++)
            for (size_t i = 0; i < sizes[j]; i++)
                grads[j][i] *= scale;
    }
    return norm;
    /* END EXERCISE */
}

/*md
**An exponential moving average of the weights.** The parameters at the end of training are one
noisy sample from the cloud the optimizer bounces around in; the cloud's *centre* is usually a
better model. Polyak averaging takes the mean of all iterates; its practical form keeps an
exponential moving average, a *shadow* copy updated after every step,

$$
\bar\theta \leftarrow \delta\, \bar\theta + (1 - \delta)\, \theta, \qquad \delta = 0.999 \text{ typically},
$$

which averages over the last $\approx 1/(1 - \delta)$ steps. Training continues on $\theta$; the model
is evaluated (and shipped) with $\bar\theta$. It costs one more copy of the parameters and one
multiply-add per parameter per step. (Start the shadow at the initial weights; with few steps,
the initial weights' share $\delta^t$ is still large, which is why short runs use a smaller $\delta$.)

### Exercise 05.7 — EMA of weights

Write `ema_weights`: one update of the shadow weights `shadow` towards the current `p` with decay
`decay`, as the display above. (`ema_update` in `common/optim.h` is the same.)
*/

/* shadow = decay * shadow + (1 - decay) * p.   shadow, p: (n) */
static void ema_weights(float *shadow, const float *p, size_t n, float decay)
{
    /* BEGIN EXERCISE 05.7 (1 point): an exponential moving average of the weights */
    for (size_t i = 0; i < n; i++)
        shadow[i] = decay * shadow[i] + (1.0f - decay) * p[i];
    /* END EXERCISE */
}

/*md
## 5.11 The network, and gradient accumulation

For Fashion-MNIST we need chapter 3's multilayer perceptron. From this chapter on it lives in the
library: `mlp_t` in `common/mlp.h`, the same layers composed of the same pieces (`linear_forward`,
`relu_forward` and their backward partners, in chapter 3's order), with He initialization
(`mlp_init`) and one helper that runs forward, cross-entropy and backward (`mlp_loss_grad`). Its
parameters sit in one block `params` (with `grads` beside it), and it lists the sizes of the
tensors in that block (`W1, b1, W2, b2, W3, b3`) for LARS and LAMB.
*/

/* The chapter's network: 784-256-128-10 (or the tests' sizes), He-initialized from rng. */
static mlp_t net_new(const int *sizes, int max_batch, rng_t *rng)
{
    mlp_t m;
    if (mlp_new(&m, sizes, 3, 0, 0, max_batch) != 0)
        nn_fatal("see the message above", "net_new: could not build the network");
    mlp_init(&m, rng);
    return m;
}

/*md
**Gradient accumulation.** A batch of 128 may not fit in memory (a big model, long sequences),
yet a small batch gives a noisier gradient and may need other hyperparameters. The mean loss over
a batch of $B = M b$ examples split into $M$ *micro-batches* of $b$ is the mean of the micro-batches'
mean losses, and the gradient is linear:

$$
\nabla \frac{1}{B}\sum_{i=1}^{B} \ell_i = \frac{1}{M} \sum_{k=1}^{M} \nabla \Bigl(\frac1b \sum_{i \in \text{micro-batch } k} \ell_i\Bigr).
$$

So: run forward and backward on each micro-batch, add $\frac1M$ of its gradient into an
accumulator, and take one optimizer step with the sum. The result equals the big batch's gradient
up to rounding, at the memory cost of $b$ examples. (Not quite for layers that compute statistics
over the batch, like chapter 6's batch normalization: those see $b$ examples, not $B$.)

### Exercise 05.8 — gradient accumulation

Write the body of `accumulate_gradients`: the batch `x` (B rows of D = `m->sizes[0]` floats) and
its labels `y` are split into `micro` equal micro-batches (B is a multiple of `micro`), of
b = B / micro consecutive rows each. For each, call `mlp_loss_grad(m, xk, yk, b)`, where `xk` and
`yk` point at the micro-batch's first row of `x` and first label of `y`: it returns the mean loss
of those b rows and overwrites `m->grads` with their gradient. Add `1/micro` of that gradient into
the accumulator `acc` (`m->n_params` floats), which you zero first; finally copy `acc` into
`m->grads` and return the mean of the micro-batches' losses.
*/

/* m->grads = gradient of the mean loss over B rows, computed in `micro` micro-batches; returns the
 * mean loss.   acc: (m->n_params) scratch, x: (B, D), y: (B) */
static float accumulate_gradients(mlp_t *m, float *acc, const float *x, const int *y, int B, int micro)
{
    if (micro < 1 || B % micro != 0)
        nn_fatal("choose a number of micro-batches that divides the batch (128 = 4 x 32)",
                 "accumulate_gradients: batch %d cannot be split into %d equal micro-batches", B, micro);
    const int D = m->sizes[0];
    const size_t n = m->n_params;
    /* BEGIN EXERCISE 05.8 (3 points): accumulate the gradients of micro-batches */
    const int b = B / micro;
    double loss = 0;
    memset(acc, 0, n * sizeof(float));
    for (int k = 0; k < micro; k++) {
        loss += mlp_loss_grad(m, x + (size_t)k * b * D, y + (size_t)k * b, b);
        for (size_t i = 0; i < n; i++)
            acc[i] += m->grads[i] / (float)micro;
    }
    memcpy(m->grads, acc, n * sizeof(float));
    return (float)(loss / micro);
    /* END EXERCISE */
}

/* Mean cross-entropy and accuracy on ds of the network with the parameters `params`: m->params,
 * or other weights (the EMA's) swapped in for the evaluation. */
static void net_evaluate(mlp_t *m, const float *params, const dataset_t *ds, double *loss, double *acc)
{
    float *keep = NULL;
    if (params != m->params) {
        keep = nn_malloc(m->n_params * sizeof(float));
        memcpy(keep, m->params, m->n_params * sizeof(float));
        memcpy(m->params, params, m->n_params * sizeof(float));
    }
    metrics_eval_t e = mlp_evaluate(m, NULL, ds->x, ds->y, ds->n);
    *loss = e.loss, *acc = e.accuracy;
    if (keep) {
        memcpy(m->params, keep, m->n_params * sizeof(float));
        free(keep);
    }
}

/*md
## 5.12 Eleven optimizers on Fashion-MNIST

The same 784-256-128-10 ReLU network (235,146 parameters, He initialization, the same initial
weights and the same sequence of batches for every run) is trained for 3 epochs under each
optimizer, at a constant rate tuned by hand once. To keep eleven runs inside the minute the
comparison uses **10,000 training images** (and 1,500 for validation, a random split of the
official training set), not chapter 3's 55,000: the accuracies are therefore a few points below
chapter 3's 89%. LARS and LAMB compute their trust ratios per tensor (`W1, b1, ..., b3`).

![Training loss (left) and validation loss (right), every quarter epoch, for each optimizer.](out/05/loss.svg)

Test accuracy after 3 epochs, in the default run (rounded to the point: the last digit moves
with the CPU's matrix-product kernels): SGD about 60% (0.1; its last step happened to land
badly: validation loss jumped from 0.55 to 1.20 in the last quarter epoch, the instability of a
constant large rate that section 5.9's schedules are for), momentum 81% (0.02), Nesterov 81%
(0.02), Adagrad 81% (0.01), RMSprop 80% ($10^{-3}$), Adam 82% ($10^{-3}$), AdamW 82% ($10^{-3}$,
decay 0.01), RAdam 80% ($10^{-3}$; its rectified steps are still short after 237 steps),
Lookahead around Adam 83%, LARS 80% (5, trust 0.001) and LAMB 83% ($5 \times 10^{-3}$). The Adam
family has the lowest training loss (0.39); LAMB and Lookahead the lowest validation loss (about 0.48
and 0.49). With three epochs on a sixth of the data these differences are about the size of
the run-to-run noise (change `--seed` and the order changes), which is the honest conclusion of
most optimizer comparisons: a well-tuned Adam or SGD with momentum is rarely beaten by much, and
the learning rate and its schedule matter more than the choice among them.

The last run puts the chapter together: Adam with a warmup of 23 steps then cosine annealing
from $2 \times 10^{-3}$ to 0, with an EMA of the weights (decay 0.99). It reaches **about 84%**,
as good as the best constant-rate runs or better; the EMA weights reach about 83%. With a schedule that already anneals
the rate to zero the last iterate is itself well averaged, and the EMA, which remembers weights
from about 100 steps back, lags slightly; its gains show with constant or large final rates and
longer runs.

## 5.13 Speed: an optimizer step is a memory-bound loop

Adam reads four arrays (parameters, gradients, $m$, $v$) and writes three for every step: 28 bytes
per parameter and 7 floating-point operations plus a square root and a division. That is far
below a modern core's arithmetic rate, so the step's speed is set by memory traffic.
`--bench` times `adam_step` (chapter 3's vectorized version) on $2^{20}$ parameters: the median
step took 0.60 ms, that is **49 GB/s** of traffic, twice the machine's main-memory copy
bandwidth (24 GB/s measured by `make bench`), because the 16 MB of state fit in this machine's
32 MB last-level cache. With a model larger than the cache, the optimizer step runs at memory
speed, which is why fused optimizer kernels (one pass over all parameters, no temporaries) matter
on GPUs. (Timings taken while other jobs shared the 2 cores.)
*/

/*md
## 5.14 The program

`main` runs the experiments in order and writes everything to `out/05/`: the paths on the
quadratic and on Rosenbrock's function (with a clipping demonstration), the schedules, the
learning-rate finder on Fashion-MNIST, the optimizer comparison (its `log.csv` and `loss.svg`),
and a final run with warmup + cosine and an EMA of the weights. `--quick` shrinks every part to a
few seconds; `--epochs` sets the comparison's epochs; `--bench` times one Adam step over a million
parameters and prints one line for `make bench`.
*/

#ifndef GRADING

/* The methods of the path figures, with learning rates tuned by hand for each landscape
 * (each about the largest that does not oscillate wildly). */
enum { N_METHODS = 12 };
static const char *const METHOD_KEYS[N_METHODS] = {"sgd",   "momentum", "nesterov",  "adagrad", "rmsprop", "adam",
                                                   "adamw", "radam",    "lookahead", "lars",    "lamb",    "newton"};

static void methods_for(method *ms, int rosen)
{
    /*                        quadratic  Rosenbrock */
    const float lr[N_METHODS][2] = {{0.1f, 1e-3f},  {0.02f, 2e-4f}, {0.02f, 2e-4f}, {1.0f, 0.5f},
                                    {0.1f, 0.01f},  {0.3f, 0.05f},  {0.3f, 0.05f},  {0.1f, 1e-3f},
                                    {0.02f, 2e-4f}, {50.0f, 2.0f},  {0.05f, 0.01f}, {1, 1}};
    const optim_kind_t kinds[N_METHODS] = {OPTIM_SGD,   OPTIM_MOMENTUM, OPTIM_NESTEROV, OPTIM_ADAGRAD, OPTIM_RMSPROP, OPTIM_ADAM,
                                         OPTIM_ADAMW, OPTIM_RADAM,    OPTIM_MOMENTUM, OPTIM_LARS,    OPTIM_LAMB,    OPTIM_SGD};
    for (int k = 0; k < N_METHODS; k++)
        ms[k] = (method){METHOD_KEYS[k], k == 8 ? RUN_LOOKAHEAD : k == 11 ? RUN_NEWTON : RUN_OPTIM, kinds[k],
                         lr[k][rosen]};
}

/* Writes dir/<name>.csv: step, then <key>_x, <key>_y, <key>_f per method, NAN-padded. */
static int write_paths(const char *dir, const char *name, float *const *xy, float *const *f, int steps)
{
    char path[4096], file[256];
    snprintf(file, sizeof file, "%s.csv", name);
    io_file_t out;
    if (io_create(&out, io_join(path, dir, file)) != 0)
        return -1;
    fprintf(out.f, "step");
    for (int k = 0; k < N_METHODS; k++)
        fprintf(out.f, ",%s_x,%s_y,%s_f", METHOD_KEYS[k], METHOD_KEYS[k], METHOD_KEYS[k]);
    fprintf(out.f, "\n");
    for (int t = 0; t <= steps; t++) {
        fprintf(out.f, "%d", t);
        for (int k = 0; k < N_METHODS; k++)
            fprintf(out.f, ",%.7g,%.7g,%.7g", xy[k][2 * t], xy[k][2 * t + 1], f[k][t]);
        fprintf(out.f, "\n");
    }
    return io_commit(&out);
}

/* A contour plot of `fn` with two panels of paths, and a figure of the loss against the step. */
static int plot_paths(const char *dir, const char *name, const char *title, const char *fn, const char *range,
                      const char *levels, int steps)
{
    static const int panels[2][6] = {{0, 1, 2, 11, -1, -1}, {3, 4, 5, 6, 7, -1}};
    static const int panel3[4] = {8, 9, 10, -1};
    static const char *const colors[6] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
    char body[16384];
    int n = snprintf(body, sizeof body,
                     "f(x,y) = %s\nset isosamples 100,100\nset contour base\nset cntrparam levels discrete %s\n"
                     "unset surface\nset view map\nset table $cont\nsplot %s f(x,y)\nunset table\n"
                     "set datafile missing 'nan'\nset multiplot layout 1,3 title '%s'\nset size ratio -1\n"
                     "set key top left opaque font ',9'\nset xlabel 'θ_1'\nset ylabel 'θ_2'\n",
                     fn, levels, range, title);
    const char *const titles[3] = {"gradient descent, momentum, Newton", "adaptive: one step size per parameter",
                                   "Lookahead, LARS, LAMB"};
    for (int p = 0; p < 3; p++) {
        const int *list = p < 2 ? panels[p] : panel3;
        n += snprintf(body + n, sizeof body - n,
                      "set title '%s'\nplot %s $cont using (real(word(strcol(1), 1))):(real(word(strcol(1), 2))) "
                      "with lines lc rgb '#c8c8c8' notitle", titles[p],
                      range);
        for (int j = 0; list[j] >= 0; j++) {
            const char *k = METHOD_KEYS[list[j]];
            n += snprintf(body + n, sizeof body - n,
                          ", '%s.csv' using '%s_x':'%s_y' with linespoints lw 1.5 pt 7 ps 0.25 pi %d lc rgb '%s' "
                          "title '%s'",
                          name, k, k, steps > 400 ? steps / 100 : 1, colors[j], k);
        }
        n += snprintf(body + n, sizeof body - n, "\n");
    }
    snprintf(body + n, sizeof body - n, "unset multiplot\n");
    char fig[128];
    snprintf(fig, sizeof fig, "%s_paths", name);
    int rc = plot_render(dir, fig, 1500, 520, body);
    n = snprintf(body, sizeof body,
                 "set title '%s: loss against step'\nset xlabel 'step'\nset ylabel 'loss'\nset logscale y\n"
                 "set logscale x\nset format y '10^{%%T}'\nset datafile missing 'nan'\nset key outside right\n"
                 "set yrange [1e-12:*]\nplot ",
                 title);
    for (int k = 0; k < N_METHODS; k++)
        n += snprintf(body + n, sizeof body - n, /* a loss of exactly 0 (Newton) is drawn at the floor 1e-12 */
                      "%s'%s.csv' using ($1+1):(column('%s_f') < 1e-12 ? 1e-12 : column('%s_f')) with lines lw 2 "
                      "dt %d title '%s'", k ? ", " : "", name, METHOD_KEYS[k], METHOD_KEYS[k], k < 6 ? 1 : 2,
                      METHOD_KEYS[k]);
    snprintf(fig, sizeof fig, "%s_loss", name);
    return rc | plot_render(dir, fig, 900, 500, body);
}

static int run_landscape(const flags_t *f, int rosen)
{
    const int steps = rosen ? (f->quick ? 500 : 5000) : (f->quick ? 100 : 200);
    const float start[2] = {rosen ? -1.2f : -4.0f, rosen ? 1.0f : 2.0f};
    const char *name = rosen ? "rosenbrock" : "quadratic";
    method ms[N_METHODS];
    methods_for(ms, rosen);
    float *xy[N_METHODS], *fv[N_METHODS];
    printf("== %s from (%g, %g), at most %d steps, stop when the loss changes by < 1e-9 relative\n",
           rosen ? "Rosenbrock's function" : "The quadratic (kappa = 19)", start[0], start[1], steps);
    for (int k = 0; k < N_METHODS; k++) {
        xy[k] = nn_malloc((size_t)(steps + 1) * 2 * sizeof(float));
        fv[k] = nn_malloc((size_t)(steps + 1) * sizeof(float));
        path_result r = run_path(&ms[k], rosen, start, steps, xy[k], fv[k]);
        int below = -1; /* first step with loss < 1e-6 */
        for (int t = 0; t <= r.steps && below < 0; t++)
            if (fv[k][t] < 1e-6f)
                below = t;
        printf("  %-10s lr %-7g loss %.3g after %d steps%s; loss < 1e-6 %s%d\n", ms[k].label, ms[k].lr, r.final,
               r.steps, r.converged ? " (converged)" : "", below >= 0 ? "at step " : "never: ",
               below >= 0 ? below : r.steps);
    }
    int rc = write_paths(f->out, name, xy, fv, steps);
    rc |= rosen ? plot_paths(f->out, name, "Rosenbrock (1 - x)^2 + 100 (y - x^2)^2, from (-1.2, 1)",
                             "(1-x)**2 + 100*(y-x*x)**2", "[-2:2][-1:3]",
                             "0.03,0.1,0.3,1,3,10,30,100,300,1000", steps)
                : plot_paths(f->out, name, "Quadratic θ^T A θ / 2, A = [[10, 9], [9, 10]], from (-4, 2)",
                             "0.5*(10*x*x + 18*x*y + 10*y*y)", "[-5:5][-5:5]", "0.01,0.1,0.5,2,5,10,20,40,80", steps);
    for (int k = 0; k < N_METHODS; k++)
        free(xy[k]), free(fv[k]);
    printf("\n");
    return rc;
}

/* Clipping: SGD on Rosenbrock with a rate 20x too large diverges; clipped by norm it does not. */
static void run_clipping(void)
{
    const float lr = 0.02f;
    printf("== Clipping: plain SGD on Rosenbrock with lr %g (20x the rate above)\n", lr);
    for (int clip = 0; clip < 2; clip++) {
        float p[2] = {-1.2f, 1.0f}, g[2];
        double worst = 0, loss = rosen_loss(p);
        int t;
        for (t = 1; t <= 2000 && isfinite(loss) && loss < 1e30; t++) {
            rosen_grad(g, p);
            double norm = clip ? clip_by_global_norm((float *[]){g}, (size_t[]){2}, 1, 1.0f) : hypot(g[0], g[1]);
            worst = fmax(worst, norm);
            sgd_step(p, g, 2, lr);
            loss = rosen_loss(p);
        }
        if (clip)
            printf("  clipped to norm 1: loss %.3g after %d steps at (%.3f, %.3f); largest gradient norm seen %.3g\n",
                   loss, t - 1, p[0], p[1], worst);
        else
            printf("  unclipped: loss %.3g after %d steps (diverged: the gradient norm reached %.3g)\n", loss, t - 1,
                   worst);
    }
    printf("\n");
}

static int run_schedules(const flags_t *f)
{
    const long T = 1000;
    const schedule_kind_t kinds[8] = {SCHEDULE_TIME_DECAY, SCHEDULE_STEP,     SCHEDULE_EXPONENTIAL, SCHEDULE_COSINE,
                                    SCHEDULE_WARMUP,     SCHEDULE_WARMUP_COSINE, SCHEDULE_ONECYCLE, SCHEDULE_FLAT_COSINE};
    char path[4096];
    io_file_t out;
    if (io_create(&out, io_join(path, f->out, "schedules.csv")) != 0)
        return -1;
    fprintf(out.f, "step");
    for (int k = 0; k < 8; k++)
        fprintf(out.f, ",s%d", k);
    fprintf(out.f, "\n");
    for (long t = 0; t < T; t++) {
        fprintf(out.f, "%ld", t);
        for (int k = 0; k < 8; k++) {
            schedule_t s = schedule_new(kinds[k], 1.0f, T);
            fprintf(out.f, ",%.6g", schedule_lr(&s, t));
        }
        fprintf(out.f, "\n");
    }
    if (io_commit(&out) != 0)
        return -1;
    char body[8192];
    int n = snprintf(body, sizeof body, "set multiplot layout 2,4 title 'Learning-rate schedules (T = 1000 steps, "
                                        "base rate 1, schedule.h defaults)'\nset yrange [0:1.05]\nunset key\nset xtics 250\n"
                                        "set xlabel 'step'\n");
    for (int k = 0; k < 8; k++)
        n += snprintf(body + n, sizeof body - n,
                      "set title '%s'\nplot 'schedules.csv' using 'step':'s%d' with lines lw 2 lc rgb '#1f77b4'\n",
                      schedule_name(kinds[k]), k);
    snprintf(body + n, sizeof body - n, "unset multiplot\n");
    return plot_render(f->out, "schedules", 1400, 640, body);
}

/* --- Fashion-MNIST ------------------------------------------------------------------------- */

typedef struct {
    const dataset_t *train, *val;
    int batch;
    float *xb;
    int *yb, *order;
    rng_t *rng;
} feeder;

/* Gathers batch s of the current shuffled order into f->xb, f->yb; returns its size. */
static int feed(feeder *f, int s)
{
    const dataset_t *ds = f->train;
    int first = s * f->batch, b = ds->n - first < f->batch ? ds->n - first : f->batch;
    dataset_gather(f->xb, f->yb, ds, f->order + first, b);
    return b;
}

/* The learning-rate finder: SGD with momentum 0.9, rates 1e-5 .. 10 over `steps` batches. */
static int run_finder(const flags_t *f, feeder *fd, const int *sizes)
{
    const int steps = f->quick ? 40 : 300;
    rng_t r;
    rng_seed(&r, f->seed + 1);
    mlp_t m = net_new(sizes, fd->batch, &r);
    optim_t o = optim_new(OPTIM_MOMENTUM, m.n_params, 1e-5f);
    float *lrs = nn_malloc(steps * sizeof(float)), *loss = nn_malloc(steps * sizeof(float)),
          *sm = nn_malloc(steps * sizeof(float));
    const int per_epoch = (fd->train->n + fd->batch - 1) / fd->batch;
    float best = INFINITY;
    int done = 0;
    for (int i = 0; i < steps; i++) {
        if (i % per_epoch == 0)
            rng_shuffle(fd->rng, fd->order, fd->train->n);
        int b = feed(fd, i % per_epoch);
        lrs[i] = o.lr = schedule_range_lr(1e-5f, 10.0f, i, steps);
        loss[i] = mlp_loss_grad(&m, fd->xb, fd->yb, b);
        done = i + 1;
        if (!isfinite(loss[i]) || loss[i] > 4 * best) /* exploded: the sweep is over */
            break;
        best = fminf(best, loss[i]);
        chapter_step(&o, m.params, m.grads, m.tensor_sizes, m.n_tensors);
    }
    float suggest = schedule_finder_suggest(sm, lrs, loss, done);
    printf("== Learning-rate finder (SGD, momentum 0.9, %d of %d sweep steps before the loss exploded): "
           "suggested lr %.3g\n\n", done, steps, suggest);
    char path[4096];
    io_file_t out;
    int rc = io_create(&out, io_join(path, f->out, "lr_finder.csv"));
    if (rc == 0) {
        fprintf(out.f, "lr,loss,smoothed\n");
        for (int i = 0; i < done; i++)
            fprintf(out.f, "%.6g,%.6g,%.6g\n", lrs[i], loss[i], sm[i]);
        rc = io_commit(&out);
    }
    char body[2048];
    snprintf(body, sizeof body,
             "set title 'Learning-rate finder on Fashion-MNIST (SGD + momentum 0.9, batch %d)'\n"
             "set xlabel 'learning rate'\nset ylabel 'training loss'\nset logscale x\nset format x '10^{%%T}'\n"
             "set yrange [0:*]\nset arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lc rgb '#d62728'\n"
             "set key top left\nplot 'lr_finder.csv' using 'lr':'loss' with lines lc rgb '#bbbbbb' title 'loss "
             "of each batch', '' using 'lr':'smoothed' with lines lw 2 lc rgb '#1f77b4' title 'smoothed', "
             "NaN with lines dt 2 lc rgb '#d62728' title 'suggestion %.2g'\n",
             fd->batch, suggest, suggest, suggest);
    rc |= rc ? 0 : plot_render(f->out, "lr_finder", 800, 500, body);
    free(lrs), free(loss), free(sm);
    optim_free(&o);
    mlp_free(&m);
    return rc;
}

/* The comparison: the optimizers of the library, plus Lookahead around Adam. */
enum { N_CMP = 11 };
static const char *const CMP_KEYS[N_CMP] = {"sgd",   "momentum", "nesterov", "adagrad", "rmsprop", "adam",
                                            "adamw", "radam",    "lookahead", "lars",   "lamb"};
static const optim_kind_t CMP_KINDS[N_CMP] = {OPTIM_SGD,   OPTIM_MOMENTUM, OPTIM_NESTEROV, OPTIM_ADAGRAD, OPTIM_RMSPROP, OPTIM_ADAM,
                                            OPTIM_ADAMW, OPTIM_RADAM,    OPTIM_ADAM,     OPTIM_LARS,    OPTIM_LAMB};
static const float CMP_LR[N_CMP] = {0.1f, 0.02f, 0.02f, 0.01f, 1e-3f, 1e-3f, 1e-3f, 1e-3f, 1e-3f, 5.0f, 5e-3f};

typedef struct {
    double test_loss, test_acc, seconds;
} cmp_result;

/* Trains a fresh network (same initial weights for every optimizer: seeded alike) for `epochs`,
 * recording the mean training loss and the validation loss at every quarter epoch into
 * tr[q], va[q]. With `sched` it follows that schedule, and with ema_decay > 0 it keeps an EMA of
 * the weights (ema_acc gets its test accuracy). */
static cmp_result train_one(const flags_t *f, feeder *fd, const dataset_t *test, const int *sizes, optim_kind_t kind,
                            float lr, int lookahead, const schedule_t *sched, float ema_decay, int epochs, float *tr,
                            float *va, double *ema_acc)
{
    rng_t r;
    rng_seed(&r, f->seed + 1);
    rng_t shuffle;
    rng_seed(&shuffle, f->seed + 2);
    fd->rng = &shuffle;
    mlp_t m = net_new(sizes, fd->batch, &r);
    optim_t o = optim_new(kind, m.n_params, lr);
    lookahead_t la = lookahead_new(m.params, m.n_params, 5, 0.5f);
    float *shadow = nn_malloc(m.n_params * sizeof(float));
    memcpy(shadow, m.params, m.n_params * sizeof(float));
    const int steps = (fd->train->n + fd->batch - 1) / fd->batch;
    double t0 = timing_seconds(), sum = 0;
    long step = 0;
    int count = 0, q = 0;
    for (int e = 0; e < epochs; e++) {
        rng_shuffle(fd->rng, fd->order, fd->train->n);
        for (int s = 0; s < steps; s++) {
            int b = feed(fd, s);
            if (sched) /* warmup + cosine is exercise 05.5; the library has every other schedule */
                o.lr = sched->kind == SCHEDULE_WARMUP_COSINE
                           ? warmup_cosine(step, sched->total, sched->warmup, sched->lr0, sched->lr_min)
                           : schedule_lr(sched, step);
            float loss = mlp_loss_grad(&m, fd->xb, fd->yb, b);
            nn_check_finite(loss, "the training loss", step);
            chapter_step(&o, m.params, m.grads, m.tensor_sizes, m.n_tensors);
            if (lookahead)
                lookahead_step(&la, m.params);
            if (ema_decay > 0)
                ema_weights(shadow, m.params, m.n_params, ema_decay);
            sum += loss, count++, step++;
            if ((s + 1) * 4 / steps != s * 4 / steps) { /* a quarter epoch */
                double vl, vacc;
                net_evaluate(&m, m.params, fd->val, &vl, &vacc);
                tr[q] = (float)(sum / count), va[q] = (float)vl, q++;
                sum = 0, count = 0;
            }
        }
    }
    cmp_result res = {0, 0, timing_seconds() - t0};
    net_evaluate(&m, m.params, test, &res.test_loss, &res.test_acc);
    if (ema_acc) {
        double l;
        net_evaluate(&m, shadow, test, &l, ema_acc);
    }
    free(shadow);
    lookahead_free(&la);
    optim_free(&o);
    mlp_free(&m);
    return res;
}

static int run_fashion(const flags_t *f, rng_t *rng)
{
    dataset_t full, test, all, train, val;
    if (fashion_load_splits(&full, &test, f->data) != 0)
        return -1;
    /* A subset keeps eleven runs inside the minute: 10,000 training images (1,024 with --quick)
     * and 1,500 for validation, drawn at random; all 10,000 test images (1,000 with --quick). */
    const int n_train = f->quick ? 1024 : 10000, n_val = f->quick ? 500 : 1500;
    dataset_truncate(&full, n_train + n_val);
    all = full;
    dataset_split(&train, &val, &all, (float)n_train / (float)(n_train + n_val), rng);
    dataset_free(&full);
    if (f->quick)
        dataset_truncate(&test, 1000);
    const int sizes[4] = {784, 256, 128, 10}, batch = 128;
    feeder fd = {&train, &val, batch, nn_malloc((size_t)batch * 784 * sizeof(float)),
                 nn_malloc(batch * sizeof(int)), nn_malloc(train.n * sizeof(int)), rng};
    rng_iota(fd.order, train.n);
    printf("== Fashion-MNIST, 784-256-128-10 ReLU MLP, batch %d: %d training, %d validation, %d test images\n",
           batch, train.n, val.n, test.n);

    /* Gradient accumulation on a real batch: 4 x 32 against 128. */
    {
        rng_t r;
        rng_seed(&r, f->seed + 1);
        mlp_t m = net_new(sizes, batch, &r);
        rng_iota(fd.order, train.n);
        int b = feed(&fd, 0);
        mlp_loss_grad(&m, fd.xb, fd.yb, b);
        float *full_grad = nn_malloc(m.n_params * sizeof(float));
        memcpy(full_grad, m.grads, m.n_params * sizeof(float));
        float *acc = nn_malloc(m.n_params * sizeof(float));
        accumulate_gradients(&m, acc, fd.xb, fd.yb, b, 4);
        double worst = 0, scale = 0;
        for (size_t i = 0; i < m.n_params; i++)
            worst = fmax(worst, fabs(m.grads[i] - full_grad[i])), scale = fmax(scale, fabs(full_grad[i]));
        printf("gradient accumulation: 4 micro-batches of 32 vs one batch of 128: largest difference %.2g "
               "(%.2g of the largest gradient component)\n\n", worst, worst / scale);
        free(full_grad), free(acc);
        mlp_free(&m);
    }
    int rc = run_finder(f, &fd, sizes);

    const int epochs = f->epochs, quarters = 4 * epochs;
    float *tr[N_CMP], *va[N_CMP];
    printf("== %d optimizers, %d epochs each, the same initial weights and batches\n", N_CMP, epochs);
    for (int k = 0; k < N_CMP; k++) {
        tr[k] = nn_malloc(quarters * sizeof(float)), va[k] = nn_malloc(quarters * sizeof(float));
        cmp_result res = train_one(f, &fd, &test, sizes, CMP_KINDS[k], CMP_LR[k], k == 8, NULL, 0, epochs, tr[k],
                                   va[k], NULL);
        printf("  %-10s lr %-6g train loss %.4f  val loss %.4f  test acc %.4f  (%.1fs)\n", CMP_KEYS[k], CMP_LR[k],
               tr[k][quarters - 1], va[k][quarters - 1], res.test_acc, res.seconds);
    }
    char path[4096];
    csvlog_t log;
    char header[1024] = "epoch";
    for (int k = 0; k < N_CMP; k++)
        snprintf(header + strlen(header), sizeof header - strlen(header), ",%s_train,%s_val", CMP_KEYS[k],
                 CMP_KEYS[k]);
    if (csvlog_open(&log, io_join(path, f->out, "log.csv"), header) != 0)
        return -1;
    for (int q = 0; q < quarters; q++) {
        double row[1 + 2 * N_CMP];
        row[0] = (q + 1) / 4.0;
        for (int k = 0; k < N_CMP; k++)
            row[1 + 2 * k] = tr[k][q], row[2 + 2 * k] = va[k][q];
        csvlog_row(&log, row);
    }
    rc |= csvlog_close(&log);
    char body[16384];
    int n = snprintf(body, sizeof body,
                     "set multiplot layout 1,2 title 'Fashion-MNIST MLP under %d optimizers (%d training images)'\n"
                     "set xlabel 'epoch'\nset logscale y\nset key top right font ',9'\nset yrange [0.25:2.5]\n",
                     N_CMP, train.n);
    for (int side = 0; side < 2; side++) {
        n += snprintf(body + n, sizeof body - n, "set title '%s'\nset ylabel 'cross-entropy'\nplot ",
                      side ? "validation loss" : "training loss (mean over each quarter epoch)");
        for (int k = 0; k < N_CMP; k++)
            n += snprintf(body + n, sizeof body - n, "%s'log.csv' using 'epoch':'%s_%s' with linespoints pt 7 "
                          "ps 0.4 lw 2 dt %d title '%s'", k ? ", " : "", CMP_KEYS[k], side ? "val" : "train",
                          k < 5 ? 2 : 1, CMP_KEYS[k]);
        n += snprintf(body + n, sizeof body - n, "\n");
    }
    snprintf(body + n, sizeof body - n, "unset multiplot\n");
    rc |= plot_render(f->out, "loss", 1400, 560, body);

    /* Adam with warmup + cosine and an EMA of the weights, against constant-rate Adam above. */
    long total = (long)epochs * ((train.n + batch - 1) / batch);
    schedule_t s = schedule_new(SCHEDULE_WARMUP_COSINE, 2e-3f, total);
    double ema_acc;
    const float decay = total >= 200 ? 0.99f : 0.9f; /* average over about the last 1/(1 - decay) steps */
    cmp_result res = train_one(f, &fd, &test, sizes, OPTIM_ADAM, 2e-3f, 0, &s, decay, epochs, tr[0], va[0], &ema_acc);
    printf("\nAdam, warmup (%ld steps) + cosine from 2e-3 to 0: test acc %.4f; its EMA of the weights (decay %g) "
           "%.4f\n", s.warmup, res.test_acc, decay, ema_acc);
    for (int k = 0; k < N_CMP; k++)
        free(tr[k]), free(va[k]);
    free(fd.xb), free(fd.yb), free(fd.order);
    dataset_free(&train), dataset_free(&val), dataset_free(&test);
    return rc;
}

/* make bench: the median time of one adam_step over 1M parameters, and the memory traffic it
 * implies: it reads p, g, m, v and writes p, m, v, 7 x 4 bytes per parameter. */
static int run_bench(void)
{
    enum { N = 1 << 20, REPS = 101 };
    float *p = nn_malloc(N * sizeof(float)), *g = nn_malloc(N * sizeof(float));
    for (int i = 0; i < N; i++)
        p[i] = 0.01f * (float)(i % 97), g[i] = 0.001f * (float)(i % 89) - 0.04f;
    adam_t a = adam_new(N, 1e-3f);
    double t[REPS];
    adam_step(&a, p, g); /* warm the caches and page in m, v */
    for (int r = 0; r < REPS; r++) {
        double t0 = timing_seconds();
        adam_step(&a, p, g);
        t[r] = timing_seconds() - t0;
    }
    double med = timing_median(t, REPS);
    printf("bench: name=adam-1M step_s=%.6f gbs=%.2f\n", med, 28.0 * N / med / 1e9);
    adam_free(&a);
    free(p), free(g);
    return 0;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 3, .quick_epochs = 1, .seed = 1, .out = "out/05"};
    int bench = 0;
    const flags_option_t extra[] = {{"--bench", FLAGS_SWITCH, &bench, "time one Adam step over 1M parameters, print one line"}};
    int parsed = flags_parse(&f, argc, argv, "Chapter 5: optimizers on 2-D landscapes, schedules, the LR finder, and "
                                             "eleven optimizers on Fashion-MNIST.", extra, 1);
    if (parsed != 0) /* -1: a bad command line (reported), 1: --help was shown */
        return parsed < 0 ? 2 : 0;
    if (bench)
        return run_bench();
    if (io_mkdirs(f.out) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f.seed);
    double t0 = timing_seconds();
    if (run_landscape(&f, 0) != 0 || run_landscape(&f, 1) != 0)
        return 1;
    run_clipping();
    if (run_schedules(&f) != 0 || run_fashion(&f, &rng) != 0)
        return 1;
    printf("done in %.1fs; log and figures in %s/\n", timing_seconds() - t0, f.out);
    return 0;
}

#endif /* GRADING */
