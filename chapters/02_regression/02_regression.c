/*md
# Learning as optimization

Chapter 1's perceptron learned by a rule that someone thought up. This chapter replaces the
inspiration by a method that works for every model in the rest of the course: write down a
*loss*, a number that says how wrong the model is on the training data, and walk downhill on it,
step by step, in the direction of its negative *gradient*. That is gradient descent, and
"training a neural network" never means anything else.

We start where everything can be checked: *linear regression*, whose loss is a quadratic bowl
with a closed-form bottom, so gradient descent can be compared with the exact answer, and its
speed, its failures (a learning rate too large makes it explode) and the reason why scaling the
inputs matters can all be worked out on paper. Then we prepare data the way practice demands
(splits, standardization, log and rank transforms, missing values, and the leakage that creeps
in when the test set is allowed to influence any of it), measure regression models with the
usual metrics, and finally turn to classification: *logistic regression* for two classes and
*softmax regression* for ten, trained on Fashion-MNIST in mini-batches of matrix products.
Softmax regression is a one-layer neural network; chapter 3 stacks layers on top of it.

This file is the chapter; `make run CH=02` runs it, `make workbook` blanks out the seven
exercises and `make check CH=02` grades them.

**Notation.** $N$ examples (rows), $D$ features (columns), $K$ classes, $B$ examples in a
mini-batch. Bold lowercase letters are column vectors, capitals are matrices. The inputs of a
dataset form the matrix $X \in \mathbb{R}^{N \times D}$, one example $\mathbf{x}_i^\top$ per
row, stored row-major: example $i$ starts at `X + i*D`. Targets are $\mathbf{y} \in
\mathbb{R}^N$ for regression and labels $t_i \in \{0, \dots, K-1\}$ for classification.
$\eta$ is the learning rate.
*/

#include "csvlog.h"   /* the per-epoch log, out/02/log.csv */
#include "data.h"     /* dataset_t, fashion_load, dataset_select_classes, dataset_split, dataset_gather */
#include "error.h"    /* nn_error, nn_fatal, nn_malloc, nn_check_finite */
#include "course.h"   /* TODO: the student edition's exercise stubs */
#include "flags.h"    /* --epochs --seed --quick --out --data --help, plus --lr --batch --smoothing */
#include "io.h"       /* io_create/io_commit: outputs written atomically */
#include "linalg.h"   /* linalg_cholesky: the library's Cholesky (exercise 02.3 writes its own) */
#include "loss.h"     /* bce_logits_loss (logistic regression), softmax_forward */
#include "matmul.h"   /* matmul_blas(): every product with a data matrix goes through cblas_sgemm */
#include "metrics.h"  /* MSE, RMSE, MAE, R², accuracy, metrics_evaluate */
#include "plot.h"     /* gnuplot figures */
#include "prep.h"     /* splits, imputation, log and rank-Gauss transforms, finiteness checks */
#include "progress.h" /* the progress bar */
#include "timing.h"   /* timing_seconds */
#include "rng.h"      /* the explicit random number generator */
#include "schedule.h" /* SCHEDULE_LINEAR: the learning rate falling to 0 over the run */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*md
## 2.1 Linear regression and its loss

A *regression* model predicts a number. The simplest one is linear: a weighted sum of the
features plus a bias, exactly chapter 1's pre-activation without the step function,

$$
\hat{y} = \mathbf{w} \cdot \mathbf{x} + b .
$$

As in chapter 1's convergence proof, the bias disappears into the weights if every example gets
an extra feature that is always 1: with $\tilde{\mathbf{x}} = (\mathbf{x}, 1)$ and
$\tilde{\mathbf{w}} = (\mathbf{w}, b)$ we have $\hat{y} = \tilde{\mathbf{w}} \cdot
\tilde{\mathbf{x}}$. Stacking the augmented examples as rows gives the *design matrix*, and the
predictions for all $N$ examples are one matrix-vector product, $\hat{\mathbf{y}} = X\mathbf{w}$.
From here on $X$ includes the column of ones and $\mathbf{w}$ includes the bias, so $D$ counts
it too.
*/

/* out (N, D+1) = x (N, D) with a column of ones appended: the bias becomes the last weight. */
static void with_bias_column(float *out, const float *x, int n, int d)
{
    for (int i = 0; i < n; i++) {
        memcpy(out + (size_t)i * (d + 1), x + (size_t)i * d, (size_t)d * sizeof(float));
        out[(size_t)i * (d + 1) + d] = 1.0f;
    }
}

/*md
How wrong is a given $\mathbf{w}$? The *residual* of example $i$ is
$r_i = \mathbf{x}_i \cdot \mathbf{w} - y_i$, and the *mean squared error* averages their squares:

$$
L(\mathbf{w}) = \frac{1}{N} \sum_{i=1}^{N} (\mathbf{x}_i \cdot \mathbf{w} - y_i)^2
= \frac{1}{N} \lVert X\mathbf{w} - \mathbf{y} \rVert^2 .
$$

Why squares? They make every error count as positive, they punish a large error much more than
several small ones, and they make $L$ a smooth quadratic function of $\mathbf{w}$, whose gradient
is linear and whose minimum can be found exactly. (There is also a statistical reason: if the
targets are the true linear function plus Gaussian noise, minimizing the MSE is maximizing the
likelihood of the data. Section 2.7 makes the same argument for classification.)

**The gradient.** The gradient $\nabla L$ is the vector of partial derivatives
$\partial L / \partial w_j$; it points in the direction in which $L$ grows fastest. Take one
weight $w_j$: it appears in every residual, with $\partial r_i / \partial w_j = x_{ij}$, so by
the chain rule

$$
\frac{\partial L}{\partial w_j} = \frac{1}{N} \sum_{i=1}^{N} 2\, r_i\, \frac{\partial r_i}{\partial w_j}
= \frac{2}{N} \sum_{i=1}^{N} x_{ij}\, r_i = \frac{2}{N} \bigl(X^\top \mathbf{r}\bigr)_j .
$$

All $D$ components at once:

$$
\boxed{\nabla L(\mathbf{w}) = \frac{2}{N}\, X^\top (X\mathbf{w} - \mathbf{y})}
$$

The same result comes out of the matrix form
$L = \frac{1}{N}(\mathbf{w}^\top X^\top X \mathbf{w} - 2\,\mathbf{y}^\top X \mathbf{w} + \mathbf{y}^\top \mathbf{y})$
with the rules $\nabla_{\mathbf{w}} (\mathbf{w}^\top A \mathbf{w}) = 2A\mathbf{w}$ for symmetric
$A$ and $\nabla_{\mathbf{w}} (\mathbf{c}^\top \mathbf{w}) = \mathbf{c}$. Differentiating once
more gives the *Hessian*, the matrix of second derivatives, which for a quadratic is constant:

$$
H = \nabla^2 L = \frac{2}{N} X^\top X .
$$

Computationally, the gradient is two matrix-vector products, each $O(ND)$: first the residuals
$\mathbf{r} = X\mathbf{w} - \mathbf{y}$ (an $N \times D$ by $D \times 1$ product), then
$X^\top \mathbf{r}$. We do both with `matmul_blas()` from `common/matmul.h`, which hands them to
OpenBLAS's `cblas_sgemm` (a matrix-vector product is a matrix product with one column).

### Exercise 02.1 — the MSE and its gradient

Write `linreg_loss_grad`: compute the residuals into `r` ($N$ floats, $r = X\mathbf{w} - \mathbf{y}$),
the gradient $\frac{2}{N} X^\top \mathbf{r}$ into `grad` ($D$ floats), and return the MSE.
Use `matmul_blas` for both products (the second one with `trans_a = 1` and $\alpha = 2/N$, in C
`2.0f / n`: `2 / n` divides integers and gives 0), and accumulate the sum of squares in a `double`.
This is your first call of `common/matmul.h`:

```c
void matmul_blas(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A,
            const float *B, float beta, float *C);   // C = alpha op(A) op(B) + beta C
```

with `C` of shape $(M, N)$, $\mathrm{op}(A)$ of shape $(M, K)$ and $\mathrm{op}(B)$ of shape
$(K, N)$, all row-major; $\mathrm{op}(A) = A^\top$ when `trans_a` is 1 (then `A` is stored
$(K, M)$), and `beta = 0` overwrites `C`. A vector is a matrix with one column: $X\mathbf{w}$ is
$M = N_{\text{rows}}$, $N = 1$, $K = D$.
*/

/* L = 1/N ||Xw - y||^2, grad = 2/N X^T (Xw - y).
 * X: (N, D), y: (N), w: (D)  ->  grad: (D), r: (N) the residuals; returns L. */
static float linreg_loss_grad(float *grad, float *r, const float *X, const float *y, const float *w,
                              int n, int d)
{
    /* BEGIN EXERCISE 02.1 (2 points): the MSE and its gradient 2/N X^T (Xw - y) */
    matmul_blas(0, 0, n, 1, d, 1.0f, X, w, 0.0f, r); /* r = X w:  (N, 1) = (N, D) (D, 1) */
    double sum = 0;
    for (int i = 0; i < n; i++) {
        r[i] -= y[i];
        sum += (double)r[i] * r[i];
    }
    matmul_blas(1, 0, d, 1, n, 2.0f / (float)n, X, r, 0.0f, grad); /* grad = 2/N X^T r:  (D, 1) */
    return (float)(sum / n);
    /* END EXERCISE */
}

/*md
## 2.2 Gradient descent

The gradient points uphill, so a small step against it goes downhill. For a step
$-\eta \nabla L$ with a *learning rate* $\eta > 0$, the first-order Taylor expansion says

$$
L(\mathbf{w} - \eta \nabla L) \approx L(\mathbf{w}) - \eta \lVert \nabla L \rVert^2 < L(\mathbf{w}),
$$

as long as $\eta$ is small enough for the expansion to be accurate and the gradient is not zero.
*Gradient descent* just repeats this step:

$$
\mathbf{w}_{t+1} = \mathbf{w}_t - \eta\, \nabla L(\mathbf{w}_t) .
$$

**How small is small enough?** For our quadratic loss this can be answered exactly. Let
$\mathbf{w}^\ast$ be the minimum (where $\nabla L = 0$) and $\mathbf{e}_t = \mathbf{w}_t - \mathbf{w}^\ast$
the error. Because the gradient is linear, $\nabla L(\mathbf{w}_t) = H \mathbf{e}_t$, so one step
multiplies the error by a fixed matrix:

$$
\mathbf{e}_{t+1} = (I - \eta H)\, \mathbf{e}_t, \qquad \mathbf{e}_t = (I - \eta H)^t\, \mathbf{e}_0 .
$$

$H$ is symmetric with eigenvalues $\lambda_1 \ge \dots \ge \lambda_D \ge 0$ and orthonormal
eigenvectors $\mathbf{v}_k$. Written in that basis, the error's $k$-th component is multiplied by
$(1 - \eta \lambda_k)$ at every step, independently of the others. So:

* it shrinks if $|1 - \eta\lambda_k| < 1$, that is $0 < \eta < 2/\lambda_k$;
* gradient descent converges if and only if $\eta < \eta^\ast = 2 / \lambda_{\max}$;
* for $\eta > \eta^\ast$ the top component *grows* by $|1 - \eta \lambda_{\max}| > 1$ per step,
  and since the excess loss is $L(\mathbf{w}) - L(\mathbf{w}^\ast) = \tfrac12 \mathbf{e}^\top H \mathbf{e}
  = \tfrac12 \sum_k \lambda_k (\mathbf{v}_k \cdot \mathbf{e})^2$, the loss grows geometrically
  by $(\eta\lambda_{\max} - 1)^2$ per step: it *diverges*, to infinity and then to NaN;
* even with the best $\eta$, the slowest component shrinks only by
  $(\kappa - 1)/(\kappa + 1)$ per step, where $\kappa = \lambda_{\max} / \lambda_{\min}$ is the
  *condition number* of $H$: the number of steps grows in proportion to $\kappa$.

Keep these four lines in mind; sections 2.4 and 2.6 put numbers on every one of them.

A training loop has to notice divergence. A NaN does not stop a C program, it quietly spreads
through every number it touches; so we check the loss at every step and stop as soon as it is not
finite or has grown far beyond where it started (on a convex quadratic, gradient descent with a
good learning rate never increases the loss at all). Stopping is not failing: the caller records
that this learning rate diverged and at which step, and carries on.

### Exercise 02.2 — gradient descent that notices divergence

Write the loop of `linreg_gd`. Starting from the weights in `w`, for $t = 0, 1, \dots,$ `steps`:
compute the loss $L_t$ and the gradient at the current weights with `linreg_loss_grad`; store
$L_t$ in `loss_log[t]` unless `loss_log` is NULL; set `res.steps = t` and `res.loss` $= L_t$; if
$L_t$ is not finite or $L_t > $ `DIVERGED` $\cdot L_0$, set `res.diverged = 1` and stop; stop after
recording $t =$ `steps`; otherwise update $\mathbf{w} \leftarrow \mathbf{w} - \eta \nabla L$.
(So a full run records `steps + 1` losses and takes `steps` steps.)
*/

enum { DIVERGED = 1000 }; /* a loss this many times the starting loss counts as divergence */

typedef struct {
    int steps;    /* the last step t whose loss was computed */
    int diverged; /* 1 if the loss became non-finite or exceeded DIVERGED * L_0 */
    float loss;   /* L_t at that step */
} gd_result;

/* Gradient descent on the MSE from the given w.  X: (N, D), y: (N), w: (D) updated in place,
 * loss_log: (steps + 1) or NULL. */
static gd_result linreg_gd(float *w, const float *X, const float *y, int n, int d, float lr, int steps,
                           float *loss_log)
{
    float *grad = nn_malloc((size_t)d * sizeof(float)), *r = nn_malloc((size_t)n * sizeof(float));
    gd_result res = {0, 0, NAN};
    /* BEGIN EXERCISE 02.2 (2 points): gradient descent that notices divergence */
    float first = 0;
    for (int t = 0; t <= steps; t++) {
        float loss = linreg_loss_grad(grad, r, X, y, w, n, d);
        if (loss_log)
            loss_log[t] = loss;
        if (t == 0)
            first = loss;
        res.steps = t;
        res.loss = loss;
        if (!isfinite(loss) || loss > DIVERGED * first) {
            res.diverged = 1;
            break;
        }
        if (t == steps)
            break;
        for (int j = 0; j < d; j++)
            w[j] -= lr * grad[j];
    }
    /* END EXERCISE */
    free(grad);
    free(r);
    return res;
}

/*md
## 2.3 The exact answer: the normal equations

At the minimum of a smooth function the gradient vanishes. Setting
$\frac{2}{N} X^\top (X\mathbf{w} - \mathbf{y}) = 0$ gives the *normal equations*

$$
X^\top X\, \mathbf{w} = X^\top \mathbf{y},
$$

a $D \times D$ linear system. Its matrix $A = X^\top X$ is symmetric, and *positive definite* when
the columns of $X$ are linearly independent: $\mathbf{v}^\top A \mathbf{v} = \lVert X\mathbf{v} \rVert^2 > 0$
for every $\mathbf{v} \ne 0$. (The columns are dependent when a feature is a copy or a
combination of others, or when there are fewer examples than features; then the minimum is not
unique and $A$ is singular.) Then $L$ is a bowl with exactly one bottom, and gradient descent and
the normal equations must agree.

A symmetric positive definite matrix has a *Cholesky factorization* $A = L L^\top$ with $L$
lower triangular and a positive diagonal (this $L$ is a matrix, not the loss). Writing out entry
$(i, j)$, $i \ge j$, of $L L^\top$:

$$
A_{ij} = \sum_{k=1}^{j} L_{ik} L_{jk}
\quad\Longrightarrow\quad
L_{jj} = \sqrt{A_{jj} - \sum_{k<j} L_{jk}^2}, \qquad
L_{ij} = \frac{1}{L_{jj}} \Bigl(A_{ij} - \sum_{k<j} L_{ik} L_{jk}\Bigr) \quad (i > j),
$$

which computes $L$ column by column, each entry from ones already known. The number under the
square root, the *pivot*, is positive for every $j$ exactly when $A$ is positive definite, so the
factorization doubles as the test. With $L$ in hand, $A\mathbf{w} = \mathbf{b}$ becomes two
triangular systems, each solved by substitution in $O(D^2)$:

$$
L \mathbf{z} = \mathbf{b} \;\text{(forward: } z_i = (b_i - \textstyle\sum_{k<i} L_{ik} z_k) / L_{ii}),
\qquad
L^\top \mathbf{w} = \mathbf{z} \;\text{(backward: } w_i = (z_i - \textstyle\sum_{k>i} L_{ki} w_k) / L_{ii}).
$$

The whole solve costs $O(ND^2)$ to form $X^\top X$ plus $D^3/3$ for the factorization. Why
bother with gradient descent, then? Because this is the last model in the course with a closed
form: a neural network's loss has no normal equations, and for large $D$ even the $D^3$ is out of
reach. Here the closed form is what it is best at: the oracle that proves our gradient descent
right. (It is also numerically fragile: forming $X^\top X$ squares the condition number. We work
in double precision, which is enough here.)

### Exercise 02.3 — solve the normal equations by Cholesky

Write `cholesky_solve`: factor `A` ($D \times D$, row-major, symmetric) into `L` column by column
with the formulas above, then solve the two triangular systems into `x` (use `x` itself for
$\mathbf{z}$). If a pivot is not larger than $10^{-12} \cdot |A_{jj}|$ (zero up to rounding,
negative, or NaN), report it with `nn_error` and return $-1$ (set `rc`); otherwise return 0. The
message must contain the words `not positive definite` and `pivot j is v`, with the pivots
numbered like the columns in C, from 0 (the tests look for them), for example
`nn_error("<a hint>", "cholesky_solve: the %dx%d matrix is not positive definite: pivot %d is %g, expected > 0", d, d, j, s)`.
*/

/* Solve A x = b for a symmetric positive definite A.  A: (D, D), b: (D) -> x: (D).
 * Returns 0, or -1 after reporting that A is not positive definite. */
static int cholesky_solve(double *x, const double *A, const double *b, int d)
{
    double *L = nn_calloc((size_t)d * (size_t)d, sizeof(double));
    int rc = 0;
    /* BEGIN EXERCISE 02.3 (3 points): solve A x = b by Cholesky factorization */
    for (int j = 0; j < d && rc == 0; j++) {
        double s = A[j * d + j];
        for (int k = 0; k < j; k++)
            s -= L[j * d + k] * L[j * d + k];
        if (!(s > 1e-12 * fabs(A[j * d + j]))) {
            nn_error("X^T X is singular when a feature is a copy or a linear combination of others "
                     "(a constant column besides the bias, a duplicated column) or when there are "
                     "fewer examples than features: drop the redundant feature, or add a small "
                     "ridge term to the diagonal",
                     "cholesky_solve: the %dx%d matrix is not positive definite: pivot %d is %g, "
                     "expected > 0", d, d, j, s);
            rc = -1;
            break;
        }
        L[j * d + j] = sqrt(s);
        for (int i = j + 1; i < d; i++) {
            double t = A[i * d + j];
            for (int k = 0; k < j; k++)
                t -= L[i * d + k] * L[j * d + k];
            L[i * d + j] = t / L[j * d + j];
        }
    }
    if (rc == 0) {
        for (int i = 0; i < d; i++) { /* forward substitution: L z = b, z stored in x */
            double t = b[i];
            for (int k = 0; k < i; k++)
                t -= L[i * d + k] * x[k];
            x[i] = t / L[i * d + i];
        }
        for (int i = d - 1; i >= 0; i--) { /* back substitution: L^T x = z */
            double t = x[i];
            for (int k = i + 1; k < d; k++)
                t -= L[k * d + i] * x[k];
            x[i] = t / L[i * d + i];
        }
    }
    /* END EXERCISE */
    free(L);
    return rc;
}

/*md
Forming $A = X^\top X$ and $\mathbf{b} = X^\top \mathbf{y}$ is plain accumulation, done in double
precision:
*/

/* w = argmin ||Xw - y||^2 by the normal equations.  X: (N, D), y: (N) -> w: (D).  0 or -1. */
static int linreg_closed_form(float *w, const float *X, const float *y, int n, int d)
{
    double *A = nn_calloc((size_t)d * (size_t)d, sizeof(double)), *b = nn_calloc((size_t)d, sizeof(double));
    double *x = nn_calloc((size_t)d, sizeof(double));
    for (int i = 0; i < n; i++) {
        const float *xi = X + (size_t)i * d;
        for (int j = 0; j < d; j++) {
            b[j] += (double)xi[j] * y[i];
            for (int k = 0; k <= j; k++)
                A[j * d + k] += (double)xi[j] * xi[k];
        }
    }
    for (int j = 0; j < d; j++) /* the upper triangle mirrors the lower one */
        for (int k = 0; k < j; k++)
            A[k * d + j] = A[j * d + k];
    int rc = cholesky_solve(x, A, b, d);
    for (int j = 0; j < d && rc == 0; j++)
        w[j] = (float)x[j];
    free(A), free(b), free(x);
    return rc;
}

/* pred (N) = X w.  X: (N, D), w: (D). The weights must have been fitted on D columns. */
static void linreg_predict(float *pred, const float *X, int n, int d, const float *w, int w_d)
{
    if (w_d != d)
        nn_fatal("apply the model to data prepared exactly like its training data: the same features, "
                 "the same transforms, the bias column appended",
                 "linreg_predict: the model has %d weights, the data has %d columns: expected the same",
                 w_d, d);
    matmul_blas(0, 0, n, 1, d, 1.0f, X, w, 0.0f, pred);
}

/*md
### An experiment with a known answer

To see whether a method recovers the truth we have to know the truth, so we make the data
ourselves. Our synthetic "houses" have three features on very different scales, the floor area
in m² (mean 100, standard deviation 30), the number of rooms (which grows with the area, as in
real houses, so the two features are correlated), and the age in years (uniform in 0 to 80),
and a price in thousands of euros that is an exact linear function of them plus Gaussian noise:

$$
\text{price} = 3.0\,\text{area} + 12\,\text{rooms} - 0.8\,\text{age} + 40 + \varepsilon,
\qquad \varepsilon \sim \mathcal{N}(0, 15^2) .
$$

No model can predict the noise, so the best possible MSE is its variance, $15^2 = 225$.
*/

enum { HOUSE_D = 3 };
static const char *const HOUSE_FEATURES[HOUSE_D] = {"area", "rooms", "age"};
static const float TRUE_W[HOUSE_D] = {3.0f, 12.0f, -0.8f}, TRUE_B = 40.0f, NOISE_STD = 15.0f;

/* n synthetic houses: x (N, 3) = area, rooms, age; y (N) = price by the formula above. */
static void make_houses(float *x, float *y, int n, rng_t *rng)
{
    for (int i = 0; i < n; i++) {
        float area = fmaxf(20.0f, 100.0f + 30.0f * rng_normal(rng));
        float rooms = 1.0f + area / 30.0f + 0.8f * rng_normal(rng);
        float age = rng_range(rng, 0.0f, 80.0f);
        float *xi = x + (size_t)i * HOUSE_D;
        xi[0] = area, xi[1] = rooms, xi[2] = age;
        y[i] = TRUE_W[0] * area + TRUE_W[1] * rooms + TRUE_W[2] * age + TRUE_B + NOISE_STD * rng_normal(rng);
    }
}

/*md
## 2.4 Preparing the data

### Splits, and why the test set is locked away

A model is judged on data it was not fitted on, so before anything else the rows are split
three ways: a *training* set that the model is fitted on, a *validation* set that we look at
while making choices (which features, which transform, which learning rate, when to stop), and a
*test* set that is used once, at the very end, to report how the final choice does on new data.
Every decision taken while looking at a set makes the score on that set optimistic: that is
fine for validation, whose job is to be looked at, and is the reason the test set is not.

The split must be random: data files are often sorted (by date, by class, by price), and the
first 60% of a sorted file is not a sample of the whole. `prep_split` (in `common/prep.h`)
shuffles the row indices with the Fisher–Yates shuffle of chapter 1 and cuts them into three
parts; `prep_gather_rows` copies the rows of each part into a contiguous matrix. Shuffling again
at the start of every epoch, as chapter 1 did, is a different matter: it keeps mini-batches
(section 2.7) from repeating in the same order.

### Standardization

Look at the Hessian of the MSE with the features in their raw units. With the ones column
last,

$$
H = \frac{2}{N} X^\top X = 2 \begin{pmatrix} \overline{\mathbf{x}\mathbf{x}^\top} & \bar{\mathbf{x}} \\
\bar{\mathbf{x}}^\top & 1 \end{pmatrix},
$$

where bars are averages over the examples. The entry for the area is about
$2 \cdot \overline{\text{area}^2} \approx 2 \cdot 10^4$, the one for the bias 2; the eigenvalues
spread over four orders of magnitude and more, because the area column and the ones column point
in nearly the same direction (every area is about 100 times 1). A learning rate below
$2 / \lambda_{\max}$ is then far too small for the flat directions, which barely move: the
condition number $\kappa$ of section 2.2 is huge.

*Standardization* rescales every feature to mean 0 and standard deviation 1,

$$
x'_{ij} = \frac{x_{ij} - \mu_j}{\sigma_j}, \qquad
\mu_j = \frac{1}{N} \sum_i x_{ij}, \qquad
\sigma_j = \sqrt{\frac{1}{N} \sum_i (x_{ij} - \mu_j)^2},
$$

after which $\bar{\mathbf{x}}' = 0$ and $\overline{\mathbf{x}'\mathbf{x}'^\top}$ is the
*correlation matrix* of the features: $H$ becomes block diagonal, $2\,\mathrm{corr}$ and $2$, and
its condition number is that of the correlation matrix, small unless features are nearly
duplicates. The model loses nothing: a linear model on $\mathbf{x}'$ is a linear model on
$\mathbf{x}$, with $w_j = w'_j / \sigma_j$ and $b = b' - \sum_j w'_j \mu_j / \sigma_j$.

The statistics $\mu_j, \sigma_j$ are computed on the **training split only**, and the same
numbers are then used to transform the validation and test rows (and, later, any new example
the model is asked about). Section "Leakage" below shows what goes wrong otherwise. A feature
that is constant in the training set has $\sigma_j = 0$; we then leave it unscaled
($\sigma_j := 1$) rather than divide by zero.

### Exercise 02.4 — standardization statistics

Write the statistics of `standardize_fit`: for each column $j$ of the $N \times D$ matrix `x`,
the mean $\mu_j$ and the population standard deviation $\sigma_j$ (divide by $N$) as above, each
accumulated in a `double`, in two passes (first the mean, then the squared deviations from it);
if $\sigma_j < 10^{-6}$ store 1 instead. The input check before the region and the transform
`standardize_apply` below are given. The same code, returning a `prep_affine_t`, is
`prep_standardize_fit` in `common/prep.h`, which later chapters use.
*/

/* Column means and standard deviations of the training rows.  x: (N, D) -> mean, std: (D).
 * Returns 0, or -1 after reporting a NaN/Inf (impute missing values first). */
static int standardize_fit(float *mean, float *std, const float *x, int n, int d)
{
    if (prep_check_finite(x, n, d, "standardize_fit: the training rows") != 0)
        return -1;
    /* BEGIN EXERCISE 02.4 (2 points): column means and standard deviations */
    for (int j = 0; j < d; j++) {
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++)
            sum += x[(size_t)i * d + j];
        double mu = sum / n;
        for (int i = 0; i < n; i++) {
            double c = x[(size_t)i * d + j] - mu;
            sq += c * c;
        }
        double sigma = sqrt(sq / n);
        mean[j] = (float)mu;
        std[j] = sigma < 1e-6 ? 1.0f : (float)sigma;
    }
    /* END EXERCISE */
    return 0;
}

/* x (N, D) <- (x - mean) / std, column by column, with statistics from standardize_fit. */
static void standardize_apply(float *x, int n, int d, const float *mean, const float *std)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            x[(size_t)i * d + j] = (x[(size_t)i * d + j] - mean[j]) / std[j];
}

/* Weights fitted on standardized features, back in the raw units: w_j = w'_j / std_j and
 * b = b' - sum_j w'_j mean_j / std_j.  w_std, w: (D + 1), the bias last. */
static void unstandardize_weights(float *w, const float *w_std, const float *mean, const float *std, int d)
{
    double b = w_std[d];
    for (int j = 0; j < d; j++) {
        w[j] = w_std[j] / std[j];
        b -= (double)w_std[j] * mean[j] / std[j];
    }
    w[d] = (float)b;
}

/*md
**Min-max scaling** is the other common rescaling: $x' = (x - \min_j) / (\max_j - \min_j)$,
with the minimum and maximum of the training column, maps the training values into $[0, 1]$
(`prep_minmax_fit`). It is what `fashion_load` already does to pixels, dividing by 255: pixels
have a known, fixed range. For measurements without one it is at the mercy of a single extreme
value, which squeezes all the others into a sliver of the interval; standardization is the safer
default.

How much does standardization buy? The experiment below runs gradient descent on the house data
twice, on raw and on standardized features, each with the learning rate $0.9 \cdot 2 /
\lambda_{\max}$ of its own Hessian (so both are as fast as they can be without diverging), and
records the *excess loss* $L(\mathbf{w}_t) - L(\mathbf{w}^\ast)$ against the closed-form
optimum. On a logarithmic axis, the geometric convergence of section 2.2 is a straight line whose
slope is set by $\kappa$.

![Gradient descent on raw and standardized features: excess loss per step (log scale).](out/02/standardization.svg)

In our run (600 training houses), $\kappa$ is $2.2 \cdot 10^{5}$ on the raw features and 8.2
after standardization. Section 2.2 predicts the standardized run: with $\eta = 1.8/\lambda_{\max}$
the component along eigenvalue $\lambda_k$ is multiplied by $1 - 1.8\,\lambda_k/\lambda_{\max}$
per step, which is $1 - 1.8/\kappa = 0.78$ for the smallest eigenvalue and $1 - 1.8 = -0.80$ for the
largest. The worst of them, $\max(|1 - \eta\lambda_{\min}|, |1 - \eta\lambda_{\max}|) = 0.80$, bounds
the error's shrinking, and the excess loss shrinks at least by $0.80^2 = 0.64$ per step. Going from
147,000 down to $10^{-4}$ (where a float loss near 225 stops resolving differences) then takes at
most $\ln(1.5 \cdot 10^9) / -\ln 0.64 \approx 47$ steps. The run takes about 42: fewer, because the
bound assumes all of the excess sits in the slowest component, and it does not. Raw, after 300
steps the excess loss is still 246: the direction of the area was fitted in a few steps, the slow
ones (the bias, tangled with the area's mean) shrink by $1 - 1.8/\kappa$ per step, so their
excess loss falls by a factor $e$ only every $\kappa/3.6 \approx 6 \cdot 10^4$ steps, and reaching
$10^{-4}$ from 246 would take $\ln(2.5 \cdot 10^6) \cdot \kappa/3.6 \approx 9 \cdot 10^5$ steps. Both
runs minimize the same function of the same data.

Did we recover the truth? The standardized weights, mapped back to raw units with the formulas
above, against the closed form on the raw features and the weights that generated the data:

| | area | rooms | age | bias |
|---|---|---|---|---|
| true | 3.000 | 12.000 | −0.800 | 40.000 |
| closed form (normal equations, raw features) | 3.013 | 11.958 | −0.788 | 39.016 |
| gradient descent (standardized, mapped back) | 3.013 | 11.958 | −0.788 | 39.016 |

Gradient descent and the normal equations agree to every printed digit. Both miss the truth by
what the noise allows: with 600 houses and $\sigma = 15$, the area's weight is determined to about
$\pm 0.03$, and the bias, an extrapolation to a house of zero m², to several units. On the 200
test houses the model's RMSE is 15.45, against the noise's 15, and $R^2 = 0.976$: it has found
everything there was to find.

To find $\lambda_{\max}$ and $\lambda_{\min}$ of $H$ we use *power iteration*: multiplying any
starting vector by $H$ over and over stretches its component along the top eigenvector the most,
so the normalized vector converges to $\mathbf{v}_1$ and the stretch factor to $\lambda_{\max}$.
Multiplying by $H^{-1}$ instead (solving with exercise 02.3's Cholesky) finds $1/\lambda_{\min}$
the same way.
*/

/* Largest eigenvalue of the symmetric positive definite A (D, D) by power iteration, or of its
 * inverse (inverse = 1: each step solves A v' = v instead of multiplying, with the library's
 * Cholesky factor of A computed once). 0 if A is not positive definite (reported). */
static double power_iteration(const double *A, int d, int inverse, int iters)
{
    double *v = nn_malloc((size_t)d * sizeof(double)), *av = nn_malloc((size_t)d * sizeof(double));
    double *L = inverse ? nn_malloc((size_t)d * d * sizeof(double)) : NULL;
    double lambda = 0;
    if (inverse && linalg_cholesky(L, A, d) != 0)
        iters = 0;
    for (int j = 0; j < d; j++)
        v[j] = 1.0 / sqrt(d) * (1 + 0.1 * j); /* any start with a component along every eigenvector */
    for (int it = 0; it < iters; it++) {
        if (inverse) {
            linalg_cholesky_solve_factor(av, L, v, d, 1);
        } else {
            for (int i = 0; i < d; i++) {
                av[i] = 0;
                for (int j = 0; j < d; j++)
                    av[i] += A[i * d + j] * v[j];
            }
        }
        double norm = 0;
        for (int j = 0; j < d; j++)
            norm += av[j] * av[j];
        norm = sqrt(norm);
        lambda = norm; /* v has unit length, so |A v| -> lambda as v -> the top eigenvector */
        for (int j = 0; j < d; j++)
            v[j] = av[j] / norm;
    }
    free(v), free(av), free(L);
    return lambda;
}

/* The Hessian H = 2/N X^T X of the MSE, in double.  X: (N, D) -> H: (D, D). */
static void mse_hessian(double *H, const float *X, int n, int d)
{
    memset(H, 0, (size_t)d * (size_t)d * sizeof(double));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            for (int k = 0; k < d; k++)
                H[j * d + k] += 2.0 * X[(size_t)i * d + j] * X[(size_t)i * d + k] / n;
}

/*md
### Transforms for skewed features, and missing values

Real data is rarely as tidy as our first houses. Three things go wrong often enough to deserve a
name, and our second synthetic dataset, the *messy houses*, has all three:

* **Skewed features.** The floor area of real houses is *log-normal*: most are modest, a few are
  huge, and the histogram has a long right tail. The distance to the city centre is similar
  (exponential here). A linear model on such a feature is dominated by the few extreme rows, and
  often the target depends on the *logarithm* anyway: a 10 m² extension adds more to a studio's
  price than to a mansion's. The messy price is
  $120 \log(1 + \text{area}) + 8\,\text{rooms} - 0.9\,\text{age} - 40 \log(1 + \text{distance}) - 180 + \varepsilon$,
  with $\varepsilon \sim \mathcal{N}(0, 20^2)$.
* The **log transform** $x' = \log(1 + x)$ (`prep_log1p`) turns multiplicative spread into
  additive spread and pulls the tail in; the $+1$ keeps zero at zero and avoids $\log 0$. It is
  defined for $x > -1$ only, so it must come before any centring.
* The **rank-Gauss transform** (`prep_rankgauss_fit/apply`) does not ask which transform a
  feature needs. It replaces every value by its rank among the training values of its column,
  turned into a quantile of the standard normal distribution:
  $x' = \Phi^{-1}\bigl((\mathrm{rank}(x) + \tfrac12) / N\bigr)$, where $\Phi$ is the normal
  cumulative distribution function. Any continuous distribution comes out approximately
  $\mathcal{N}(0, 1)$, and because it is monotone the order of the values is kept. For a
  log-normal feature the result is, up to sampling noise, exactly its standardized logarithm: the
  logarithm of a log-normal variable is normal, and the rank transform cannot tell monotone
  transforms of a feature apart. The price is that it also straightens relationships that were
  linear to begin with, and values beyond the training range all map to the outermost quantile.
* **Missing values.** 20% of the messy ages are unknown, stored as NaN. Arithmetic on a NaN gives
  NaN, so a single missing value in a column turns its mean, every prediction that uses it, the
  loss and finally every weight into NaN. *Imputation* replaces each missing value by a statistic
  of the observed training values of its column, the mean or, for skewed columns, the median
  (`prep_impute_fit/apply`). It is the crudest remedy there is, but it is honest as long as
  values go missing at random; adding a 0/1 "was missing" feature lets the model learn if they
  do not.

And everything that consumes inputs checks them: `prep_check_finite` refuses a matrix with a NaN
or an infinity and names the first row and column, `standardize_fit` calls it before computing
anything, and the training loops check every loss with `nn_check_finite`.
*/

enum { MESSY_D = 4, MESSY_AREA = 0, MESSY_ROOMS = 1, MESSY_AGE = 2, MESSY_DIST = 3 };
static const float MISSING_AGE = 0.2f;

/* n messy houses: x (N, 4) = area (log-normal), rooms, age (20% NaN), distance (exponential). */
static void make_messy_houses(float *x, float *y, int n, rng_t *rng)
{
    for (int i = 0; i < n; i++) {
        float area = 90.0f * expf(0.45f * rng_normal(rng));
        float rooms = 1.0f + area / 30.0f + 0.8f * rng_normal(rng);
        float age = rng_range(rng, 0.0f, 80.0f);
        float dist = -6.0f * logf(1.0f - rng_uniform(rng)); /* exponential with mean 6 km */
        y[i] = 120.0f * log1pf(area) + 8.0f * rooms - 0.9f * age - 40.0f * log1pf(dist) - 180.0f +
               20.0f * rng_normal(rng);
        float *xi = x + (size_t)i * MESSY_D;
        xi[MESSY_AREA] = area, xi[MESSY_ROOMS] = rooms, xi[MESSY_DIST] = dist;
        xi[MESSY_AGE] = rng_uniform(rng) < MISSING_AGE ? NAN : age;
    }
}

/*md
A *pipeline* is the sequence of fitted transforms between the raw columns and the model. We
compare three, each fitted on the training rows and applied to all splits: impute then
standardize (*raw*); impute, log-transform the area and the distance, then standardize (*log*);
impute then rank-Gauss every column (*rank-Gauss*). The validation set picks the winner; only
the winner's test score is reported.
*/

typedef enum { PIPE_RAW, PIPE_LOG, PIPE_RANKGAUSS, PIPE_COUNT } pipe_kind;
static const char *const PIPE_NAMES[PIPE_COUNT] = {"raw", "log", "rank-Gauss"};

typedef struct {
    pipe_kind kind;
    prep_imputer_t imputer;
    prep_rankgauss_t rankgauss;
    float mean[MESSY_D], std[MESSY_D];
} pipeline;

/* The transforms of kind p->kind after imputation, applied in place to x (N, 4). Returns 0, or
 * -1 after a transform reported that it cannot apply (a value <= -1 for the log). */
static int pipeline_transform(const pipeline *p, float *x, int n)
{
    if (p->kind == PIPE_LOG &&
        (prep_log1p(x, n, MESSY_D, MESSY_AREA) != 0 || prep_log1p(x, n, MESSY_D, MESSY_DIST) != 0))
        return -1;
    if (p->kind == PIPE_RANKGAUSS)
        return prep_rankgauss_apply(&p->rankgauss, x, n, MESSY_D);
    standardize_apply(x, n, MESSY_D, p->mean, p->std);
    return 0;
}

/* Fit every step on the training rows x (N, 4) (a copy is transformed step by step, each step
 * fitted on the output of the previous one). Returns 0 or -1. */
static int pipeline_fit(pipeline *p, pipe_kind kind, const float *x, int n)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    float *tmp = nn_malloc((size_t)n * MESSY_D * sizeof(float));
    memcpy(tmp, x, (size_t)n * MESSY_D * sizeof(float));
    int rc = prep_impute_fit(&p->imputer, tmp, n, MESSY_D, PREP_MEAN);
    if (rc == 0)
        rc = prep_impute_apply(&p->imputer, tmp, n, MESSY_D) < 0 ? -1 : 0;
    if (rc == 0) {
        if (kind == PIPE_LOG)
            rc = prep_log1p(tmp, n, MESSY_D, MESSY_AREA) | prep_log1p(tmp, n, MESSY_D, MESSY_DIST);
        if (rc == 0)
            rc = kind == PIPE_RANKGAUSS ? prep_rankgauss_fit(&p->rankgauss, tmp, n, MESSY_D)
                                        : standardize_fit(p->mean, p->std, tmp, n, MESSY_D);
    }
    free(tmp);
    return rc;
}

/* Apply the fitted pipeline: x (N, 4) raw -> out (N, 5) transformed, with the bias column.
 * Returns 0, or -1 after a step reported why it cannot apply. */
static int pipeline_apply(const pipeline *p, float *out, const float *x, int n)
{
    float *tmp = nn_malloc((size_t)n * MESSY_D * sizeof(float));
    memcpy(tmp, x, (size_t)n * MESSY_D * sizeof(float));
    int rc = prep_impute_apply(&p->imputer, tmp, n, MESSY_D) < 0 ? -1 : pipeline_transform(p, tmp, n);
    if (rc == 0)
        with_bias_column(out, tmp, n, MESSY_D);
    free(tmp);
    return rc;
}

static void pipeline_free(pipeline *p)
{
    prep_imputer_free(&p->imputer);
    prep_rankgauss_free(&p->rankgauss);
}

/*md
### Leakage

*Leakage* is information from the validation or test rows reaching the model through a door
other than its training data, so that the scores measured on those rows come out better than
what the model will do on new data. Fitting a transform on all rows is the classic door: the
test rows then take part in computing the means, the ranges, the imputed values.

How much harm does it do? The honest answer depends on the statistic, and our run shows both
extremes. Refitting the *log* pipeline's imputer and scaler on all 1000 messy houses instead of
the 600 training ones changed the test RMSE from 21.154 to 21.153: nothing. That is no accident: a
linear model solved exactly is blind to any per-column shift and scale (the weights absorb them,
as in section 2.4), so only the imputed age moved, by a fraction of a year. This is why leakage
goes unnoticed: most of the time it is small.

Now a statistic that looks at the target. With few examples and many candidate features, a
natural pipeline first keeps the features most correlated with the target, then fits the model.
Take 100 examples with 1000 features and a target that are all independent noise, so that no
model can predict anything, and keep the 10 features with the largest correlation. Chosen on the
50 training rows only, the fitted model gets a test $R^2$ of $-0.42$ (averaged over 20 random
datasets): worse than predicting the mean, as it should be for pure noise fitted with 11
parameters on 50 rows. Chosen on all 100 rows (the test rows included), the same procedure
reports a test $R^2$ of $+0.17$: a model that "explains 17% of the variance" of noise, and looks
0.6 better than it is. The test rows picked the features that happen to fit the test rows. This is the "wrong way to do
cross-validation" of Hastie, Tibshirani and Friedman (*The Elements of Statistical Learning*,
section 7.10.2), and it is common in published work. The rule that prevents it is the one
`prep.h` is built around: **every statistic is fitted on the training split, then applied**.
*/

/* |correlation| of column j of x (rows `rows`, D columns) with y, for every j -> score (D). */
static void abs_correlations(double *score, const float *x, const float *y, const int *rows, int n, int d)
{
    double my = 0;
    for (int i = 0; i < n; i++)
        my += y[rows[i]];
    my /= n;
    for (int j = 0; j < d; j++) {
        double mx = 0, sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
            mx += x[(size_t)rows[i] * d + j];
        mx /= n;
        for (int i = 0; i < n; i++) {
            double a = x[(size_t)rows[i] * d + j] - mx, b = y[rows[i]] - my;
            sxy += a * b, sxx += a * a, syy += b * b;
        }
        score[j] = fabs(sxy) / sqrt(sxx * syy + 1e-300);
    }
}

/* Test R² of a linear model on the k features most correlated with y, the features chosen on
 * the training rows (leaky = 0) or on all rows (leaky = 1). x: (2M, P) pure noise, y: (2M),
 * rows 0..M-1 train, M..2M-1 test. */
static double selection_r2(const float *x, const float *y, int m, int p, int k, int leaky)
{
    int *rows = nn_malloc(2 * (size_t)m * sizeof(int)), *keep = nn_malloc((size_t)k * sizeof(int));
    double *score = nn_malloc((size_t)p * sizeof(double));
    rng_iota(rows, 2 * m);
    abs_correlations(score, x, y, rows, leaky ? 2 * m : m, p);
    for (int c = 0; c < k; c++) { /* k times: take the best remaining feature */
        int best = 0;
        for (int j = 1; j < p; j++)
            if (score[j] > score[best])
                best = j;
        keep[c] = best;
        score[best] = -1;
    }
    float *xs = nn_malloc(2 * (size_t)m * (size_t)(k + 1) * sizeof(float));
    for (int i = 0; i < 2 * m; i++) {
        for (int c = 0; c < k; c++)
            xs[(size_t)i * (k + 1) + c] = x[(size_t)i * p + keep[c]];
        xs[(size_t)i * (k + 1) + k] = 1.0f;
    }
    float *w = nn_malloc((size_t)(k + 1) * sizeof(float)), *pred = nn_malloc((size_t)m * sizeof(float));
    double r2 = NAN;
    if (linreg_closed_form(w, xs, y, m, k + 1) == 0) {
        linreg_predict(pred, xs + (size_t)m * (k + 1), m, k + 1, w, k + 1);
        r2 = metrics_r2(pred, y + m, (size_t)m);
    }
    free(rows), free(keep), free(score), free(xs), free(w), free(pred);
    return r2;
}

/*md
## 2.5 Measuring a regression model

The training loss is one number for the optimizer; people want numbers that mean something.
`common/metrics.h` computes four, for predictions $\hat y_i$ and targets $y_i$:

* the **MSE** $\frac1N \sum_i (\hat y_i - y_i)^2$, the loss itself, in squared units (k€²);
* the **RMSE** $\sqrt{\text{MSE}}$, back in the units of the target: "typically off by about
  this much", weighted towards the large errors;
* the **MAE** $\frac1N \sum_i |\hat y_i - y_i|$, the mean absolute error or *L1* error: every
  euro of error counts the same, so a few wild predictions move it less than the RMSE. (Minimizing
  it instead of the MSE would fit the conditional *median* instead of the mean.) For Gaussian
  errors, MAE $\approx 0.8 \cdot$ RMSE; a much smaller ratio signals a few large errors;
* the **coefficient of determination**
  $R^2 = 1 - \sum_i (\hat y_i - y_i)^2 / \sum_i (y_i - \bar y)^2$, the fraction of the target's
  variance that the model explains. The denominator is the squared error of the model that always
  predicts the mean $\bar y$, so $R^2 = 0$ is "no better than the mean", $1$ is perfect, and a
  negative $R^2$ (possible on data the model was not fitted on) is worse than the mean. It has no
  units, so it compares across datasets; its flaw is that it depends on how spread out the targets
  happen to be.

On the messy houses' test set the three pipelines score as follows (`make run CH=02`; the noise
alone, $\sigma = 20$, bounds the RMSE from below):

| pipeline | val. $R^2$ | test RMSE | test MAE | test $R^2$ |
|---|---|---|---|---|
| raw: impute, standardize | 0.812 | 30.15 | 22.59 | 0.841 |
| log: impute, log(area, distance), standardize | 0.918 | 21.15 | 16.47 | 0.922 |
| rank-Gauss: impute, rank-Gauss | 0.910 | 23.63 | 18.66 | 0.902 |

The validation set picks the log pipeline, and its test score (RMSE 21.15, close to the noise
floor of 20) is the one to report. Rank-Gauss, which was told nothing about logarithms, comes
close. The raw pipeline loses because a straight line in the raw area and distance cannot
follow the bend of their logarithms: in the figure, its predictions (red) scatter more widely
around the diagonal, most visibly at both ends of the price range, where the curvature of the
logarithm matters most.

![Predicted against true price on the test set, for the raw and the log pipeline.](out/02/fit.svg)
*/

/*md
## 2.6 When the learning rate is too large

Back to the clean houses, standardized. Section 2.2 predicted that gradient descent converges
for $\eta < \eta^\ast = 2 / \lambda_{\max}$ and diverges above it, with the loss growing by
$(\eta\lambda_{\max} - 1)^2$ per step. In our run $\lambda_{\max} = 3.58$, so
$\eta^\ast = 0.558$. The figure runs 100 steps with five learning rates, from
$0.05\,\eta^\ast$ to $1.1\,\eta^\ast$:

![Gradient descent with five learning rates on the standardized houses (log scale): the largest one diverges.](out/02/lr_divergence.svg)

The small rates crawl; $0.5\,\eta^\ast = 1/\lambda_{\max}$ is the fastest (it removes the top
component in one step); $0.95\,\eta^\ast$ still converges but the top component flips sign at
every step, shrinking by only 0.9 each time; and $1.1\,\eta^\ast$, after a first dip (its other
components still shrink), grows by $(1.1 \cdot 2 - 1)^2 = 1.44$ per step, exactly the slope of the
line, until `linreg_gd` stops it
at step 27, when the loss passes 1000 times its start. Nothing crashed: the divergence was caught,
recorded in `lr.csv`, and the program went on. Had it not been caught, the loss would have
overflowed to infinity after about 220 steps and then turned into NaN.
*/

/*md
## 2.7 Classification: logistic regression

Now the targets are classes. For two classes, $t \in \{0, 1\}$, we want the model to output a
probability $p = P(t = 1 \mid \mathbf{x})$. A linear score $z = \mathbf{w} \cdot \mathbf{x} + b$
(the *logit*) can be any real number; chapter 1's sigmoid squashes it into $(0, 1)$:

$$
p = \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \sigma'(z) = \sigma(z)\,(1 - \sigma(z)) .
$$

(The derivative: $\sigma' = e^{-z} / (1 + e^{-z})^2 = \sigma \cdot \frac{e^{-z}}{1 + e^{-z}} = \sigma (1 - \sigma)$.)

**The loss is the negative log-likelihood.** The model says example $i$ has label 1 with
probability $p_i$ and label 0 with probability $1 - p_i$, which is $p_i^{t_i} (1 - p_i)^{1 - t_i}$
for either case. The likelihood of the whole training set is the product over examples; we
maximize its logarithm, or minimize its negative, averaged:

$$
L = -\frac{1}{N} \sum_i \bigl[ t_i \log p_i + (1 - t_i) \log (1 - p_i) \bigr],
$$

the *binary cross-entropy*. Its derivative with respect to the logit is the reason everyone uses
it. By the chain rule, for one example,

$$
\frac{\partial \ell}{\partial z} = \frac{\partial \ell}{\partial p} \cdot \sigma'(z)
= \Bigl(-\frac{t}{p} + \frac{1 - t}{1 - p}\Bigr)\, p(1 - p) = -t(1 - p) + (1 - t) p = p - t .
$$

The prediction minus the target, as for the MSE: the sigmoid's flat tails, which would make the
gradient vanish under a squared loss, cancel out exactly. With $\mathbf{dz} = (\mathbf{p} - \mathbf{t}) / B$
for a batch of $B$ examples (the $1/B$ from the mean), the chain rule through $z_i = \mathbf{x}_i
\cdot \mathbf{w} + b$ gives the parameter gradients

$$
\nabla_{\mathbf{w}} L = X^\top \mathbf{dz}, \qquad \frac{\partial L}{\partial b} = \sum_i dz_i .
$$

**Computing it stably.** $\log \sigma(z)$ computed as written overflows $e^{-z}$ for $z < -88$
in float and takes $\log 0$ when $\sigma$ rounds to 0 or 1. Using $\log \sigma(z) = -\log(1 + e^{-z})$
and $\log(1 - \sigma(z)) = -\log(1 + e^{z})$, the per-example loss is
$\ell = \mathrm{softplus}(z) - t z$ with $\mathrm{softplus}(z) = \log(1 + e^z)$, computed as
$z + \log(1 + e^{-z})$ for $z > 0$: no overflow, no $\log 0$. That is `bce_logits_loss` in
`common/loss.c`, which takes logits and returns both the loss and $\mathbf{dz}$.

**Mini-batches.** Computing the gradient over all $N$ examples for every step is wasteful when
the examples are many and similar: the average over a random *mini-batch* of $B$ examples is an
unbiased estimate of the full gradient at $1/(N/B)$ of the cost, and its noise does no harm as
long as $\eta$ is moderate. This is *stochastic gradient descent* (SGD); chapter 1's perceptron
was the $B = 1$ case. An *epoch* is one pass over the shuffled training set in batches. The batch
is gathered into a contiguous $B \times D$ matrix so that the logits of the whole batch are one
matrix product, and so is the weight gradient: no loop over examples in C.

### Exercise 02.5 — a mini-batch step of logistic regression

Write `logreg_step`: the logits $\mathbf{z} = X_b \mathbf{w} + b$ of the batch `xb` ($B \times D$)
into `z` with one `matmul_blas` (then add the bias), the mean loss and $\mathbf{dz}$ with
`bce_logits_loss`, then the update $\mathbf{w} \leftarrow \mathbf{w} - \eta X_b^\top \mathbf{dz}$
(one `matmul_blas` with `trans_a = 1`, `alpha` $= -\eta$ and `beta = 1`, which adds the step to the
weights in place) and $b \leftarrow b - \eta \sum_i dz_i$. Return the loss (before the step).
*/

typedef struct {
    int d;
    float *w; /* (D) */
    float b;
} logreg;

/* One SGD step on a batch.  xb: (B, D), tb: (B) targets 0/1 -> z, dz: (B) scratch; returns L. */
static float logreg_step(logreg *m, const float *xb, const float *tb, int B, float lr, float *z, float *dz)
{
    /* BEGIN EXERCISE 02.5 (2 points): a mini-batch step of logistic regression */
    matmul_blas(0, 0, B, 1, m->d, 1.0f, xb, m->w, 0.0f, z); /* z = xb w: (B, 1) */
    for (int i = 0; i < B; i++)
        z[i] += m->b;
    float loss = bce_logits_loss(dz, z, tb, B);
    matmul_blas(1, 0, m->d, 1, B, -lr, xb, dz, 1.0f, m->w); /* w += -lr xb^T dz */
    float db = 0;
    for (int i = 0; i < B; i++)
        db += dz[i];
    m->b -= lr * db;
    return loss;
    /* END EXERCISE */
}

/*md
## 2.8 Ten classes: softmax regression

For $K$ classes the model computes $K$ logits, one linear score per class,
$\mathbf{z} = W^\top \mathbf{x} + \mathbf{b}$ with $W \in \mathbb{R}^{D \times K}$; for a batch,
$Z = XW + \mathbf{1}\mathbf{b}^\top$, a $(B, D) \times (D, K)$ matrix product. The *softmax* turns
logits into a probability distribution over the classes:

$$
p_k = \mathrm{softmax}(\mathbf{z})_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}} .
$$

Every $p_k$ is positive and they sum to 1; a larger logit gets a larger share; and adding the
same constant to every logit changes nothing (it multiplies numerator and denominator by the same
$e^c$). For $K = 2$ it is the sigmoid of $z_1 - z_0$, so this generalizes logistic regression.

**Cross-entropy.** As before, the loss is the negative log-probability of the correct class $t$:

$$
\ell = -\log p_t = -z_t + \log \sum_j e^{z_j} = \mathrm{lse}(\mathbf{z}) - z_t,
$$

with the *log-sum-exp* $\mathrm{lse}(\mathbf{z}) = \log \sum_j e^{z_j}$. Its gradient is again
prediction minus target: $\partial\, \mathrm{lse} / \partial z_k = e^{z_k} / \sum_j e^{z_j} = p_k$,
so

$$
\frac{\partial \ell}{\partial z_k} = p_k - [k = t], \qquad
\mathbf{dz} = \mathbf{p} - \mathrm{onehot}(t) .
$$

**Computing it stably.** $e^{z}$ overflows float for $z > 88.7$, and for very negative logits
every $e^{z_j}$ underflows to 0, making the naive $\log(e^{z_t} / \sum_j e^{z_j})$ a $\log(0/0)$.
The shift invariance is the cure: with $m = \max_j z_j$,

$$
\mathrm{lse}(\mathbf{z}) = m + \log \sum_j e^{z_j - m} ,
$$

where every exponent is $\le 0$ (no overflow) and the largest term is $e^0 = 1$, so the sum is
at least 1 (no $\log 0$). The log-probabilities are $\log p_k = z_k - \mathrm{lse}(\mathbf{z})$:
we never compute $p$ and then its logarithm, we compute the *log-softmax* directly. A logit of
1000 is then as harmless as a logit of 1.

**Label smoothing.** The cross-entropy with a one-hot target keeps pushing the correct logit
up and the others down forever: $p_t = 1$ is reached only at infinite logits. With a linear model
on separable-ish data the weights grow without bound, and the model becomes certain of
everything, including its mistakes. *Label smoothing* (Szegedy et al. 2016) trains towards the
softened target

$$
q_k = (1 - \varepsilon)\,[k = t] + \frac{\varepsilon}{K},
$$

which keeps $\varepsilon$ of the probability mass spread over all classes ($\varepsilon = 0.1$ is
typical). The loss becomes $\ell = -\sum_k q_k \log p_k = \mathrm{lse}(\mathbf{z}) - \sum_k q_k z_k$
(because $\sum_k q_k = 1$), minimized at the finite point $\mathbf{p} = \mathbf{q}$, and the
gradient is still prediction minus target:

$$
\frac{\partial \ell}{\partial z_k} = p_k - q_k .
$$

Over a batch the loss is the mean over rows, so each row's gradient carries a factor $1/B$.
(PyTorch's `cross_entropy(..., label_smoothing=eps)` uses the same $q$; our tests compare against
it.)

### Exercise 02.6 — stable log-softmax cross-entropy with label smoothing

Write `softmax_ce_smooth` for logits `z` ($B \times K$) and labels in $[0, K)$: for each row, the
maximum $m$, then $\mathrm{lse} = m + \log \sum_k e^{z_k - m}$ (accumulate in `double`), the row
loss $\mathrm{lse} - \sum_k q_k z_k$ with $q$ as above, and, if `dz` is not NULL,
$dz_k = (e^{z_k - \mathrm{lse}} - q_k) / B$. Return the mean loss over the rows. (The label
check before the region is given.) The same code is `softmax_cross_entropy_smooth` in
`common/loss.c`, which later chapters call.
*/

/* Stops with a clear message if a label is outside [0, K).  labels: (B). */
static void check_labels(const char *fn, const int *labels, int B, int K)
{
    for (int b = 0; b < B; b++)
        if (labels[b] < 0 || labels[b] >= K)
            nn_fatal("labels index the K columns of the logits: are the labels 0-based, and is K the "
                     "number of classes of this dataset?",
                     "%s: labels[%d] is %d: expected 0 .. %d", fn, b, labels[b], K - 1);
}

/* Mean cross-entropy of softmax(z) against the smoothed targets q.  z: (B, K), labels: (B)
 * -> dz: (B, K) (may be NULL) = (softmax(z) - q) / B; returns L. */
static float softmax_ce_smooth(float *dz, const float *z, const int *labels, int B, int K, float eps)
{
    check_labels("softmax_ce_smooth", labels, B, K);
    /* BEGIN EXERCISE 02.6 (3 points): stable log-softmax cross-entropy with label smoothing */
    double total = 0;
    for (int b = 0; b < B; b++) {
        const float *zb = z + (size_t)b * K;
        float m = zb[0];
        for (int k = 1; k < K; k++)
            m = fmaxf(m, zb[k]);
        double sum = 0;
        for (int k = 0; k < K; k++)
            sum += exp((double)zb[k] - m);
        double lse = m + log(sum), qz = 0;
        for (int k = 0; k < K; k++) {
            double q = (1.0 - eps) * (k == labels[b]) + (double)eps / K;
            qz += q * zb[k];
            if (dz)
                dz[(size_t)b * K + k] = (float)((exp(zb[k] - lse) - q) / B);
        }
        total += lse - qz;
    }
    return (float)(total / B);
    /* END EXERCISE */
}

/*md
**The parameter gradients** follow from $z_{bk} = \sum_j x_{bj} W_{jk} + b_k$ by the chain rule,
exactly as for logistic regression but with $K$ columns: $W_{jk}$ touches the logit of class $k$
of every example, with coefficient $x_{bj}$, and $b_k$ touches it with coefficient 1:

$$
\frac{\partial L}{\partial W_{jk}} = \sum_b x_{bj}\, dz_{bk}
\;\Longrightarrow\; \nabla_W L = X^\top \mathbf{dZ} \;\; (D \times K), \qquad
\nabla_{\mathbf{b}} L = \mathbf{1}^\top \mathbf{dZ} \;\; \text{(column sums)}.
$$

The forward product $XW$ and the backward product $X^\top \mathbf{dZ}$ each cost $2BDK$
floating-point operations, and they are the whole cost of a step. This pair, *linear forward*
and *linear backward*, is the layer that chapter 3 stacks into a network.

### Exercise 02.7 — a mini-batch step of softmax regression

Write `softreg_step`: fill every row of `z` ($B \times K$) with the bias, add $X_b W$ with one
`matmul_blas` (`beta = 1`), compute the loss and $\mathbf{dZ}$ with `softmax_ce_smooth` (smoothing
`eps`), subtract $\eta$ times the column sums of $\mathbf{dZ}$ from $\mathbf{b}$, and update
$W \leftarrow W - \eta X_b^\top \mathbf{dZ}$ with one `matmul_blas` (`trans_a = 1`, `alpha` $= -\eta$,
`beta = 1`: the gradient is added into $W$ without ever being stored). Return the loss.
*/

typedef struct {
    int d, k;
    float *W; /* (D, K) */
    float *b; /* (K) */
} softreg;

static softreg softreg_new(int d, int k)
{
    /* Zero weights are fine here: the loss is convex, and every class starts with p = 1/K. */
    return (softreg){.d = d, .k = k, .W = nn_calloc((size_t)d * (size_t)k, sizeof(float)),
                     .b = nn_calloc((size_t)k, sizeof(float))};
}

static void softreg_free(softreg *m)
{
    free(m->W), free(m->b);
    m->W = m->b = NULL;
}

/* One SGD step on a batch.  xb: (B, D), yb: (B) -> z, dz: (B, K) scratch; returns the batch loss. */
static float softreg_step(softreg *m, const float *xb, const int *yb, int B, float lr, float eps, float *z,
                          float *dz)
{
    const int D = m->d, K = m->k;
    /* BEGIN EXERCISE 02.7 (3 points): a mini-batch step of softmax regression */
    for (int i = 0; i < B; i++)
        memcpy(z + (size_t)i * K, m->b, (size_t)K * sizeof(float));
    matmul_blas(0, 0, B, K, D, 1.0f, xb, m->W, 1.0f, z); /* Z = 1 b^T + X W:  (B, K) */
    float loss = softmax_ce_smooth(dz, z, yb, B, K, eps);
    for (int k = 0; k < K; k++) {
        float db = 0;
        for (int i = 0; i < B; i++)
            db += dz[(size_t)i * K + k];
        m->b[k] -= lr * db;
    }
    matmul_blas(1, 0, D, K, B, -lr, xb, dz, 1.0f, m->W); /* W += -lr X^T dZ:  (D, K) */
    return loss;
    /* END EXERCISE */
}

/*md
Training and evaluation wrap the step. An epoch shuffles the order of the training rows and
walks through it in batches, gathering each batch's rows and labels into contiguous buffers that
are allocated once; evaluation computes the logits of a whole split in chunks of 1000 rows. Both
check that the data has the shape the model expects. Evaluation reports the plain cross-entropy
($\varepsilon = 0$, so that runs with and without smoothing are comparable), the accuracy, and
the *mean confidence*, the average probability the model gives to its predicted class: for a
well-calibrated model it is close to the accuracy.
*/

static void softreg_check(const char *fn, const softreg *m, const dataset_t *ds)
{
    if (ds->d != m->d || ds->classes != m->k)
        nn_fatal("the model and the data must agree: build the model with softreg_new(ds.d, "
                 "ds.classes) for the data it will see, prepared the same way",
                 "%s: the model maps %d features to %d classes, the data has %d features and %d "
                 "classes: expected the same", fn, m->d, m->k, ds->d, ds->classes);
}

typedef struct {
    double loss, acc, confidence;
} eval_result;

typedef struct {
    const softreg *m;
    float *z, *p; /* (CHUNK, K) logits and probabilities */
    double conf;  /* the sum of the largest probability of every row so far */
} softreg_eval;

/* metrics_evaluate's view of the model: the logits z = X W + b of b rows, adding up the
 * confidence (the largest softmax probability) of each.  x: (b, D) */
static const float *softreg_logits(void *ctx, const float *x, int first, int b)
{
    (void)first;
    softreg_eval *e = ctx;
    const int K = e->m->k;
    for (int i = 0; i < b; i++)
        memcpy(e->z + (size_t)i * K, e->m->b, (size_t)K * sizeof(float));
    matmul_blas(0, 0, b, K, e->m->d, 1.0f, x, e->m->W, 1.0f, e->z);
    softmax_forward(e->p, e->z, b, K);
    for (int i = 0; i < b; i++)
        e->conf += e->p[(size_t)i * K + metrics_argmax(e->p + (size_t)i * K, K)];
    return e->z;
}

/* Cross-entropy, accuracy and mean confidence of m on ds, in chunks.  ds->x: (N, D) */
static eval_result softreg_evaluate(const softreg *m, const dataset_t *ds)
{
    softreg_check("softreg_evaluate", m, ds);
    enum { CHUNK = 1000 };
    softreg_eval e = {m, nn_malloc((size_t)CHUNK * m->k * sizeof(float)), nn_malloc((size_t)CHUNK * m->k * sizeof(float)), 0};
    metrics_eval_t r = metrics_evaluate(ds->x, ds->y, ds->n, ds->d, m->k, CHUNK, softreg_logits, &e);
    free(e.z), free(e.p);
    return (eval_result){r.loss, r.accuracy, ds->n ? e.conf / ds->n : 0};
}

/* Buffers for one batch, allocated once per training run. */
typedef struct {
    int B;
    float *x;  /* (B, D) */
    int *y;    /* (B) */
    float *t;  /* (B) float targets, for logistic regression */
    float *z;  /* (B, K) */
    float *dz; /* (B, K) */
} batch_buf;

static batch_buf batch_new(int B, int d, int k)
{
    return (batch_buf){.B = B, .x = nn_malloc((size_t)B * d * sizeof(float)), .y = nn_malloc((size_t)B * sizeof(int)),
                       .t = nn_malloc((size_t)B * sizeof(float)), .z = nn_malloc((size_t)B * k * sizeof(float)),
                       .dz = nn_malloc((size_t)B * k * sizeof(float))};
}

static void batch_free(batch_buf *b) { free(b->x), free(b->y), free(b->t), free(b->z), free(b->dz); }

/* Copy the rows order[s .. s+B) of ds into the batch buffers; returns B (smaller at the end). */
static int batch_gather(batch_buf *bb, const dataset_t *ds, const int *order, int s)
{
    int B = ds->n - s < bb->B ? ds->n - s : bb->B;
    dataset_gather(bb->x, bb->y, ds, order + s, B);
    for (int i = 0; i < B; i++)
        bb->t[i] = (float)bb->y[i];
    return B;
}

/* One epoch of mini-batch SGD on softmax regression; returns the mean training loss (smoothed). */
static double softreg_epoch(softreg *m, const dataset_t *train, int *order, batch_buf *bb, float lr, float eps,
                            rng_t *rng, long *step, long total_steps, progress_t *bar)
{
    softreg_check("softreg_epoch", m, train);
    rng_shuffle(rng, order, train->n);
    double total = 0;
    const schedule_t decay = schedule_new(SCHEDULE_LINEAR, lr, total_steps); /* to 0, linearly */
    for (int s = 0; s < train->n; s += bb->B) {
        int B = batch_gather(bb, train, order, s);
        float lr_t = schedule_lr(&decay, *step);
        float loss = softreg_step(m, bb->x, bb->y, B, lr_t, eps, bb->z, bb->dz);
        nn_check_finite(loss, "the softmax regression training loss", *step);
        (*step)++;
        total += (double)loss * B;
        if (bar)
            progress_step(bar, s + B, "loss %.4f", total / (s + B));
    }
    return total / train->n;
}

/*md
### Results on Fashion-MNIST

The Fashion-MNIST images of chapter 1 (pixels in $[0, 1]$), all ten classes: 54,000 training
images, 6,000 held out for validation, and the 10,000 test images. Each image is standardized
with one mean and one standard deviation computed over all training pixels, not per pixel:
pixels share one unit, and a per-pixel statistic would blow up the rare nonzero values of
border pixels that are almost always black.

One more ingredient. With a constant learning rate, SGD does not settle at the minimum: every
step follows the gradient of a different random batch, so near the bottom the weights keep
jittering in a cloud whose size grows with $\eta$. Shrinking $\eta$ towards the end shrinks the
cloud. We decay it linearly, $\eta_t = \eta\,(1 - t/T)$ over the $T$ steps of the run: large
steps early, when the weights are far from anywhere good, small ones at the end. (Chapter 5
compares this *schedule* with the others.) With batches of 128, $\eta = 0.1$ and 10 epochs:

![Softmax regression on Fashion-MNIST: cross-entropy after each epoch, training and validation.](out/02/loss.svg)

The model reaches about 84.5% test accuracy (about 87% on the training images, 85.5% on validation) after
a few seconds of training on two cores. The bump at epoch 4 is the SGD noise just described:
with the learning rate still large, an unlucky run of batches threw the weights off, and the
next epochs, with smaller steps, recovered. Training and validation cross-entropy stay close
(0.38 and 0.43): a linear model with 7,850 parameters cannot memorize 54,000 images. What limits
it is the model itself, which can only draw flat boundaries in pixel space.

The columns of $W$, drawn as images, show what it learned: one *template* per class (red
pixels vote for the class, blue ones against). Some are easy to read: the gap between the legs
of a trouser is blue (ink there means "not a trouser"), the bag has a rectangular outline, and
the three kinds of shoes are blue in a band across the upper left, where tops and dresses have
ink and a shoe lying on its side has none. Others, the T-shirt, the
pullover, the coat and the shirt, are speckled: these four classes differ in details (sleeves,
collars, buttons) rather than in outline, and a single template per class can only weigh pixels
for and against, not combine them. The model classifies an image by asking which template it
matches best, and a shirt that looks half like a T-shirt and half like a pullover is beyond it.
Chapter 3's hidden layer learns many features and combines them.

![The weights of softmax regression, one 28×28 template per class.](out/02/templates.svg)

**Label smoothing** is a remedy for over-confidence, and this model is not over-confident:
without smoothing, its mean confidence on the test set, about 0.85, matches its accuracy, about
0.845, almost exactly. Trained again with $\varepsilon = 0.1$, its confidence drops to about 0.73 while its
accuracy stays near 0.84: it has become under-confident, because it now aims at 0.91 for the
right class and can reach even that only on easy images. Smoothing earns its keep on models
big enough to fit their training data exactly, whose confidence would otherwise run to 1;
chapter 6 comes back to it.

For two classes, logistic regression on chapter 1's sneakers and ankle boots reaches about 96.5%
test accuracy after 10 epochs, against 95.1% for chapter 1's last perceptron and 96.45% for the
averaged one.
The boundary is the same kind of object, a hyperplane, and both methods end up with about as
good a one; what logistic regression adds is a probability with every answer, and a loss whose
gradient never switches off (every example keeps pulling, in proportion to its error), which is
what lets the same recipe train the networks of the next chapters.
*/

/* Accuracy and mean BCE of m on ds (labels 0/1).  ds->x: (N, D) */
static void logreg_evaluate(const logreg *m, const dataset_t *ds, double *loss, double *acc)
{
    if (ds->d != m->d || ds->classes != 2)
        nn_fatal("logistic regression needs two classes and the model's number of features",
                 "logreg_evaluate: the model has %d features, the data has %d features and %d classes: "
                 "expected %d features and 2 classes", m->d, ds->d, ds->classes, m->d);
    float *z = nn_malloc((size_t)ds->n * sizeof(float)), *t = nn_malloc((size_t)ds->n * sizeof(float));
    matmul_blas(0, 0, ds->n, 1, m->d, 1.0f, ds->x, m->w, 0.0f, z);
    int correct = 0;
    for (int i = 0; i < ds->n; i++) {
        z[i] += m->b;
        t[i] = (float)ds->y[i];
        correct += (z[i] >= 0) == (ds->y[i] == 1);
    }
    *loss = bce_logits_loss(NULL, z, t, ds->n);
    *acc = (double)correct / ds->n;
    free(z), free(t);
}

/* Image standardization with one mean and std over all pixels of the training split: the
 * exercise 02.4 statistics of the training matrix seen as a single column. */
static int standardize_images(dataset_t *train, dataset_t *const *others, int n_others)
{
    float mean, std;
    if (standardize_fit(&mean, &std, train->x, (int)((size_t)train->n * train->d), 1) != 0)
        return -1;
    standardize_apply(train->x, (int)((size_t)train->n * train->d), 1, &mean, &std);
    for (int i = 0; i < n_others; i++)
        standardize_apply(others[i]->x, (int)((size_t)others[i]->n * others[i]->d), 1, &mean, &std);
    return 0;
}

/*md
## 2.9 The program

`main` runs the experiments in the order of the chapter and writes everything to `out/02/`:
`log.csv`, one row per epoch of softmax regression (`batch_loss`, the mean loss of the epoch's
batches as training saw them; then the cross-entropy and accuracy of the model after the epoch on
the training and validation sets), drawn as `loss.svg`; `standardization.csv/.svg`; `lr.csv` and
`lr_divergence.svg`; `fit.csv/.svg`; `templates.svg`; each figure beside the gnuplot script that
drew it. `--lr`, `--batch`, `--smoothing` and `--epochs` set the softmax regression's training
(the comparison run uses $\varepsilon = 0.1$, or 0 if `--smoothing` is not 0); `--quick` shrinks
everything to a few seconds (Fashion-MNIST is cut to 3,000 training images), which is what the
tests and CI run.
*/

#ifndef GRADING

typedef struct {
    float lr, smoothing;
    int batch;
} options;

/* Writes a CSV with a header and `cols` columns of `rows` values each (column-major input). */
static int write_columns(const char *dir, const char *name, const char *header, const float *const *cols,
                         int ncols, int rows)
{
    char path[4096];
    io_file_t f;
    if (io_create(&f, io_join(path, dir, name)) != 0)
        return -1;
    fprintf(f.f, "%s\n", header);
    for (int i = 0; i < rows; i++)
        for (int c = 0; c < ncols; c++)
            fprintf(f.f, "%.7g%c", cols[c][i], c == ncols - 1 ? '\n' : ',');
    return io_commit(&f);
}

/* Sections 2.1-2.4 and 2.6 on the clean houses: closed form vs gradient descent, raw vs
 * standardized, and the learning-rate sweep. */
static int run_linear(const flags_t *f, rng_t *rng)
{
    const int n = 1000, D = HOUSE_D, D1 = HOUSE_D + 1;
    float *x = nn_malloc((size_t)n * D * sizeof(float)), *y = nn_malloc((size_t)n * sizeof(float));
    make_houses(x, y, n, rng);
    int *perm = nn_malloc((size_t)n * sizeof(int)), ntr, nva, nte;
    if (prep_split(perm, &ntr, &nva, &nte, n, 0.2f, 0.2f, rng) != 0)
        return -1;
    /* Gather the three splits; targets follow their rows. */
    float *xtr = nn_malloc((size_t)ntr * D * sizeof(float)), *xte = nn_malloc((size_t)nte * D * sizeof(float));
    float *ytr = nn_malloc((size_t)ntr * sizeof(float)), *yte = nn_malloc((size_t)nte * sizeof(float));
    prep_gather_rows(xtr, x, perm, ntr, D);
    prep_gather_rows(xte, x, perm + ntr + nva, nte, D);
    prep_gather_rows(ytr, y, perm, ntr, 1);
    prep_gather_rows(yte, y, perm + ntr + nva, nte, 1);
    printf("== Linear regression on %d synthetic houses (%d train, %d validation, %d test)\n", n, ntr, nva, nte);

    /* Raw and standardized design matrices of the training split. */
    float mean[HOUSE_D], std[HOUSE_D];
    float *raw = nn_malloc((size_t)ntr * D1 * sizeof(float)), *stdz = nn_malloc((size_t)ntr * D1 * sizeof(float));
    float *tmp = nn_malloc((size_t)ntr * D * sizeof(float));
    with_bias_column(raw, xtr, ntr, D);
    if (standardize_fit(mean, std, xtr, ntr, D) != 0)
        return -1;
    memcpy(tmp, xtr, (size_t)ntr * D * sizeof(float));
    standardize_apply(tmp, ntr, D, mean, std);
    with_bias_column(stdz, tmp, ntr, D);

    /* The exact answers, and the Hessians' spectra. */
    float w_exact[HOUSE_D + 1], w_exact_std[HOUSE_D + 1];
    if (linreg_closed_form(w_exact, raw, ytr, ntr, D1) != 0 || linreg_closed_form(w_exact_std, stdz, ytr, ntr, D1) != 0)
        return -1;
    float *r = nn_malloc((size_t)ntr * sizeof(float)), g[HOUSE_D + 1];
    float best_raw = linreg_loss_grad(g, r, raw, ytr, w_exact, ntr, D1);
    float best_std = linreg_loss_grad(g, r, stdz, ytr, w_exact_std, ntr, D1);
    double H[(HOUSE_D + 1) * (HOUSE_D + 1)], lmax[2], lmin[2];
    for (int s = 0; s < 2; s++) {
        mse_hessian(H, s ? stdz : raw, ntr, D1);
        lmax[s] = power_iteration(H, D1, 0, 500);
        lmin[s] = 1.0 / power_iteration(H, D1, 1, 500);
        printf("%-12s features: Hessian eigenvalues %.4g .. %.4g, condition number %.3g, "
               "largest stable learning rate 2/lambda_max = %.4g\n", s ? "standardized" : "raw",
               lmin[s], lmax[s], lmax[s] / lmin[s], 2 / lmax[s]);
    }

    /* Gradient descent on both, at 0.9 of the largest stable rate: the standardization figure. */
    const int steps = 300;
    float *log_raw = nn_malloc((steps + 1) * sizeof(float)), *log_std = nn_malloc((steps + 1) * sizeof(float));
    float *stepno = nn_malloc((steps + 1) * sizeof(float));
    float w_raw[HOUSE_D + 1] = {0}, w_std[HOUSE_D + 1] = {0}, w_back[HOUSE_D + 1];
    gd_result res_raw = linreg_gd(w_raw, raw, ytr, ntr, D1, (float)(0.9 * 2 / lmax[0]), steps, log_raw);
    gd_result res_std = linreg_gd(w_std, stdz, ytr, ntr, D1, (float)(0.9 * 2 / lmax[1]), steps, log_std);
    for (int t = 0; t <= steps; t++) {
        stepno[t] = (float)t;
        /* The excess loss, floored at 1e-4: a float loss near 225 cannot resolve smaller differences. */
        log_raw[t] = fmaxf(log_raw[t] - best_raw, 1e-4f);
        log_std[t] = fmaxf(log_std[t] - best_std, 1e-4f);
    }
    int floor_at = -1;
    for (int t = 0; t <= steps && floor_at < 0; t++)
        if (log_std[t] <= 1e-4f)
            floor_at = t;
    printf("gradient descent, %d steps from w = 0 (excess loss %.4g): excess loss %.4g (raw) vs %.3g "
           "(standardized, at float precision after %d steps)%s\n", steps, log_raw[0], log_raw[steps],
           log_std[steps], floor_at, res_raw.diverged || res_std.diverged ? " [diverged!]" : "");
    unstandardize_weights(w_back, w_std, mean, std, D);
    printf("%-8s %9s %12s %14s\n", "weight", "true", "closed form", "GD (std, back)");
    for (int j = 0; j <= D; j++)
        printf("%-8s %9.3f %12.3f %14.3f\n", j < D ? HOUSE_FEATURES[j] : "bias", j < D ? TRUE_W[j] : TRUE_B,
               w_exact[j], w_back[j]);
    float *pred = nn_malloc((size_t)nte * sizeof(float)), *xte1 = nn_malloc((size_t)nte * D1 * sizeof(float));
    with_bias_column(xte1, xte, nte, D);
    linreg_predict(pred, xte1, nte, D1, w_exact, D1);
    metrics_regression_t m = metrics_regression_all(pred, yte, (size_t)nte);
    printf("test: RMSE %.2f (the noise has std %.0f), MAE %.2f, R2 %.4f\n", m.rmse, NOISE_STD, m.mae, m.r2);

    int rc = write_columns(f->out, "standardization.csv", "step,raw,standardized",
                           (const float *const[]){stepno, log_raw, log_std}, 3, steps + 1);
    rc |= plot_render(f->out, "standardization", 800, 500,
                      "set title 'Gradient descent on the house prices: raw vs standardized features'\n"
                      "set xlabel 'step'\nset ylabel 'excess loss L(w_t) - L(w*)'\nset logscale y\n"
                      "set yrange [1e-4:*]\nset format y '10^{%T}'\nset key top right\n"
                      "plot 'standardization.csv' using 'step':'raw' with lines lw 2 title 'raw features', "
                      "'' using 'step':'standardized' with lines lw 2 title 'standardized'");

    /* The learning-rate sweep on the standardized features. */
    enum { LRS = 5, LR_STEPS = 100 };
    const float frac[LRS] = {0.05f, 0.25f, 0.5f, 0.95f, 1.1f};
    const char *const color[LRS] = {"#9467bd", "#2ca02c", "#1f77b4", "#ff7f0e", "#d62728"};
    float *curves[LRS + 1];
    curves[0] = stepno;
    char header[256] = "step", body[4096];
    int nb = snprintf(body, sizeof body,
                      "set title 'Gradient descent with five learning rates (lr* = 2/λ_{max} = %.3f)'\n"
                      "set xlabel 'step'\nset ylabel 'training loss (MSE)'\nset logscale y\nset format y '10^{%%T}'\n"
                      "set datafile missing 'nan'\nset key top right\nplot ", 2 / lmax[1]);
    for (int k = 0; k < LRS; k++) {
        float lr = (float)(frac[k] * 2 / lmax[1]);
        float w[HOUSE_D + 1] = {0};
        curves[k + 1] = nn_malloc((LR_STEPS + 1) * sizeof(float));
        for (int t = 0; t <= LR_STEPS; t++)
            curves[k + 1][t] = NAN; /* steps after a divergence stay empty in the figure */
        gd_result res = linreg_gd(w, stdz, ytr, ntr, D1, lr, LR_STEPS, curves[k + 1]);
        printf("lr = %.2f x lr* = %.4f: %s at step %d, loss %.4g\n", frac[k], lr,
               res.diverged ? "DIVERGED" : "finished", res.steps, res.loss);
        snprintf(header + strlen(header), sizeof header - strlen(header), ",lr%d", k);
        nb += snprintf(body + nb, sizeof body - (size_t)nb, "%s'lr.csv' using 'step':'lr%d' with lines lw 2 "
                       "lc rgb '%s' title '%.2f lr*%s'", k ? ", " : "", k, color[k], frac[k],
                       res.diverged ? " (diverged)" : "");
    }
    rc |= write_columns(f->out, "lr.csv", header, (const float *const *)curves, LRS + 1, LR_STEPS + 1);
    rc |= plot_render(f->out, "lr_divergence", 800, 500, body);
    printf("\n");
    for (int k = 1; k <= LRS; k++)
        free(curves[k]);
    free(x), free(y), free(perm), free(xtr), free(xte), free(ytr), free(yte), free(raw), free(stdz), free(tmp);
    free(r), free(log_raw), free(log_std), free(stepno), free(pred), free(xte1);
    return rc;
}

/* Section 2.4-2.5 on the messy houses: three pipelines, metrics, the fit figure, leakage. */
static int run_preparation(const flags_t *f, rng_t *rng)
{
    const int n = 1000, D = MESSY_D, D1 = MESSY_D + 1;
    float *x = nn_malloc((size_t)n * D * sizeof(float)), *y = nn_malloc((size_t)n * sizeof(float));
    make_messy_houses(x, y, n, rng);
    int *perm = nn_malloc((size_t)n * sizeof(int)), ntr, nva, nte;
    if (prep_split(perm, &ntr, &nva, &nte, n, 0.2f, 0.2f, rng) != 0)
        return -1;
    const int counts[3] = {ntr, nva, nte}, starts[3] = {0, ntr, ntr + nva};
    float *xs[3], *ys[3];
    for (int s = 0; s < 3; s++) {
        xs[s] = nn_malloc((size_t)counts[s] * D * sizeof(float));
        ys[s] = nn_malloc((size_t)counts[s] * sizeof(float));
        prep_gather_rows(xs[s], x, perm + starts[s], counts[s], D);
        prep_gather_rows(ys[s], y, perm + starts[s], counts[s], 1);
    }
    printf("== Data preparation on %d messy houses: %zu of %d ages missing (NaN)\n", n,
           prep_count_nonfinite(x, (size_t)n * D), n);

    float *w = nn_malloc(D1 * sizeof(float)), *xt[3], *pred[3];
    for (int s = 0; s < 3; s++) {
        xt[s] = nn_malloc((size_t)counts[s] * D1 * sizeof(float));
        pred[s] = nn_malloc((size_t)counts[s] * sizeof(float));
    }
    float *fitpred[PIPE_COUNT];
    int best = -1;
    double best_r2 = -INFINITY, best_rmse = 0;
    printf("%-11s %8s %9s %8s %8s\n", "pipeline", "val R2", "test RMSE", "test MAE", "test R2");
    for (int k = 0; k < PIPE_COUNT; k++) {
        pipeline p;
        if (pipeline_fit(&p, (pipe_kind)k, xs[0], ntr) != 0)
            return -1;
        for (int s = 0; s < 3; s++)
            if (pipeline_apply(&p, xt[s], xs[s], counts[s]) != 0)
                return -1;
        if (prep_check_finite(xt[0], ntr, D1, "the prepared training rows") != 0 ||
            linreg_closed_form(w, xt[0], ys[0], ntr, D1) != 0)
            return -1;
        for (int s = 1; s < 3; s++)
            linreg_predict(pred[s], xt[s], counts[s], D1, w, D1);
        double val_r2 = metrics_r2(pred[1], ys[1], (size_t)nva);
        metrics_regression_t m = metrics_regression_all(pred[2], ys[2], (size_t)nte);
        printf("%-11s %8.3f %9.2f %8.2f %8.3f\n", PIPE_NAMES[k], val_r2, m.rmse, m.mae, m.r2);
        if (val_r2 > best_r2)
            best = k, best_r2 = val_r2, best_rmse = m.rmse;
        fitpred[k] = nn_malloc((size_t)nte * sizeof(float));
        memcpy(fitpred[k], pred[2], (size_t)nte * sizeof(float));
        pipeline_free(&p);
    }
    printf("the validation set picks the %s pipeline: test RMSE %.2f\n", PIPE_NAMES[best], best_rmse);

    /* Leakage 1: the log pipeline fitted on all rows. */
    pipeline leaky;
    if (pipeline_fit(&leaky, PIPE_LOG, x, n) != 0)
        return -1;
    for (int s = 0; s < 3; s += 2)
        if (pipeline_apply(&leaky, xt[s], xs[s], counts[s]) != 0)
            return -1;
    if (linreg_closed_form(w, xt[0], ys[0], ntr, D1) != 0)
        return -1;
    linreg_predict(pred[2], xt[2], nte, D1, w, D1);
    printf("leakage 1: imputer and scaler fitted on all rows: test RMSE %.3f (fitted on training rows: %.3f)\n",
           metrics_rmse(pred[2], ys[2], (size_t)nte), metrics_rmse(fitpred[PIPE_LOG], ys[2], (size_t)nte));
    pipeline_free(&leaky);

    /* Leakage 2: feature selection on all rows, pure noise. */
    const int M = 50, P = 1000, KEEP = 10, REPEATS = f->quick ? 4 : 20;
    float *nx = nn_malloc(2 * (size_t)M * P * sizeof(float)), *ny = nn_malloc(2 * (size_t)M * sizeof(float));
    double honest = 0, leak = 0;
    for (int rep = 0; rep < REPEATS; rep++) {
        for (size_t i = 0; i < 2 * (size_t)M * P; i++)
            nx[i] = rng_normal(rng);
        for (int i = 0; i < 2 * M; i++)
            ny[i] = rng_normal(rng);
        honest += selection_r2(nx, ny, M, P, KEEP, 0) / REPEATS;
        leak += selection_r2(nx, ny, M, P, KEEP, 1) / REPEATS;
    }
    printf("leakage 2: pure noise, %d rows, %d features, keep the %d most correlated; mean test R2 over "
           "%d datasets: %.3f chosen on training rows, %.3f chosen on all rows\n\n", 2 * M, P, KEEP, REPEATS,
           honest, leak);

    int rc = write_columns(f->out, "fit.csv", "price,raw,log",
                           (const float *const[]){ys[2], fitpred[PIPE_RAW], fitpred[PIPE_LOG]}, 3, nte);
    rc |= plot_render(f->out, "fit", 640, 560,
                      "set title 'Messy houses, test set: predicted vs true price'\nset xlabel 'true price (k€)'\n"
                      "set ylabel 'predicted price (k€)'\nset size ratio -1\nset key top left\n"
                      "plot 'fit.csv' using 'price':'raw' with points pt 7 ps 0.5 lc rgb '#d62728' title 'raw features', "
                      "'' using 'price':'log' with points pt 7 ps 0.5 lc rgb '#1f77b4' title 'log pipeline', "
                      "x with lines dt 2 lw 2 lc rgb '#555555' title 'perfect'");
    for (int s = 0; s < 3; s++)
        free(xs[s]), free(ys[s]), free(xt[s]), free(pred[s]);
    for (int k = 0; k < PIPE_COUNT; k++)
        free(fitpred[k]);
    free(x), free(y), free(perm), free(w), free(nx), free(ny);
    return rc;
}

/* Section 2.7: logistic regression on Sneaker vs Ankle boot. */
enum { LOGREG_EPOCHS = 10, LOGREG_BATCH = 64 };
static const float LOGREG_LR = 0.2f;
static int run_logistic(const flags_t *f, const dataset_t *full_train, const dataset_t *full_test, rng_t *rng)
{
    const int classes[2] = {7, 9};
    dataset_t all = dataset_select_classes(full_train, classes, 2);
    dataset_t test = dataset_select_classes(full_test, classes, 2);
    dataset_t train, val;
    dataset_split(&train, &val, &all, 0.8f, rng);
    if (standardize_images(&train, (dataset_t *const[]){&val, &test}, 2) != 0)
        return -1;
    printf("== Logistic regression, %s vs %s: %d training, %d validation, %d test images\n", FASHION_CLASSES[7],
           FASHION_CLASSES[9], train.n, val.n, test.n);
    logreg m = {.d = train.d, .w = nn_calloc((size_t)train.d, sizeof(float)), .b = 0};
    batch_buf bb = batch_new(LOGREG_BATCH, train.d, 1);
    int *order = nn_malloc((size_t)train.n * sizeof(int));
    rng_iota(order, train.n);
    const int epochs = f->quick ? 2 : LOGREG_EPOCHS;
    const schedule_t decay = schedule_new(SCHEDULE_LINEAR, LOGREG_LR, (long)epochs * ((train.n + bb.B - 1) / bb.B));
    long step = 0;
    for (int e = 1; e <= epochs; e++) {
        rng_shuffle(rng, order, train.n);
        double total = 0;
        for (int s = 0; s < train.n; s += bb.B) {
            int B = batch_gather(&bb, &train, order, s);
            float loss = logreg_step(&m, bb.x, bb.t, B, schedule_lr(&decay, step), bb.z, bb.dz);
            nn_check_finite(loss, "the logistic regression training loss", step++);
            total += (double)loss * B;
        }
        double vl, va;
        logreg_evaluate(&m, &val, &vl, &va);
        printf("logistic  epoch %d/%d  loss %.4f  val loss %.4f  val acc %.4f\n", e, epochs, total / train.n, vl, va);
    }
    double tl, ta;
    logreg_evaluate(&m, &test, &tl, &ta);
    printf("logistic regression test accuracy: %.4f\n\n", ta);
    batch_free(&bb);
    free(order), free(m.w);
    dataset_free(&all), dataset_free(&train), dataset_free(&val), dataset_free(&test);
    return 0;
}

/* Draws the K columns of W as 28x28 images, 2 rows of 5.  W: (784, 10) */
static int plot_templates(const char *dir, const softreg *m)
{
    char path[4096];
    io_file_t f;
    if (io_create(&f, io_join(path, dir, "templates.csv")) != 0)
        return -1;
    float scale[10];
    for (int k = 0; k < 10; k++) {
        scale[k] = 1e-12f;
        for (int j = 0; j < 784; j++)
            scale[k] = fmaxf(scale[k], fabsf(m->W[j * 10 + k]));
    }
    /* A 2 x 5 grid of tiles: each 28x28 image below a 6-pixel strip for its name, 2 pixels apart
     * (the gaps hold 0, which the palette draws white like the background). */
    enum { TILE_W = 30, TILE_H = 36, TOP = 6 };
    for (int R = 0; R < 2 * TILE_H; R++) {
        for (int C = 0; C < 5 * TILE_W; C++) {
            int r = R % TILE_H - TOP, c = C % TILE_W, k = (R / TILE_H) * 5 + C / TILE_W;
            if (r < 0 || r >= 28 || c >= 28)
                fprintf(f.f, C ? ",0" : "0");
            else
                fprintf(f.f, C ? ",%.4f" : "%.4f", m->W[(r * 28 + c) * 10 + k] / scale[k]);
        }
        fputc('\n', f.f);
    }
    if (io_commit(&f) != 0)
        return -1;
    char body[4096];
    int n = snprintf(body, sizeof body,
                     "set title 'Softmax regression: the weights of each class (scaled to [-1, 1])'\nunset key\n"
                     "set size ratio -1\nset yrange [71.5:-0.5]\nset xrange [-0.5:147.5]\nunset xtics\nunset ytics\n"
                     "unset border\n"
                     "set palette defined (-1 '#2166ac', 0 'white', 1 '#b2182b')\nset cbrange [-1:1]\n");
    for (int k = 0; k < 10; k++)
        n += snprintf(body + n, sizeof body - (size_t)n, "set label %d '%s' at %d,%d center front font ',11'\n",
                      k + 1, FASHION_CLASSES[k], (k % 5) * 30 + 14, (k / 5) * 36 + 3);
    snprintf(body + n, sizeof body - (size_t)n, "plot 'templates.csv' matrix with image");
    return plot_render(dir, "templates", 900, 500, body);
}

/* Train softmax regression for f->epochs; prints and optionally logs every epoch. */
static eval_result train_softreg(softreg *m, const dataset_t *train, const dataset_t *val, const dataset_t *test,
                                 const flags_t *f, const options *o, float eps, rng_t *rng, csvlog_t *log)
{
    batch_buf bb = batch_new(o->batch, train->d, train->classes);
    int *order = nn_malloc((size_t)train->n * sizeof(int));
    rng_iota(order, train->n);
    long step = 0;
    for (int e = 1; e <= f->epochs; e++) {
        char label[64];
        snprintf(label, sizeof label, "softmax eps=%.2f epoch %2d/%d", eps, e, f->epochs);
        progress_t bar;
        progress_begin(&bar, label, train->n);
        long total_steps = (long)f->epochs * ((train->n + o->batch - 1) / o->batch);
        double mean_loss = softreg_epoch(m, train, order, &bb, o->lr, eps, rng, &step, total_steps, &bar);
        eval_result tr = softreg_evaluate(m, train), va = softreg_evaluate(m, val);
        nn_check_finite(va.loss, "the validation loss", step);
        if (log)
            csvlog_row(log, (double[]){e, mean_loss, tr.loss, tr.acc, va.loss, va.acc});
        progress_end(&bar, "loss %.4f  train ce %.4f  acc %.4f  val ce %.4f  val acc %.4f", mean_loss, tr.loss,
                     tr.acc, va.loss, va.acc);
    }
    batch_free(&bb);
    free(order);
    return softreg_evaluate(m, test);
}

/* Section 2.8: softmax regression on all ten classes, with and without label smoothing. */
static int run_softmax(const flags_t *f, const options *o, dataset_t *full_train, dataset_t *test, rng_t *rng)
{
    dataset_t train, val;
    dataset_split(&train, &val, full_train, 0.9f, rng);
    if (standardize_images(&train, (dataset_t *const[]){&val, test}, 2) != 0)
        return -1;
    printf("== Softmax regression, 10 classes: %d training, %d validation, %d test images; batch %d, lr %g\n",
           train.n, val.n, test->n, o->batch, o->lr);
    char path[4096];
    csvlog_t log;
    if (csvlog_open(&log, io_join(path, f->out, "log.csv"), "epoch,batch_loss,train_loss,train_acc,val_loss,val_acc") != 0)
        return -1;
    softreg m = softreg_new(train.d, train.classes);
    double t0 = timing_seconds();
    eval_result te = train_softreg(&m, &train, &val, test, f, o, o->smoothing, rng, &log);
    double seconds = timing_seconds() - t0;
    int rc = csvlog_close(&log);
    printf("softmax regression (label smoothing %.2f): test accuracy %.4f, test cross-entropy %.4f, "
           "mean confidence %.3f; %.1fs\n", o->smoothing, te.acc, te.loss, te.confidence, seconds);
    const char *series[] = {"train_loss:training", "val_loss:validation", NULL};
    rc |= plot_curves(f->out, "loss", "log.csv", "Softmax regression on Fashion-MNIST: cross-entropy", "epoch",
                      "cross-entropy", "epoch", series);
    rc |= plot_templates(f->out, &m);
    softreg_free(&m);

    /* The same without (or with) smoothing, for the comparison in the text. */
    float other = o->smoothing > 0 ? 0.0f : 0.1f;
    softreg m2 = softreg_new(train.d, train.classes);
    eval_result te2 = train_softreg(&m2, &train, &val, test, f, o, other, rng, NULL);
    printf("softmax regression (label smoothing %.2f): test accuracy %.4f, test cross-entropy %.4f, "
           "mean confidence %.3f\n", other, te2.acc, te2.loss, te2.confidence);
    softreg_free(&m2);
    dataset_free(&train), dataset_free(&val);
    return rc;
}

int main(int argc, char **argv)
{
    flags_t f = {.epochs = 10, .quick_epochs = 2, .seed = 1, .out = "out/02"};
    options o = {.lr = 0.1f, .smoothing = 0.0f, .batch = 128};
    const flags_option_t extra[] = {
        {"--lr", FLAGS_FLOAT, &o.lr, "softmax regression learning rate"},
        {"--batch", FLAGS_INT, &o.batch, "softmax regression batch size"},
        {"--smoothing", FLAGS_FLOAT, &o.smoothing, "label smoothing epsilon, 0 to 1"},
    };
    int parsed = flags_parse(&f, argc, argv, "Chapter 2: linear, logistic and softmax regression by gradient descent.", extra, 3);
    if (parsed != 0) /* -1: a bad command line (reported), 1: --help was shown */
        return parsed < 0 ? 2 : 0;
    if (o.batch < 1 || !(o.lr > 0) || !(o.smoothing >= 0 && o.smoothing <= 1)) {
        nn_error("the defaults are --batch 128 --lr 0.1 --smoothing 0", "bad options: --batch %d, --lr %g, --smoothing %g: "
                 "expected batch >= 1, lr > 0, 0 <= smoothing <= 1", o.batch, o.lr, o.smoothing);
        return 2;
    }
    if (io_mkdirs(f.out) != 0)
        return 1;
    rng_t rng;
    rng_seed(&rng, f.seed);
    double t0 = timing_seconds();
    if (run_linear(&f, &rng) != 0 || run_preparation(&f, &rng) != 0)
        return 1;
    dataset_t train, test;
    if (fashion_load_splits(&train, &test, f.data) != 0)
        return 1;
    if (f.quick)
        dataset_truncate(&train, 3000);
    if (prep_check_finite(train.x, train.n, train.d, "the Fashion-MNIST training images") != 0 ||
        prep_check_finite(test.x, test.n, test.d, "the Fashion-MNIST test images") != 0)
        return 1;
    int rc = run_logistic(&f, &train, &test, &rng) != 0 || run_softmax(&f, &o, &train, &test, &rng) != 0;
    dataset_free(&train), dataset_free(&test);
    if (rc)
        return 1;
    printf("done in %.1fs; log and figures in %s/\n", timing_seconds() - t0, f.out);
    return 0;
}

#endif /* GRADING */
